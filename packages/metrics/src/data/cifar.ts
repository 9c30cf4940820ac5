// CIFAR-10/100 binary format: fixed-length records of label byte(s) + 3072 pixel bytes, the
// 32×32 image stored as three planes (R, G, B). Browser-safe: works on bytes.

import { PacgenError, type Precision } from '@pacgen/core-wasm';
import type { Dataset } from './dataset.js';
import { chooseSamples, type SubsetMode } from './subset.js';
import {
  ByteHistogram,
  resolveNormalization,
  type ChannelStats,
  type Normalization,
} from './transform.js';

export type CifarVariant = 'cifar10' | 'cifar100';

const PIXELS = 32 * 32 * 3;
const PLANE = 32 * 32;

/** Record length in bytes: 1 label + 3072 (CIFAR-10), 2 labels (coarse, fine) + 3072 (CIFAR-100). */
export function cifarRecordBytes(variant: CifarVariant): number {
  return (variant === 'cifar100' ? 2 : 1) + PIXELS;
}

export interface CifarOptions {
  /** CIFAR-100 only: 'fine' (100 classes, default) or 'coarse' (20 superclasses). */
  labels?: 'fine' | 'coarse';
  /**
   * Default 'none' (pixels / 255); 'standard' uses the channel statistics of the given files
   * (so give the training files, and the training split's statistics to a test split).
   */
  normalization?: Normalization;
  /** Keep a subset of this many samples. */
  subset?: number;
  /** Then keep this many of those, chosen the same way (see SampleChoice). */
  sample?: number;
  /** The first `subset` samples, or a seeded random subset (default 'random'). */
  subsetMode?: SubsetMode;
  /** Seed of the subset selection (default 0). */
  seed?: number;
  /** Type of the inputs: Float64Array for 'f64' (default 'f32'). */
  precision?: Precision;
  name?: string;
}

/**
 * Builds a Dataset (inputs [32, 32, 3], HWC) from one or more CIFAR binary files held in
 * memory, concatenated in the given order. Checks every size before allocating.
 */
export function cifarDataset(
  files: { file: string; bytes: Uint8Array }[],
  variant: CifarVariant,
  opts: CifarOptions = {},
): Dataset {
  if (variant !== 'cifar10' && variant !== 'cifar100') {
    throw new PacgenError(`unknown CIFAR variant '${String(variant)}' (use cifar10 or cifar100)`);
  }
  const rec = cifarRecordBytes(variant);
  const labelKind = opts.labels ?? 'fine';
  if (labelKind !== 'fine' && labelKind !== 'coarse') {
    throw new PacgenError(`CIFAR labels must be 'fine' or 'coarse', got '${String(labelKind)}'`);
  }
  const numClasses = variant === 'cifar10' ? 10 : labelKind === 'fine' ? 100 : 20;
  const counts = files.map(({ file, bytes }) => {
    if (bytes.length === 0 || bytes.length % rec !== 0) {
      throw new PacgenError(
        `${file}: size ${bytes.length} bytes is not a whole number of ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} records of ${rec} bytes (truncated or not a ${variant} file)`,
      );
    }
    return bytes.length / rec;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) throw new PacgenError('no CIFAR files given');
  const { indices: pick, selection } = chooseSamples(
    total,
    { subset: opts.subset, sample: opts.sample, mode: opts.subsetMode, seed: opts.seed },
    'CIFAR',
  );
  const m = pick ? pick.length : total;
  const stats = resolveNormalization(opts.normalization, 3, () => planeStats(files, rec));
  const inv = stats.std.map((s) => 1 / s);
  const labelOffset = variant === 'cifar10' || labelKind === 'coarse' ? 0 : 1;
  const starts: number[] = [];
  counts.reduce((a, c) => (starts.push(a), a + c), 0);

  // Labels first, so a bad file fails before the large input array is allocated.
  const y = new Int32Array(m);
  const where: { bytes: Uint8Array; file: string; at: number }[] = new Array(m);
  let f = 0;
  for (let i = 0; i < m; i++) {
    const s = pick ? pick[i] : i;
    while (s >= starts[f] + counts[f]) f++;
    const at = (s - starts[f]) * rec;
    where[i] = { bytes: files[f].bytes, file: files[f].file, at };
    y[i] = files[f].bytes[at + labelOffset];
    if (y[i] >= numClasses) {
      throw new PacgenError(
        `${files[f].file}: record ${s - starts[f]} has ${variant === 'cifar100' ? `${labelKind} ` : ''}label ${y[i]}, outside the ${numClasses} classes [0, ${numClasses - 1}]`,
      );
    }
  }
  const x = opts.precision === 'f64' ? new Float64Array(m * PIXELS) : new Float32Array(m * PIXELS);
  const skip = rec - PIXELS;
  for (let i = 0; i < m; i++) {
    const { bytes, at } = where[i];
    const src = at + skip;
    const o = i * PIXELS;
    for (let c = 0; c < 3; c++) {
      const mu = stats.mean[c];
      const iv = inv[c];
      for (let p = 0; p < PLANE; p++)
        x[o + p * 3 + c] = (bytes[src + c * PLANE + p] / 255 - mu) * iv;
    }
  }
  return {
    name: opts.name ?? variant,
    x,
    y,
    n: m,
    inputShape: [32, 32, 3],
    numClasses,
    normalization: stats,
    selection,
  };
}

/** Channel statistics of every record's three pixel planes (the sizes are checked already). */
function planeStats(files: { bytes: Uint8Array }[], rec: number): ChannelStats {
  const hist = new ByteHistogram(3);
  for (const { bytes } of files) {
    for (let at = rec - PIXELS; at < bytes.length; at += rec) {
      for (let c = 0; c < 3; c++) hist.addPlane(bytes, at + c * PLANE, PLANE, c);
    }
  }
  return hist.stats();
}
