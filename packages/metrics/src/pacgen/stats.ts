// Small summaries of per-coordinate arrays for reports.

import { sumRange } from './psi.js';

/** Minimum, mean and maximum of a vector (NaN for an empty one). */
export interface Summary {
  min: number;
  mean: number;
  max: number;
}

/** Summary of values[start, end). Cost: O(end − start). */
export function summarize(values: ArrayLike<number>, start = 0, end = values.length): Summary {
  if (end <= start) return { min: NaN, mean: NaN, max: NaN };
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i < end; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  return { min, mean: sumRange(values, start, end) / (end - start), max };
}

/** Fraction of set flags in flags[start, end) (NaN for an empty range). */
export function fraction(flags: ArrayLike<number>, start = 0, end = flags.length): number {
  let count = 0;
  for (let i = start; i < end; i++) count += flags[i];
  return count / (end - start);
}
