// The eigenvalue density of the Hessian by stochastic Lanczos quadrature (Ghorbani, Krishnan,
// Xiao 2019; PyHessian's `density`).

import { PacgenError, Random } from '@pacgen/core-wasm';
import type { Objective } from '../objective/objective.js';
import { checkInteger, checkPositive } from '../checks.js';
import type { FiniteDifferenceHealth } from '../hessian/health.js';
import { hessianAt, type EstimatorOptions } from '../hessian/operator.js';
import { lanczos, tridiagonalEigen } from './lanczos.js';
import { meanAndError } from './trace.js';

export interface DensityOptions extends EstimatorOptions {
  /** Independent Lanczos runs (random starts), ≥ 1. Default 10. */
  runs?: number;
  /** Lanczos steps per run (quadrature nodes), ≥ 1, capped at m. Default min(m, 60). */
  steps?: number;
  /** Points where the density is evaluated, or their number over the nodes' range. Default 512. */
  grid?: ArrayLike<number> | number;
  /** Gaussian smoothing width (eigenvalue units). Default (max node − min node)/200. */
  sigma?: number;
}

export interface SpectralMoment {
  /** p in (1/m)·Σ_i λ_i^p = (1/m)·tr(H^p). */
  order: number;
  value: number;
  /** Standard error over runs (NaN with one run). */
  stdErr: number;
}

export interface DensityResult {
  /** Per run, the quadrature nodes (Ritz values, ascending). */
  nodes: Float64Array[];
  /** Per run, their weights (squared first components of T's eigenvectors; each sums to 1). */
  weights: Float64Array[];
  grid: Float64Array;
  /** The smoothed density on the grid: a probability density in λ (integrates to 1). */
  density: Float64Array;
  sigma: number;
  /** (1/m)·tr(H^p) for p = 1…4 from the quadrature (exact for p < 2·steps, up to the HVP error). */
  moments: SpectralMoment[];
  runs: number;
  steps: number;
  /** Gradient evaluations spent. */
  cost: number;
  /** Kink crossings of its Hessian-vector products and the step shrinks they caused. */
  health: FiniteDifferenceHealth;
}

/**
 * The spectral density φ(λ) = (1/m)Σ_i δ(λ − λ_i) of ∇²L̂(w), smoothed by a Gaussian of width σ:
 * run r starts Lanczos (full reorthogonalization) from the r-th Rademacher vector v drawn from
 * `new Random(seed)`, and
 * the Gauss quadrature (nodes θ_l, weights τ_l = s_{1l}²) of T approximates vᵀf(H)v/‖v‖² ≈
 * tr f(H)/m; runs are averaged. The moments come with standard errors over runs; the density
 * itself resolves features wider than σ, with spectral mass 1/m per eigenvalue (a lone outlier
 * at the top carries weight ≈ 1/m in each run).
 *
 * Cost: 1 + 2·runs·steps gradient evaluations (4 a product with Richardson); fewer if a run's
 * Krylov space closes early.
 */
export async function spectralDensity(
  obj: Objective,
  w: ArrayLike<number>,
  options: DensityOptions = {},
): Promise<DensityResult> {
  const m = obj.numParams;
  const runs = checkInteger('runs', options.runs ?? 10, 1);
  const steps = Math.min(m, checkInteger('steps', options.steps ?? Math.min(m, 60), 1));
  const gridOption = options.grid ?? 512;
  if (typeof gridOption === 'number') checkInteger('grid size', gridOption, 2);
  else if (gridOption.length < 1) throw new PacgenError('grid has no points');
  if (options.sigma !== undefined) checkPositive('sigma', options.sigma);
  const op = await hessianAt(obj, w, options);
  const rng = new Random(options.seed ?? 0);

  const nodes: Float64Array[] = [];
  const weights: Float64Array[] = [];
  for (let r = 0; r < runs; r++) {
    const v = rng.rademacher(new Float64Array(m));
    const state = await lanczos(
      (x) => op.apply(x),
      v,
      steps,
      () => (options.onProgress?.(op.count, runs * steps), false),
    );
    const { values, vectors } = tridiagonalEigen(state.alpha, state.beta);
    nodes.push(values);
    weights.push(Float64Array.from(vectors, (s) => s[0] * s[0]));
  }

  const moments = [1, 2, 3, 4].map((order) => {
    const perRun = nodes.map((theta, r) =>
      theta.reduce((s, t, l) => s + weights[r][l] * t ** order, 0),
    );
    const { mean, stdErr } = meanAndError(perRun);
    return { order, value: mean, stdErr };
  });

  const lo = Math.min(...nodes.map((theta) => theta[0]));
  const hi = Math.max(...nodes.map((theta) => theta[theta.length - 1]));
  const sigma = options.sigma ?? ((hi - lo) / 200 || 1e-3 * Math.max(1, Math.abs(hi)));
  const grid =
    typeof gridOption === 'number'
      ? linspace(lo - 5 * sigma, hi + 5 * sigma, gridOption)
      : Float64Array.from(gridOption);
  const density = smooth(nodes, weights, grid, sigma);
  return {
    nodes,
    weights,
    grid,
    density,
    sigma,
    moments,
    runs,
    steps,
    cost: op.cost,
    health: op.health,
  };
}

/** n evenly spaced points from a to b inclusive. */
export function linspace(a: number, b: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** (1/runs)·Σ_runs Σ_l τ_l·N(x; θ_l, σ²) at each grid point x. */
function smooth(
  nodes: readonly Float64Array[],
  weights: readonly Float64Array[],
  grid: Float64Array,
  sigma: number,
): Float64Array {
  const c = 1 / (nodes.length * sigma * Math.sqrt(2 * Math.PI));
  return grid.map((x) => {
    let s = 0;
    nodes.forEach((theta, r) =>
      theta.forEach((t, l) => (s += weights[r][l] * Math.exp(-0.5 * ((x - t) / sigma) ** 2))),
    );
    return c * s;
  });
}
