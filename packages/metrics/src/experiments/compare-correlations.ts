// Does Ψ rank the generalization gaps of a comparison's final models? Kendall's τ-b of Ψ and Ψ*
// against the final cross-entropy gap and the final 0-1 error gap over every run, methods and
// seeds together, each with a bootstrap interval over resampled runs. Browser-safe.

import type { CompareRun } from './compare-run.js';
import {
  BOOTSTRAP_DEFAULTS,
  kendallTauInterval,
  type BootstrapInterval,
  type BootstrapOptions,
} from './kendall-bootstrap.js';
import { kendallTau, type KendallResult } from './kendall.js';

/** τ-b of one measure against one gap, with its percentile bootstrap interval. */
export interface CompareTau extends KendallResult {
  interval: BootstrapInterval;
}

/**
 * Kendall's τ-b of the final models' Ψ and Ψ* against their cross-entropy gap (test − train
 * loss; top level, as before) and their 0-1 error gap (test error − training error), over every
 * run that has both.
 */
export interface CompareCorrelations {
  psi: CompareTau;
  psiStar: CompareTau;
  errorGap: { psi: CompareTau; psiStar: CompareTau };
  bootstrap: Required<BootstrapOptions>;
}

/**
 * Kendall's τ-b between the final Ψ (and Ψ*) and the final gaps over `runs` (non-finite pairs
 * left out), each with a seeded percentile bootstrap interval (runs resampled with replacement;
 * default 1,000 resamples, 95%). Cost: 4·(1 + resamples) τ's, each O(N log N) for N runs.
 */
export function compareCorrelations(
  runs: readonly CompareRun[],
  bootstrapOptions: BootstrapOptions = {},
): CompareCorrelations {
  const bootstrap = { ...BOOTSTRAP_DEFAULTS, ...bootstrapOptions };
  const ceGap = runs.map((r) => r.final.gap);
  const errGap = runs.map((r) => r.final.trainAccuracy - r.final.testAccuracy);
  const tau = (x: number[], y: number[]): CompareTau => ({
    ...kendallTau(x, y),
    interval: kendallTauInterval(x, y, bootstrap),
  });
  const psi = runs.map((r) => r.psi?.psi ?? NaN);
  const psiStar = runs.map((r) => r.psi?.psiStar ?? NaN);
  return {
    psi: tau(psi, ceGap),
    psiStar: tau(psiStar, ceGap),
    errorGap: { psi: tau(psi, errGap), psiStar: tau(psiStar, errGap) },
    bootstrap,
  };
}
