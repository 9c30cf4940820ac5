// Bootstrap confidence intervals on a rank statistic over runs (Kendall's τ, the granulated τ):
// the runs are resampled with replacement, the statistic recomputed on each resample, and the
// percentile interval read off, so a reader can tell a ranking from noise. Seeded; browser-safe.

import { PacgenError, Random } from '@pacgen/core-wasm';
import { finitePairs, kendallTau } from './kendall.js';

/** A percentile bootstrap interval of a statistic over resampled runs. */
export interface BootstrapInterval {
  /** Lower and upper ends (NaN when fewer than 2 resamples gave a defined statistic). */
  low: number;
  high: number;
  /** Two-sided coverage aimed at, e.g. 0.95. */
  confidence: number;
  /** Resamples drawn. */
  resamples: number;
  /** Resamples whose statistic was defined (finite); the interval is over these. */
  defined: number;
  seed: number;
}

export interface BootstrapOptions {
  /** Resamples (default 1,000). */
  resamples?: number;
  /** Two-sided coverage in (0, 1) (default 0.95). */
  confidence?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
}

/** The defaults of BootstrapOptions. */
export const BOOTSTRAP_DEFAULTS = { resamples: 1000, confidence: 0.95, seed: 0 } as const;

/**
 * `resamples` lists of n indices drawn uniformly from [0, n) with replacement, from one seeded
 * stream (resample b takes the draws b·n … b·n + n − 1). Cost: resamples·n draws.
 */
export function bootstrapIndices(n: number, resamples: number, seed: number): Int32Array[] {
  if (!(Number.isInteger(n) && n >= 0)) {
    throw new PacgenError(`bootstrap: the number of runs must be an integer ≥ 0, got ${n}`);
  }
  if (!(Number.isInteger(resamples) && resamples >= 1 && resamples <= 1_000_000)) {
    throw new PacgenError(`bootstrap: resamples must be an integer in [1, 10⁶], got ${resamples}`);
  }
  const rng = new Random(seed);
  return Array.from({ length: resamples }, () => {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    return idx;
  });
}

/**
 * The percentile interval of `values` (non-finite values left out) at two-sided coverage
 * `confidence`: with the k defined values sorted, the ends are the empirical quantiles
 * q(p) = v[⌈p·k⌉ − 1] (the inverse of the empirical distribution function) at p = (1 − c)/2 and
 * 1 − (1 − c)/2. NaN ends when k < 2. Cost: O(k log k).
 */
export function percentileInterval(
  values: readonly number[],
  confidence: number,
): { low: number; high: number; defined: number } {
  if (!(confidence > 0 && confidence < 1)) {
    throw new PacgenError(`bootstrap: confidence must be in (0, 1), got ${confidence}`);
  }
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const k = v.length;
  if (k < 2) return { low: NaN, high: NaN, defined: k };
  const q = (p: number) => v[Math.min(k - 1, Math.max(0, Math.ceil(p * k) - 1))];
  const tail = (1 - confidence) / 2;
  return { low: q(tail), high: q(1 - tail), defined: k };
}

/**
 * The percentile bootstrap interval of `statistic` over n runs: the statistic of each resample
 * (given the resampled run indices; NaN where undefined, e.g. all values tied) and the
 * percentile interval of the defined ones. Cost: `resamples` evaluations of the statistic.
 */
export function bootstrapInterval(
  n: number,
  statistic: (indices: Int32Array) => number,
  options: BootstrapOptions = {},
): BootstrapInterval {
  const { resamples, confidence, seed } = { ...BOOTSTRAP_DEFAULTS, ...options };
  const values = bootstrapIndices(n, resamples, seed).map(statistic);
  const { low, high, defined } = percentileInterval(values, confidence);
  return { low, high, confidence, resamples, defined, seed };
}

/**
 * Percentile bootstrap interval of Kendall's τ-b between x and y, resampling the pairs (x_i, y_i)
 * with replacement (pairs with a non-finite value are dropped first, as kendallTau does; a
 * resample's repeated pair is a tie in both lists). Cost: resamples·O(n log n).
 */
export function kendallTauInterval(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: BootstrapOptions = {},
): BootstrapInterval {
  const [xs, ys] = finitePairs(x, y);
  const pick = (a: number[], idx: Int32Array) => Array.from(idx, (i) => a[i]);
  return bootstrapInterval(
    xs.length,
    (idx) => kendallTau(pick(xs, idx), pick(ys, idx)).tau,
    options,
  );
}
