// The 0-1 error of the stochastic network Q = N(w, diag σ²) on a split, by Monte Carlo over
// weight draws. docs/method.md §9.
//
// [choice] One weight draw per block of B samples instead of one per pass over all of them:
// the blocks partition the samples into equal parts, so each block's error rate is a variable
// in [0, 1] whose mean over blocks is the error of Q, independent of the other blocks' (their
// weights are independent draws). The sample-convergence bound then counts K = passes·n/B
// variables instead of `passes`, for the same forward passes; B is set by the cost of a draw
// (m normals) against a block's forward pass.

import { PacgenError } from '@pacgen/core-wasm';
import { drawWeights, NormalStream } from './gaussian-noise.js';
import type { CertificateObjective, CertificateSplit } from './objective.js';

/**
 * The block size for `samples` samples: the largest divisor of `samples` that is ≤ `target`
 * (blocks must be equal for their mean to be the error of Q), or all of them in one block
 * when that divisor is below target/4 (a prime count would otherwise mean a draw per sample).
 * Cost: O(target).
 */
export function samplesPerDraw(samples: number, target: number): number {
  if (!(Number.isInteger(samples) && samples >= 1 && Number.isInteger(target) && target >= 1)) {
    throw new PacgenError(
      `samplesPerDraw needs integers ≥ 1, got samples ${samples}, target ${target}`,
    );
  }
  if (target >= samples) return samples;
  for (let b = target; b >= 1; b--) {
    if (samples % b === 0) return b * 4 >= target ? b : samples;
  }
  return samples;
}

export interface StochasticErrorOptions {
  /** Posterior mean w and standard deviations σ (parameter units). */
  mean: ArrayLike<number>;
  sigma: ArrayLike<number>;
  split: CertificateSplit;
  /** The first `samples` samples of the split (default all). */
  samples?: number;
  /** Passes over the samples, each with fresh draws (default 1). */
  passes?: number;
  /** Samples per weight draw, a divisor of `samples` (see samplesPerDraw). */
  samplesPerDraw: number;
  /** Seed of the draws; draw j of pass p uses the stream (seed, p, j). */
  seed: number;
  /** Called after each draw with (draws done, draws planned). */
  onProgress?: (done: number, total: number) => void;
}

export interface StochasticErrorResult {
  /** Mean of the K block error rates: an unbiased estimate of the error of Q (probability). */
  error: number;
  /** Standard error of `error` from the spread of the blocks (probability). */
  stdErr: number;
  /** K: independent weight draws (blocks), the count of the sample-convergence bound. */
  draws: number;
  samplesPerDraw: number;
  passes: number;
  /** Samples per pass. */
  samples: number;
}

/**
 * Monte Carlo 0-1 error of Q over `passes` passes of the first `samples` samples of a split,
 * one weight draw per block of `samplesPerDraw` samples. Seeded: the same options give the same
 * result bit for bit. Cost: `passes` forward passes over the samples and passes·samples/B draws
 * of m normals.
 */
export async function stochasticError(
  obj: CertificateObjective,
  options: StochasticErrorOptions,
): Promise<StochasticErrorResult> {
  const limit = options.split === 'train' ? obj.numTrainSamples : obj.numTestSamples;
  const samples = options.samples ?? limit;
  const passes = options.passes ?? 1;
  const block = options.samplesPerDraw;
  if (!(Number.isInteger(samples) && samples >= 1 && samples <= limit)) {
    throw new PacgenError(`samples must be an integer in [1, ${limit}], got ${samples}`);
  }
  if (!(Number.isInteger(passes) && passes >= 1)) {
    throw new PacgenError(`passes must be an integer >= 1, got ${passes}`);
  }
  if (!(Number.isInteger(block) && block >= 1 && samples % block === 0)) {
    throw new PacgenError(`samplesPerDraw must divide the ${samples} samples, got ${block}`);
  }
  const m = obj.numParams;
  const weights = new Float64Array(m);
  const noise = new Float64Array(m);
  const blocks = samples / block;
  let sum = 0;
  let sumSq = 0;
  for (let p = 0; p < passes; p++) {
    for (let j = 0; j < blocks; j++) {
      drawWeights(
        weights,
        options.mean,
        options.sigma,
        new NormalStream(options.seed, p, j),
        noise,
      );
      const { errors } = await obj.evaluate(weights, options.split, j * block, block);
      const rate = errors / block;
      sum += rate;
      sumSq += rate * rate;
      // Per draw: with many draws of a large model one pass takes minutes.
      options.onProgress?.(p * blocks + j + 1, passes * blocks);
    }
  }
  const draws = passes * blocks;
  const error = sum / draws;
  const variance = draws > 1 ? Math.max(0, (sumSq - draws * error * error) / (draws - 1)) : NaN;
  return {
    error,
    stdErr: Math.sqrt(variance / draws),
    draws,
    samplesPerDraw: block,
    passes,
    samples,
  };
}
