// Perturbation-based generalization measures (Jiang et al. 2019, §C): the worst-case sharpness of
// SAM (largest loss increase in a Euclidean ball, by projected gradient ascent) and the
// magnitude-aware PAC-Bayes flatness (largest relative Gaussian noise the loss tolerates, by
// bisection over Monte Carlo estimates with common random numbers).

import { PacgenError, Random } from '@pacgen/core-wasm';
import type { Objective } from '../objective/objective.js';
import {
  checkFinite,
  checkInteger,
  checkNonNegative,
  checkPoint,
  checkPositive,
} from '../checks.js';
import { norm2 } from '../linalg/vector.js';
import { mixSeed } from '../optim/seeds.js';

/** Gradient evaluations and loss-only forward passes over the objective's samples. */
export interface MeasureCost {
  gradientEvaluations: number;
  lossEvaluations: number;
}

export interface SharpnessOptions {
  /** Radius ρ of the ball ‖ε‖₂ ≤ ρ (parameter units; default 0.05, SAM's). */
  radius?: number;
  /** Points evaluated on the ascent (≥ 1; default 5; 1 is SAM's single step ε = ρg/‖g‖). */
  steps?: number;
  /** Length of each further ascent step as a fraction of ρ (default 0.5). */
  stepSize?: number;
  /** Seed of the start direction when ∇L̂(w) = 0 (default 0). */
  seed?: number;
}

export interface SharpnessResult {
  /** max(0, max_k L̂(w + ε_k) − L̂(w)) over the iterates (loss units): a lower estimate of the max. */
  sharpness: number;
  /** L̂(w) (loss units). */
  loss: number;
  /** ‖∇L̂(w)‖₂ (loss per parameter unit). */
  gradientNorm: number;
  /** ‖ε‖₂ of the worst point found (0 when no iterate raised the loss). */
  epsilonNorm: number;
  radius: number;
  steps: number;
  cost: MeasureCost;
}

/**
 * SAM-style worst-case sharpness max_{‖ε‖₂ ≤ ρ} L̂(w + ε) − L̂(w), by projected normalised
 * gradient ascent: ε₁ = ρ·g(w)/‖g(w)‖ (SAM's first-order maximiser), then
 * ε_{k+1} = Π_ρ(ε_k + s·ρ·g(w + ε_k)/‖g(w + ε_k)‖) with Π_ρ the projection on the ball. The best
 * iterate is kept, and ε = 0 is feasible, so the result is ≥ 0 and a lower estimate of the
 * maximum; to second order it is at most ρ‖g‖ + ½ρ²λ_max.
 *
 * Cost: `steps` gradient evaluations and 1 loss evaluation.
 */
export async function samSharpness(
  obj: Objective,
  w: ArrayLike<number>,
  options: SharpnessOptions = {},
): Promise<SharpnessResult> {
  const rho = checkPositive('sharpness radius', options.radius ?? 0.05);
  const steps = checkInteger('sharpness steps', options.steps ?? 5, 1);
  const stepSize = checkPositive('sharpness stepSize', options.stepSize ?? 0.5);
  const seed = checkFinite('seed', options.seed ?? 0);
  const w0 = checkPoint(obj, w);
  const m = w0.length;
  const cost: MeasureCost = { gradientEvaluations: 0, lossEvaluations: 0 };
  const first = await obj.gradient(w0);
  cost.gradientEvaluations++;
  const loss = first.loss;
  if (!Number.isFinite(loss)) throw new PacgenError(`the loss at w is not finite (${loss})`);
  const gradientNorm = norm2(first.grad);
  let dir: ArrayLike<number> = first.grad;
  if (!(gradientNorm > 0)) {
    const rng = new Random(seed);
    dir = Float64Array.from({ length: m }, () => rng.normal());
  }
  const eps = scaled(dir, rho);
  let worst = loss;
  let worstNorm = 0;
  for (let k = 1; k <= steps; k++) {
    const point = Float64Array.from(w0, (x, i) => x + eps[i]);
    let value: number;
    let g: Float64Array | null = null;
    if (k < steps) {
      const r = await obj.gradient(point);
      cost.gradientEvaluations++;
      value = r.loss;
      g = r.grad;
    } else {
      value = await obj.loss(point);
      cost.lossEvaluations++;
    }
    if (value > worst) {
      worst = value;
      worstNorm = norm2(eps);
    }
    if (g === null) break;
    const step = scaled(g, stepSize * rho);
    for (let i = 0; i < m; i++) eps[i] += step[i];
    const norm = norm2(eps);
    if (norm > rho) for (let i = 0; i < m; i++) eps[i] *= rho / norm;
  }
  return {
    sharpness: Math.max(0, worst - loss),
    loss,
    gradientNorm,
    epsilonNorm: worstNorm,
    radius: rho,
    steps,
    cost,
  };
}

/** x scaled to length r (zeros stay zeros). */
function scaled(x: ArrayLike<number>, r: number): Float64Array {
  const n = norm2(x);
  return Float64Array.from(x, (v) => (n > 0 ? (r * v) / n : 0));
}

export interface FlatnessOptions {
  /** Allowed increase of the expected loss, E_u L̂(w + u) − L̂(w) (loss units; default 0.1). */
  target?: number;
  /** Absolute noise floor ε of σ_i² = α'²w_i² + ε² (parameter units; default 1e-3). */
  epsilon?: number;
  /** Monte Carlo draws z per α' (default 4), each evaluated at ±u; the same draws for every α'. */
  samples?: number;
  /** Geometric bisection steps after the bracket is found (default 10). */
  iterations?: number;
  /** Seed of the draws (default 0). */
  seed?: number;
}

export interface FlatnessResult {
  /** 1/α'² (Jiang et al.'s "pacbayes.mag.flatness"): larger = sharper. Infinity when α' = 0. */
  flatness: number;
  /** The largest α' found with an estimated increase ≤ target (relative noise level). */
  alpha: number;
  /** Estimated E_u L̂(w + u) − L̂(w) at α' (loss units). */
  deviation: number;
  /** Final bracket [α' passing, α' failing] (the second Infinity if never failed). */
  bracket: [number, number];
  /**
   * 'low': even α' = 2⁻³⁰ (noise of about ε alone) exceeds the target; 'high': α' = 2²⁰ still
   * passes; 'none' otherwise.
   */
  saturated: 'none' | 'low' | 'high';
  /** L̂(w) (loss units). */
  loss: number;
  cost: MeasureCost;
}

/**
 * Monte Carlo estimate of E_u L̂(w + u) − L̂(w), u_i = √(α²w_i² + ε²)·z_i with z ~ N(0, I) drawn
 * from (seed, draw index), so every α sees the same z (common random numbers: the estimate is a
 * smooth function of α). Each draw is antithetic, ½(L̂(w + u) + L̂(w − u)) − L̂(w): the
 * first-order term gᵀu cancels exactly, which leaves the curvature term ½uᵀHu + O(u⁴) that the
 * measure is about (without it, a small sample's gᵀu dominates at small α away from a minimum).
 * Returns the mean over draws and its standard error (NaN for one draw).
 *
 * Cost: 2·`samples` loss evaluations (plus 1 for L̂(w) unless `loss` is given).
 */
export async function perturbedDeviation(
  obj: Objective,
  w: ArrayLike<number>,
  alpha: number,
  options: { epsilon?: number; samples?: number; seed?: number; loss?: number } = {},
): Promise<{ mean: number; stdErr: number; loss: number; cost: MeasureCost }> {
  checkNonNegative('alpha', alpha);
  const epsilon = checkNonNegative('flatness epsilon', options.epsilon ?? 1e-3);
  const samples = checkInteger('flatness samples', options.samples ?? 4, 1);
  const seed = checkFinite('seed', options.seed ?? 0);
  const w0 = checkPoint(obj, w);
  const cost: MeasureCost = { gradientEvaluations: 0, lossEvaluations: 0 };
  let loss = options.loss;
  if (loss === undefined) {
    loss = await obj.loss(w0);
    cost.lossEvaluations++;
  }
  const sd = Float64Array.from(w0, (x) => Math.sqrt(alpha * alpha * x * x + epsilon * epsilon));
  const d: number[] = [];
  const u = new Float64Array(w0.length);
  const point = new Float64Array(w0.length);
  for (let s = 0; s < samples; s++) {
    const rng = new Random(mixSeed(seed, 0xf1a7, s));
    for (let i = 0; i < w0.length; i++) u[i] = sd[i] * rng.normal();
    let pair = 0;
    for (const sign of [1, -1]) {
      for (let i = 0; i < w0.length; i++) point[i] = w0[i] + sign * u[i];
      pair += await obj.loss(point);
      cost.lossEvaluations++;
    }
    // A diverging loss counts as an unbounded increase.
    d.push(Number.isFinite(pair) ? pair / 2 - loss : Infinity);
  }
  const mean = d.reduce((a, b) => a + b, 0) / samples;
  const ss = d.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, stdErr: samples > 1 ? Math.sqrt(ss / (samples - 1) / samples) : NaN, loss, cost };
}

/**
 * Magnitude-aware PAC-Bayes flatness (Jiang et al. 2019, "pacbayes.mag.flatness"): the largest α'
 * with E_u L̂(w + u) − L̂(w) ≤ target for u_i ~ N(0, α'²w_i² + ε²), reported as 1/α'². The
 * expectation is a Monte Carlo mean over fixed draws (see `perturbedDeviation`); α' is bracketed
 * by doubling or halving from 1 (at most 20 doublings, 30 halvings), then refined by `iterations`
 * geometric bisection steps, so α' is known to a factor 2^(2^-iterations).
 *
 * Cost: 2·(1 + bracket steps + iterations)·samples + 1 loss evaluations; typically
 * 2·(4 to 8 + iterations)·samples.
 */
export async function magnitudeFlatness(
  obj: Objective,
  w: ArrayLike<number>,
  options: FlatnessOptions = {},
): Promise<FlatnessResult> {
  const target = checkPositive('flatness target', options.target ?? 0.1);
  const iterations = checkInteger('flatness iterations', options.iterations ?? 10, 0);
  const base = {
    epsilon: options.epsilon ?? 1e-3,
    samples: options.samples ?? 8,
    seed: options.seed ?? 0,
  };
  const w0 = checkPoint(obj, w);
  const cost: MeasureCost = { gradientEvaluations: 0, lossEvaluations: 0 };
  const loss = await obj.loss(w0);
  cost.lossEvaluations++;
  if (!Number.isFinite(loss)) throw new PacgenError(`the loss at w is not finite (${loss})`);
  const deviation = async (alpha: number) => {
    const r = await perturbedDeviation(obj, w0, alpha, { ...base, loss });
    cost.lossEvaluations += r.cost.lossEvaluations;
    return r.mean;
  };
  // Bracket: lo passes (deviation ≤ target), hi fails.
  let lo = 0;
  let hi = Infinity;
  let loDeviation = NaN;
  let saturated: FlatnessResult['saturated'] = 'none';
  const first = await deviation(1);
  if (first <= target) {
    lo = 1;
    loDeviation = first;
    for (let k = 0; k < 20 && hi === Infinity; k++) {
      const d = await deviation(2 * lo);
      if (d <= target) {
        lo *= 2;
        loDeviation = d;
      } else hi = 2 * lo;
    }
    if (hi === Infinity) saturated = 'high';
  } else {
    hi = 1;
    for (let k = 0; k < 30 && lo === 0; k++) {
      const d = await deviation(hi / 2);
      if (d <= target) {
        lo = hi / 2;
        loDeviation = d;
      } else hi /= 2;
    }
    if (lo === 0) saturated = 'low';
  }
  if (saturated === 'none') {
    for (let k = 0; k < iterations; k++) {
      const mid = Math.sqrt(lo * hi);
      const d = await deviation(mid);
      if (d <= target) {
        lo = mid;
        loDeviation = d;
      } else hi = mid;
    }
  }
  return {
    flatness: lo > 0 ? 1 / (lo * lo) : Infinity,
    alpha: lo,
    deviation: loDeviation,
    bracket: [lo, hi],
    saturated,
    loss,
    cost,
  };
}
