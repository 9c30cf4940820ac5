// Does Ψ rank the generalization gaps of a comparison's final models? Kendall's τ-b of Ψ, Ψ* and
// the certificate against the final cross-entropy gap and the final 0-1 error gap over every
// run, methods and seeds together, each with a bootstrap interval over resampled runs.
// Browser-safe.

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
 * Kendall's τ-b of the final models' Ψ, Ψ* and certificate (the bound on the test error) against
 * their cross-entropy gap (test − train loss; top level, as before) and their 0-1 error gap
 * (test error − training error), over every run that has both. The certificate's τ is null when
 * no run has one (switched off, or data without class labels).
 */
export interface CompareCorrelations {
  psi: CompareTau;
  psiStar: CompareTau;
  certificate: CompareTau | null;
  errorGap: { psi: CompareTau; psiStar: CompareTau; certificate: CompareTau | null };
  bootstrap: Required<BootstrapOptions>;
}

/**
 * Kendall's τ-b between the final Ψ, Ψ* and certificate and the final gaps over `runs`
 * (non-finite pairs left out), each with a seeded percentile bootstrap interval (runs resampled
 * with replacement; default 1,000 resamples, 95%). Cost: 6·(1 + resamples) τ's, each
 * O(N log N) for N runs.
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
  const bound = runs.map((r) => r.certificate?.bound ?? NaN);
  const certified = bound.some(Number.isFinite);
  return {
    psi: tau(psi, ceGap),
    psiStar: tau(psiStar, ceGap),
    certificate: certified ? tau(bound, ceGap) : null,
    errorGap: {
      psi: tau(psi, errGap),
      psiStar: tau(psiStar, errGap),
      certificate: certified ? tau(bound, errGap) : null,
    },
    bootstrap,
  };
}
