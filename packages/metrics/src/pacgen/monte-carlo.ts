// Monte Carlo estimate of the perturbed training loss E_u[L̂(w+u)] (docs/method.md §3.4): the check
// of the second-order expansion L̂(w) + ½·v·Σ h_i σ_i² behind the bound.

import { PacgenError, Random } from '@pacgen/core-wasm';
import type { Objective } from '../objective/objective.js';
import { noiseModel, type NoiseKind } from './noise.js';
import { checkFiniteVector } from '../checks.js';

export interface MonteCarloOptions {
  /** Loss evaluations (default 32; even, ≥ 4, with antithetic pairs). */
  samples?: number;
  /** Seed of the perturbations (default 0). */
  seed?: number;
  /** Perturbation family with half-widths σ (default 'uniform'). */
  noise?: NoiseKind;
  /**
   * [choice] Evaluate each draw at w + u and w − u and average the pair (default true): the
   * first-order term g·u cancels exactly, so away from a minimum the error is that of the
   * curvature term alone.
   */
  antithetic?: boolean;
}

export interface MonteCarloResult {
  /** Estimate of E_u[L̂(w+u)] (loss units). */
  mean: number;
  /** Standard error of `mean` (loss units), from the spread of the independent draws. */
  stdErr: number;
  /** Independent draws (pairs when antithetic). */
  draws: number;
  cost: { lossEvaluations: number; gradientEvaluations: number };
}

/**
 * The most loss evaluations one estimate takes: each is a forward pass over the objective's
 * samples, so 10⁷ is already days of work; a larger count is a typo, refused at once.
 */
export const MAX_MONTE_CARLO_SAMPLES = 10_000_000;

/**
 * Estimates E_u[L̂(w+u)] for u_i drawn from the noise family with half-widths σ_i.
 * Cost: `samples` loss evaluations (forward passes), no gradient evaluations.
 */
export async function monteCarloPerturbedLoss(
  obj: Objective,
  w: ArrayLike<number>,
  sigma: ArrayLike<number>,
  options: MonteCarloOptions = {},
): Promise<MonteCarloResult> {
  const samples = options.samples ?? 32;
  const antithetic = options.antithetic ?? true;
  const m = obj.numParams;
  checkFiniteVector('w', w, m);
  checkFiniteVector('sigma', sigma, m);
  for (let i = 0; i < m; i++) {
    if (sigma[i] < 0) throw new PacgenError(`sigma[${i}] is negative (${sigma[i]})`);
  }
  const minimum = antithetic ? 4 : 2;
  if (
    !Number.isInteger(samples) ||
    samples < minimum ||
    samples > MAX_MONTE_CARLO_SAMPLES ||
    (antithetic && samples % 2 !== 0)
  ) {
    throw new PacgenError(
      `samples must be ${antithetic ? 'an even integer' : 'an integer'} in [${minimum}, ${MAX_MONTE_CARLO_SAMPLES}], got ${samples}`,
    );
  }
  const noise = noiseModel(options.noise ?? 'uniform');
  const rng = new Random(options.seed ?? 0);
  const draws = antithetic ? samples / 2 : samples;
  const u = new Float64Array(m);
  const point = new Float64Array(m);
  // Welford's running mean and sum of squares: memory does not grow with the number of draws.
  let mean = 0;
  let ss = 0;
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < m; i++) u[i] = noise.sample(rng, sigma[i]);
    for (let i = 0; i < m; i++) point[i] = w[i] + u[i];
    let value = await obj.loss(point);
    if (antithetic) {
      for (let i = 0; i < m; i++) point[i] = w[i] - u[i];
      value = 0.5 * (value + (await obj.loss(point)));
    }
    const delta = value - mean;
    mean += delta / (d + 1);
    ss += delta * (value - mean);
  }
  const stdErr = Math.sqrt(ss / (draws - 1) / draws);
  return { mean, stdErr, draws, cost: { lossEvaluations: samples, gradientEvaluations: 0 } };
}
