// The PAC-Bayes bound of docs/method.md §3.1 at given perturbation half-widths σ.
//
// CAUTION: the bound holds for a loss with values in [0, 1]. For cross-entropy (unbounded) the
// total is a score on the same scale as the loss, not a guarantee on the expected loss.

import type { NoiseModel } from './noise.js';
import { logRatioTerms, sumRange } from './psi.js';

/** The terms of E_u[L(w+u)] ≤ L̂(w) + curvatureTerm + complexityTerm. */
export interface BoundTerms {
  /** L̂(w) when known (loss units). */
  trainLoss?: number;
  /** ½·v·Σ a_i σ_i² (loss units): 1/6·Σ a_i σ_i² for uniform noise. */
  curvatureTerm: number;
  /** KL(posterior ‖ prior) = Σ ln(τ_i/σ_i) + m·k (nats; k = 0 for uniform noise). */
  klTerm: number;
  /** sqrt((KL + ln(2n/δ)) / (2(n−1))) (loss units). */
  complexityTerm: number;
  /**
   * trainLoss + curvatureTerm + complexityTerm (loss units; without trainLoss when it is not
   * given). Assumes a loss in [0, 1]: for cross-entropy it is a score, not a guarantee.
   */
  total: number;
}

export interface BoundInput {
  /** Effective curvature a_i (loss units per parameter unit²). */
  a: ArrayLike<number>;
  /** Perturbation half-widths σ_i (parameter units, 0 < σ_i ≤ κ_i). */
  sigma: ArrayLike<number>;
  /** Prior half-widths τ_i (parameter units). */
  tau: ArrayLike<number>;
  n: number;
  delta: number;
  noise: NoiseModel;
  trainLoss?: number;
}

/** ln(2n/δ): the confidence part of the complexity numerator (nats). */
export function confidenceTerm(n: number, delta: number): number {
  return Math.log((2 * n) / delta);
}

/**
 * The PAC-Bayes bound terms at half-widths σ (assumes a loss in [0, 1]; for cross-entropy the
 * total is a score, not a guarantee). Cost: O(m), no gradient evaluations.
 */
export function pacBayesBound(input: BoundInput): BoundTerms {
  const { a, sigma, tau, n, delta, noise, trainLoss } = input;
  const m = a.length;
  const quad = new Float64Array(m);
  for (let i = 0; i < m; i++) quad[i] = a[i] * sigma[i] * sigma[i];
  const curvatureTerm = 0.5 * noise.varianceFactor * sumRange(quad);
  const klTerm = sumRange(logRatioTerms(tau, sigma)) + m * noise.klOffset;
  const complexityTerm = Math.sqrt((klTerm + confidenceTerm(n, delta)) / (2 * (n - 1)));
  const total = (trainLoss ?? 0) + curvatureTerm + complexityTerm;
  return trainLoss === undefined
    ? { curvatureTerm, klTerm, complexityTerm, total }
    : { trainLoss, curvatureTerm, klTerm, complexityTerm, total };
}
