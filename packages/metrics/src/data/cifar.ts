// CIFAR-10/100 binary format: fixed-length records of label byte(s) + 3072 pixel bytes, the
// 32×32 image stored as three planes (R, G, B). Browser-safe: works on bytes.

import { PacgenError } from '@pacgen/core-wasm';
import type { Dataset } from './dataset.js';
import {
  CIFAR100_STATS,
  CIFAR10_STATS,
  resolveNormalization,
  selectSubset,
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
  /** Default 'none' (pixels / 255); 'standard' uses the published channel statistics. */
  normalization?: Normalization;
  /** Keep a seeded random subset of this many samples. */
  subset?: number;
  /** Seed of the subset selection (default 0). */
  seed?: number;
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
  const pick = selectSubset(total, opts.subset, opts.seed ?? 0, 'CIFAR');
  const m = pick ? pick.length : total;
  const stats = resolveNormalization(
    opts.normalization,
    3,
    variant === 'cifar10' ? CIFAR10_STATS : CIFAR100_STATS,
  );
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
  const x = new Float32Array(m * PIXELS);
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
  return { name: opts.name ?? variant, x, y, n: m, inputShape: [32, 32, 3], numClasses };
}
