// The global scale of a posterior shape, chosen by the bound: σ = s·shape for s on a geometric
// grid, refined around the best point. A posterior may depend on the data, so the choice may
// look at the training samples; the certificate then draws fresh weights (another seed) for
// its own Monte Carlo error, so the choice does not bias that estimate. docs/method.md §9.

import { PacgenError } from '@pacgen/core-wasm';
import { bestPriorVariance, gaussianKlSums } from './gaussian-kl.js';
import type { CertificateObjective } from './objective.js';
import { pacBayesKlBound } from './pac-bayes-kl.js';
import { stochasticError } from './stochastic-error.js';

export interface ScaleSearchOptions {
  /** Posterior mean w (parameter units). */
  mean: Float64Array;
  /** The shape of σ: σ_i = s·shape_i (parameter units at s = 1). */
  shape: Float64Array;
  /** Prior mean w₀ (null: 0) and the grid of prior variances λ. */
  priorMean: Float64Array | null;
  priorVariances: readonly number[];
  /** The δ of the PAC-Bayes-kl part (n is the objective's training samples). */
  delta: number;
  /** Coarse scales, increasing (> 0). */
  scales: readonly number[];
  /** Scales added between the best coarse point and each neighbour (default 3). */
  refine?: number;
  /** Training samples the error is estimated on (the first ones), one pass. */
  samples: number;
  samplesPerDraw: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

/** The estimated bound at one scale. */
export interface ScalePoint {
  scale: number;
  /** Mean of σ = scale·shape over the parameters (parameter units), comparable across shapes. */
  meanSigma: number;
  /** Monte Carlo error of Q on the search samples (one pass; an estimate, not a bound). */
  error: number;
  /** KL(Q ‖ P) at the best λ of the grid (nats), and that λ. */
  kl: number;
  lambda: number;
  /** The PAC-Bayes-kl bound with the estimated error in place of its upper bound. */
  bound: number;
}

/**
 * The estimated bound along σ = s·shape, on the coarse grid and then between the best point's
 * neighbours; returns every point (by scale) and the best. Every scale uses the same weight
 * noise (common random numbers), so the curve is smooth in s. Cost: one forward pass over
 * `samples` training samples and samples/samplesPerDraw draws per scale.
 */
export async function searchScale(
  obj: CertificateObjective,
  options: ScaleSearchOptions,
): Promise<{ points: ScalePoint[]; best: ScalePoint }> {
  const { scales, shape } = options;
  const refine = options.refine ?? 3;
  if (scales.length === 0 || scales.some((s, i) => !(s > 0) || (i > 0 && s <= scales[i - 1]))) {
    throw new PacgenError('scales must be an increasing list of numbers > 0');
  }
  const total = scales.length + 2 * refine;
  const points: ScalePoint[] = [];
  const at = async (scale: number): Promise<ScalePoint> => {
    const sigma = Float64Array.from(shape, (x) => x * scale);
    let sigmaSum = 0;
    for (const x of sigma) sigmaSum += x;
    const sums = gaussianKlSums(options.mean, sigma, options.priorMean);
    const prior = bestPriorVariance(sums, options.priorVariances);
    const est = await stochasticError(obj, {
      mean: options.mean,
      sigma,
      split: 'train',
      samples: options.samples,
      samplesPerDraw: options.samplesPerDraw,
      seed: options.seed,
    });
    const { bound } = pacBayesKlBound({
      empiricalError: est.error,
      kl: prior.kl,
      n: obj.numTrainSamples,
      delta: options.delta,
      gridSize: options.priorVariances.length,
    });
    const point = {
      scale,
      meanSigma: sigmaSum / sigma.length,
      error: est.error,
      kl: prior.kl,
      lambda: prior.lambda,
      bound,
    };
    points.push(point);
    options.onProgress?.(points.length, total);
    return point;
  };
  const coarse: ScalePoint[] = [];
  for (const s of scales) coarse.push(await at(s));
  const i = argmin(coarse);
  for (const j of [i - 1, i + 1]) {
    if (j < 0 || j >= scales.length) continue;
    const ratio = scales[j] / scales[i];
    for (let k = 1; k <= refine; k++) await at(scales[i] * ratio ** (k / (refine + 1)));
  }
  points.sort((a, b) => a.scale - b.scale);
  return { points, best: points[argmin(points)] };
}

function argmin(points: ScalePoint[]): number {
  let best = 0;
  for (let k = 1; k < points.length; k++) if (points[k].bound < points[best].bound) best = k;
  return best;
}

/** `count` scales from `min` to `max`, evenly spaced in log. Cost: O(count). */
export function geometricScales(min: number, max: number, count: number): number[] {
  if (!(min > 0 && max > min && Number.isInteger(count) && count >= 2)) {
    throw new PacgenError(`geometricScales needs 0 < min < max and count ≥ 2`);
  }
  const step = Math.log(max / min) / (count - 1);
  return Array.from({ length: count }, (_, k) => min * Math.exp(k * step));
}

/** The best scale for one shrink of the posterior mean towards the prior mean. */
export interface ShrinkPoint extends ScalePoint {
  /** α of the mean w₀ + α(w − w₀) (1: the trained weights). */
  shrink: number;
}

/**
 * [choice] The start of the optimized posterior: the mean w₀ + α(w − w₀) pulled towards the
 * prior mean, for each α of `shrinks`, with its scale searched on `scales`. KL grows with
 * ‖w_Q − w₀‖², and a gradient step pulls the mean back only as fast as a weight decay of about
 * 5e-4 would (the KL term's weight against the loss's), so a line search finds in a few forward
 * passes what thousands of steps would. Returns every α's best point and the best of all, with
 * its mean. Cost: as searchScale, once per α.
 */
export async function searchShrink(
  obj: CertificateObjective,
  options: ScaleSearchOptions & { shrinks: readonly number[] },
): Promise<{ points: ShrinkPoint[]; best: ShrinkPoint; mean: Float64Array }> {
  const w = options.mean;
  const w0 = options.priorMean;
  let best: { point: ShrinkPoint; mean: Float64Array } | null = null;
  const points: ShrinkPoint[] = [];
  for (const shrink of options.shrinks) {
    if (!(shrink > 0 && shrink <= 1)) throw new PacgenError(`shrinks must be in (0, 1]`);
    const mean = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const c = w0 ? w0[i] : 0;
      mean[i] = c + shrink * (w[i] - c);
    }
    const r = await searchScale(obj, { ...options, mean });
    const point = { ...r.best, shrink };
    points.push(point);
    if (!best || point.bound < best.point.bound) best = { point, mean };
  }
  if (!best) throw new PacgenError('shrinks must not be empty');
  return { points, best: best.point, mean: best.mean };
}
