// Shared steps of the image readers: pixel normalisation and the channel statistics it uses
// (docs/method.md §8), and label checks.

import { PacgenError } from '@pacgen/core-wasm';
import { BAD_NORMALIZATION } from '../error-codes.js';

/**
 * How pixel bytes become inputs. 'none': v/255 in [0, 1]. 'standard': (v/255 − mean)/std with
 * the per-channel mean/std of the training split's pixels (the loaders compute them from the
 * training files and apply the same values to the test split). Or explicit per-channel (or
 * scalar) mean/std, applied after the /255.
 */
export type Normalization =
  'none' | 'standard' | { mean: number | number[]; std: number | number[] };

/** Per-channel mean and (population) standard deviation of pixel values scaled to [0, 1]. */
export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** The constants of the PyTorch MNIST example (MNIST's training split, rounded). */
export const MNIST_STATS: ChannelStats = { mean: [0.1307], std: [0.3081] };
/** CIFAR-10 training-set channel statistics (RGB). */
export const CIFAR10_STATS: ChannelStats = {
  mean: [0.4914, 0.4822, 0.4465],
  std: [0.247, 0.2435, 0.2616],
};
/** CIFAR-100 training-set channel statistics (RGB). */
export const CIFAR100_STATS: ChannelStats = {
  mean: [0.5071, 0.4865, 0.4409],
  std: [0.2673, 0.2564, 0.2762],
};

/**
 * The normalization of a test split given the training split read with `norm`: 'standard'
 * becomes the training split's statistics, so both splits are standardised alike.
 */
export function testSplitNormalization(
  norm: Normalization | undefined,
  train: { normalization?: ChannelStats },
): Normalization | undefined {
  return norm === 'standard' && train.normalization ? train.normalization : norm;
}

/** Resolves a Normalization to per-channel mean/std (for 'standard', `standard` is used). */
export function resolveNormalization(
  norm: Normalization | undefined,
  channels: number,
  standard: ChannelStats | (() => ChannelStats),
): ChannelStats {
  if (norm === undefined || norm === 'none') {
    return { mean: Array(channels).fill(0), std: Array(channels).fill(1) };
  }
  if (norm !== 'standard' && (typeof norm !== 'object' || norm === null)) {
    throw new PacgenError(
      `unknown normalization '${String(norm)}' (use 'none', 'standard' or {mean, std})`,
      { code: BAD_NORMALIZATION },
    );
  }
  const stats =
    norm === 'standard' ? (typeof standard === 'function' ? standard() : standard) : norm;
  const expand = (v: number | number[], what: string): number[] => {
    const a = typeof v === 'number' ? Array(channels).fill(v) : v;
    if (!Array.isArray(a) || a.length !== channels || a.some((x) => !Number.isFinite(x))) {
      throw new PacgenError(
        `normalization ${what} must be a number or ${channels} finite numbers (one per channel), got ${JSON.stringify(v)}`,
        { code: BAD_NORMALIZATION },
      );
    }
    return a;
  };
  const mean = expand(stats.mean, 'mean');
  const std = expand(stats.std, 'std');
  if (std.some((s) => !(s > 0))) {
    throw new PacgenError(`normalization std must be > 0, got ${JSON.stringify(stats.std)}`, {
      code: BAD_NORMALIZATION,
    });
  }
  return { mean, std };
}

/**
 * Per-channel histograms of 8-bit pixels. Exact integer counts make the statistics a two-pass
 * computation over 256 values per channel, free of the rounding a running sum of squares over
 * millions of pixels accumulates.
 */
export class ByteHistogram {
  private readonly counts: Float64Array;

  /** An empty histogram of `channels` channels. */
  constructor(readonly channels: number) {
    this.counts = new Float64Array(channels * 256);
  }

  /** Adds interleaved (HWC) pixels bytes[start, end): channel = (index − start) mod channels. */
  addInterleaved(bytes: Uint8Array, start = 0, end = bytes.length): this {
    const C = this.channels;
    for (let c = 0; c < C; c++) {
      const h = this.counts.subarray(c * 256, (c + 1) * 256);
      for (let i = start + c; i < end; i += C) h[bytes[i]]++;
    }
    return this;
  }

  /** Adds `count` pixels of one channel starting at `start` (a plane of a CHW image). */
  addPlane(bytes: Uint8Array, start: number, count: number, channel: number): this {
    const base = channel * 256;
    for (let i = start; i < start + count; i++) this.counts[base + bytes[i]]++;
    return this;
  }

  /** Mean and population std of v/255 per channel; a constant channel gets std 1. */
  stats(): ChannelStats {
    const mean: number[] = [];
    const std: number[] = [];
    for (let c = 0; c < this.channels; c++) {
      const h = this.counts.subarray(c * 256, (c + 1) * 256);
      let n = 0;
      let sum = 0;
      for (let v = 0; v < 256; v++) {
        n += h[v];
        sum += h[v] * v;
      }
      const mu = sum / n / 255;
      let sq = 0;
      for (let v = 0; v < 256; v++) sq += h[v] * (v / 255 - mu) ** 2;
      mean.push(mu);
      std.push(Math.sqrt(sq / n) || 1);
    }
    return { mean, std };
  }
}

/** Channel mean/std of 8-bit pixels (HWC, scaled to [0, 1]): 'standard' of a training split. */
export function byteChannelStats(bytes: Uint8Array, channels: number): ChannelStats {
  return new ByteHistogram(channels).addInterleaved(bytes).stats();
}

/**
 * Writes `count` values of 8-bit pixels (HWC, channel = index mod channels) as normalised
 * inputs: out[o + i] = (src[s + i]/255 − mean[c]) / std[c] (exactly v/255 for 'none').
 */
export function normalizeBytes(
  src: Uint8Array,
  srcOffset: number,
  count: number,
  stats: ChannelStats,
  out: Float32Array | Float64Array,
  outOffset: number,
): void {
  const C = stats.mean.length;
  const inv = stats.std.map((sd) => 1 / sd);
  for (let i = 0; i < count; i++) {
    const c = i % C;
    out[outOffset + i] = (src[srcOffset + i] / 255 - stats.mean[c]) * inv[c];
  }
}

/** Checks class labels are integers in [0, numClasses); names the source in the error. */
export function checkLabels(labels: ArrayLike<number>, numClasses: number, source: string): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new PacgenError(
        `${source}: label ${v} of sample ${i} is outside the ${numClasses} classes [0, ${numClasses - 1}]`,
      );
    }
  }
}
