// The sample-convergence bound (Langford & Caruana 2001): the empirical error of the stochastic
// network is an expectation over weight draws, known only through a Monte Carlo average; this
// bounds it from above with confidence 1 − δ. docs/method.md §9.

import { checkConfidence } from '../checks.js';
import { klInverse } from './kl-inverse.js';
import { PacgenError } from '@pacgen/core-wasm';

/**
 * Upper bound on the mean p of K independent variables in [0, 1] from their average p̂:
 * with probability ≥ 1 − δ, p ≤ klInverse(p̂, ln(2/δ)/K) (Langford & Caruana 2001, the
 * Chernoff bound in kl form; it holds for variables in [0, 1], not only 0/1, because a
 * Bernoulli of the same mean dominates their moment generating function). `draws` is K.
 * Cost: one klInverse.
 */
export function sampleConvergenceBound(meanError: number, draws: number, delta: number): number {
  checkConfidence(delta);
  if (!(Number.isInteger(draws) && draws >= 1)) {
    throw new PacgenError(`draws must be an integer >= 1, got ${draws}`);
  }
  return klInverse(meanError, Math.log(2 / delta) / draws);
}
