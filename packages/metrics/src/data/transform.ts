// Shared steps of the image readers: seeded subset selection and pixel normalisation.

import { PacgenError, Random } from '@pacgen/core-wasm';

/**
 * How pixel bytes become inputs. 'none': v/255 in [0, 1]. 'standard': (v/255 − mean)/std with
 * the data set's published per-channel statistics. Or explicit per-channel (or scalar) mean/std,
 * applied after the /255.
 */
export type Normalization =
  'none' | 'standard' | { mean: number | number[]; std: number | number[] };

/** Per-channel statistics of pixel values scaled to [0, 1]. */
export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** The constants of the PyTorch MNIST example. */
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
    );
  }
  const stats =
    norm === 'standard' ? (typeof standard === 'function' ? standard() : standard) : norm;
  const expand = (v: number | number[], what: string): number[] => {
    const a = typeof v === 'number' ? Array(channels).fill(v) : v;
    if (!Array.isArray(a) || a.length !== channels || a.some((x) => !Number.isFinite(x))) {
      throw new PacgenError(
        `normalization ${what} must be a number or ${channels} finite numbers (one per channel), got ${JSON.stringify(v)}`,
      );
    }
    return a;
  };
  const mean = expand(stats.mean, 'mean');
  const std = expand(stats.std, 'std');
  if (std.some((s) => !(s > 0))) {
    throw new PacgenError(`normalization std must be > 0, got ${JSON.stringify(stats.std)}`);
  }
  return { mean, std };
}

/** Channel mean/std of 8-bit pixels (HWC, scaled to [0, 1]), for 'standard' on unknown data. */
export function byteChannelStats(bytes: Uint8Array, channels: number): ChannelStats {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < bytes.length; i++) {
    const v = bytes[i] / 255;
    sum[i % channels] += v;
    sq[i % channels] += v * v;
  }
  const count = bytes.length / channels;
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(s / count - mean[c] ** 2, 0)) || 1);
  return { mean, std };
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
  out: Float32Array,
  outOffset: number,
): void {
  const C = stats.mean.length;
  const inv = stats.std.map((sd) => 1 / sd);
  for (let i = 0; i < count; i++) {
    const c = i % C;
    out[outOffset + i] = (src[srcOffset + i] / 255 - stats.mean[c]) * inv[c];
  }
}

/**
 * Indices of a seeded random subset of size k from n samples, in ascending order; null when
 * k is undefined (all samples, in file order).
 */
export function selectSubset(
  n: number,
  k: number | undefined,
  seed: number,
  what: string,
): Int32Array | null {
  if (k === undefined) return null;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new PacgenError(`${what} subset size must be an integer in [1, ${n}], got ${k}`);
  }
  if (k === n) return null;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  // Partial Fisher–Yates: the first k entries are a uniform sample without replacement.
  const rng = new Random(seed);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, k).sort();
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
