// Monte Carlo estimate of the perturbed training loss E_u[L̂(w+u)] (METHOD.md §3): the check
// of the second-order expansion L̂(w) + ½·v·Σ h_i σ_i² behind the bound.

import { PacgenError, Random } from '@pacgen/core-wasm';
import type { Objective } from '../objective.js';
import { noiseModel, type NoiseKind } from './noise.js';
import { requireFiniteVector } from './validate.js';

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
  requireFiniteVector('w', w, m);
  requireFiniteVector('sigma', sigma, m);
  for (let i = 0; i < m; i++) {
    if (sigma[i] < 0) throw new PacgenError(`sigma[${i}] is negative (${sigma[i]})`);
  }
  const minimum = antithetic ? 4 : 2;
  if (!Number.isInteger(samples) || samples < minimum || (antithetic && samples % 2 !== 0)) {
    throw new PacgenError(
      `samples must be ${antithetic ? 'an even integer' : 'an integer'} >= ${minimum}, got ${samples}`,
    );
  }
  const noise = noiseModel(options.noise ?? 'uniform');
  const rng = new Random(options.seed ?? 0);
  const draws = antithetic ? samples / 2 : samples;
  const u = new Float64Array(m);
  const point = new Float64Array(m);
  const values = new Float64Array(draws);
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < m; i++) u[i] = noise.sample(rng, sigma[i]);
    for (let i = 0; i < m; i++) point[i] = w[i] + u[i];
    let value = await obj.loss(point);
    if (antithetic) {
      for (let i = 0; i < m; i++) point[i] = w[i] - u[i];
      value = 0.5 * (value + (await obj.loss(point)));
    }
    values[d] = value;
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= draws;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const stdErr = Math.sqrt(ss / (draws - 1) / draws);
  return { mean, stdErr, draws, cost: { lossEvaluations: samples, gradientEvaluations: 0 } };
}
