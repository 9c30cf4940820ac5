// Which samples of the data set a pass uses: all of them, a contiguous range, or a list of
// indices; and the one check of a range that every backend shares.

import { PacgenError } from '../errors.js';

/** Which training samples a call uses: all (default), a range, or explicit indices. */
export type Samples = { start?: number; count?: number } | Int32Array | number[];

/** Whether a selection is a list of indices (else a range). */
export function isSampleList(samples: Samples): samples is Int32Array | number[] {
  return Array.isArray(samples) || samples instanceof Int32Array;
}

/** How many samples a selection covers in a data set of n (without checking it). O(1). */
export function sampleCount(samples: Samples | undefined, n: number): number {
  if (samples === undefined) return n;
  if (isSampleList(samples)) return samples.length;
  return samples.count ?? n - (samples.start ?? 0);
}

/**
 * The start and count of a range of samples in a data set of n (by default from 0 to the end).
 * Throws a PacgenError when it is not a non-empty range of whole samples within the n.
 * Cost: O(1).
 */
export function sampleRange(
  range: { start?: number; count?: number },
  n: number,
): { start: number; count: number } {
  const start = range.start ?? 0;
  const count = range.count ?? n - start;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 1 ||
    start + count > n
  ) {
    throw new PacgenError(
      `sample range start=${start} count=${count} does not fit the data set of ${n} samples`,
    );
  }
  return { start, count };
}
