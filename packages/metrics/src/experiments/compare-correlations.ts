// Does Ψ rank the generalization gaps of a comparison's final models? Kendall's τ-b of Ψ and Ψ*
// against the final gap over every run, methods and seeds together. Browser-safe.

import type { CompareRun } from './compare-run.js';
import { kendallTau, type KendallResult } from './kendall.js';

/** Kendall's τ-b of the final models' Ψ and Ψ* against their gap, over every run that has both. */
export interface CompareCorrelations {
  psi: KendallResult;
  psiStar: KendallResult;
}

/** Kendall's τ-b between the final Ψ (and Ψ*) and the final gap over `runs` (non-finite pairs left out). */
export function compareCorrelations(runs: readonly CompareRun[]): CompareCorrelations {
  const gap = runs.map((r) => r.final.gap);
  return {
    psi: kendallTau(
      runs.map((r) => r.psi?.psi ?? NaN),
      gap,
    ),
    psiStar: kendallTau(
      runs.map((r) => r.psi?.psiStar ?? NaN),
      gap,
    ),
  };
}
