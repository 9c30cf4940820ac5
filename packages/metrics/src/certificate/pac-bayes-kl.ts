// The PAC-Bayes-kl bound (Seeger 2002; Maurer 2004) with the prior variance chosen from a
// fixed grid: with probability ≥ 1 − δ over the n training samples, for every posterior Q and
// every λ of the grid, kl(ê_S(Q) ‖ e_D(Q)) ≤ (KL(Q ‖ P_λ) + ln(2√n·J/δ))/n. docs/method.md §9.

import { PacgenError } from '@pacgen/core-wasm';
import { checkConfidence } from '../checks.js';
import { klInverse } from './kl-inverse.js';

export interface PacBayesKlInput {
  /** An upper bound on the empirical 0-1 error ê_S(Q) on the n training samples (probability). */
  empiricalError: number;
  /** KL(Q ‖ P) (nats). */
  kl: number;
  /** n: the training samples the posterior was fitted on (≥ 8, Maurer's condition). */
  n: number;
  /** The confidence spent on this bound, shared by the whole grid. */
  delta: number;
  /** J: the number of priors the bound holds for at once (the λ grid; default 1). */
  gridSize?: number;
}

export interface PacBayesKlTerms {
  /** ln(2√n·J/δ) (nats). */
  confidenceTerm: number;
  /** (KL + ln(2√n·J/δ))/n (nats per sample): the kl budget. */
  complexity: number;
  /** klInverse(ê, complexity): the bound on the expected 0-1 error e_D(Q) (probability). */
  bound: number;
}

/**
 * The PAC-Bayes-kl bound on the true 0-1 error of Q. Each of the J priors gets δ/J (the union
 * bound), which is the ln J inside the confidence term. Cost: one klInverse.
 */
export function pacBayesKlBound(input: PacBayesKlInput): PacBayesKlTerms {
  const { empiricalError, kl, n, delta } = input;
  const gridSize = input.gridSize ?? 1;
  checkConfidence(delta);
  if (!(Number.isInteger(n) && n >= 8)) {
    throw new PacgenError(`the PAC-Bayes-kl bound needs n ≥ 8 training samples, got ${n}`);
  }
  if (!(Number.isInteger(gridSize) && gridSize >= 1)) {
    throw new PacgenError(`gridSize must be an integer >= 1, got ${gridSize}`);
  }
  if (!(kl >= 0 && Number.isFinite(kl))) {
    throw new PacgenError(`KL must be a finite number >= 0, got ${kl}`);
  }
  const confidenceTerm = Math.log((2 * Math.sqrt(n) * gridSize) / delta);
  const complexity = (kl + confidenceTerm) / n;
  return { confidenceTerm, complexity, bound: klInverse(empiricalError, complexity) };
}
