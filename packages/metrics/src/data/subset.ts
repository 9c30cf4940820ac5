// Which samples of a split are kept: all, the first k, or a seeded random k, and a record of
// that choice so a report can say which samples its loss was taken over (the n of the bound,
// docs/method.md §8).

import { PacgenError, Random } from '@pacgen/core-wasm';
import type { Dataset } from './dataset.js';

/** How a subset is chosen: the first k samples in file order, or a seeded uniform k. */
export type SubsetMode = 'first' | 'random';

/** Which samples a data set holds, relative to the set it was taken from. */
export interface SampleSelection {
  /** 'all': every sample; 'first': the first `count`; 'random': a seeded uniform `count`. */
  mode: 'all' | SubsetMode;
  /** Samples kept. */
  count: number;
  /** Samples of the set they were taken from. */
  of: number;
  /** Seed of a random selection. */
  seed?: number;
  /** How that set was itself taken from its split, when it is a subset too. */
  from?: SampleSelection;
}

/**
 * Indices of a subset of size k from n samples, in ascending order: the first k (`mode`
 * 'first') or a seeded uniform sample without replacement ('random', the default); null when
 * k is undefined or n (all samples, in file order).
 */
export function selectSubset(
  n: number,
  k: number | undefined,
  seed: number,
  what: string,
  mode: SubsetMode = 'random',
): Int32Array | null {
  if (k === undefined) return null;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new PacgenError(`${what} subset size must be an integer in [1, ${n}], got ${k}`);
  }
  if (mode !== 'first' && mode !== 'random') {
    throw new PacgenError(`unknown subset mode '${String(mode)}' (use 'first' or 'random')`);
  }
  if (k === n) return null;
  if (mode === 'first') return Int32Array.from({ length: k }, (_, i) => i);
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

/** The selection record of `selectSubset(n, …)`'s result `pick` (null: all n samples). */
function selectionOf(
  n: number,
  pick: Int32Array | null,
  mode: SubsetMode,
  seed: number,
): SampleSelection {
  if (!pick) return { mode: 'all', count: n, of: n };
  return mode === 'first'
    ? { mode, count: pick.length, of: n }
    : { mode, count: pick.length, of: n, seed };
}

/**
 * `inner`, taken from a set that was itself selected by `outer` (recorded unless 'all'); the
 * first k of the first m are simply the first k.
 */
function within(outer: SampleSelection | undefined, inner: SampleSelection): SampleSelection {
  if (!outer || outer.mode === 'all' || inner.mode === 'all') return inner;
  if (outer.mode === 'first' && inner.mode === 'first') {
    return outer.from ? { ...inner, of: outer.of, from: outer.from } : { ...inner, of: outer.of };
  }
  return { ...inner, from: outer };
}

/** Which samples of a split a reader keeps. */
export interface SampleChoice {
  /** Keep a subset of this many samples (default all). */
  subset?: number;
  /**
   * Then keep this many of those (all when it is at least their number), chosen the same way:
   * a subset of the subset without holding the larger one.
   */
  sample?: number;
  /** The first samples, or a seeded random subset (default 'random'). */
  mode?: SubsetMode;
  /** Seed of both random selections (default 0). */
  seed?: number;
}

/**
 * The indices (ascending; null: all, in file order) and the selection record of `choice` on a
 * split of n samples. `what` names the split in errors.
 */
export function chooseSamples(
  n: number,
  choice: SampleChoice,
  what: string,
): { indices: Int32Array | null; selection: SampleSelection } {
  const mode = choice.mode ?? 'random';
  const seed = choice.seed ?? 0;
  const first = selectSubset(n, choice.subset, seed, what, mode);
  const outer = selectionOf(n, first, mode, seed);
  const m = first ? first.length : n;
  if (choice.sample === undefined || choice.sample >= m)
    return { indices: first, selection: outer };
  const second = selectSubset(m, choice.sample, seed, what, mode)!;
  const indices = first ? second.map((i) => first[i]) : second;
  return { indices, selection: within(outer, selectionOf(m, second, mode, seed)) };
}

/**
 * A subset of `count` samples of `data` (all of it when count is undefined or ≥ data.n): its
 * rows copied into arrays of the same types, and `selection` recording the choice on top of
 * how `data` was itself selected.
 */
export function subsetSamples(
  data: Dataset,
  count: number | undefined,
  options: { mode?: SubsetMode; seed?: number } = {},
): Dataset {
  if (count === undefined || count >= data.n) return data;
  const mode = options.mode ?? 'random';
  const seed = options.seed ?? 0;
  const idx = selectSubset(data.n, count, seed, data.name, mode);
  if (!idx) return data;
  const size = data.x.length / data.n;
  const tSize = data.y.length / data.n;
  const x = new (data.x.constructor as new (n: number) => Dataset['x'])(count * size);
  const y = new (data.y.constructor as new (n: number) => Dataset['y'])(count * tSize);
  idx.forEach((s, i) => {
    x.set(data.x.subarray(s * size, (s + 1) * size), i * size);
    y.set(data.y.subarray(s * tSize, (s + 1) * tSize), i * tSize);
  });
  const selection = within(data.selection, selectionOf(data.n, idx, mode, seed));
  return { ...data, name: `${data.name}[${count}]`, x, y, n: count, selection };
}

/**
 * One phrase for a selection: "all 60,000", "first 500 of 60,000", "random 500 (seed 0) of
 * 60,000", or for a subset of a subset "random 100 (seed 0) of the random 300 (seed 0) of
 * 60,000".
 */
export function describeSelection(s: SampleSelection): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const own = (t: SampleSelection) =>
    t.mode === 'first'
      ? `first ${n(t.count)}`
      : t.mode === 'random'
        ? `random ${n(t.count)} (seed ${t.seed ?? 0})`
        : `all ${n(t.count)}`;
  if (s.mode === 'all') return own(s);
  let text = own(s);
  let t: SampleSelection = s;
  while (t.from) {
    t = t.from;
    text += ` of the ${own(t)}`;
  }
  return `${text} of ${n(t.of)}`;
}
