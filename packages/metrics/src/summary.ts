// Summaries of a per-coordinate vector (a Hessian diagonal, σ*, a PACGen term) or of a block of
// it (one parameter tensor), so a report can say which layer carries what: the library's one
// min/mean/max type, `Summary`, and the fuller `VectorSummary` built on it.

import { PacgenError } from '@pacgen/core-wasm';
import type { ParameterTensor } from './objective/objective.js';
import { sumRange } from './pacgen/psi.js';

/** Minimum, mean and maximum of some values (NaN for none). */
export interface Summary {
  min: number;
  mean: number;
  max: number;
}

/** Summary of values[start, end), its mean compensated-summed. Cost: O(end − start). */
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

/** The {@link Summary} part of a fuller one, in the order min, mean, max. */
export function minMeanMax(s: Summary): Summary {
  return { min: s.min, mean: s.mean, max: s.max };
}

/** Fraction of set flags in flags[start, end) (NaN for an empty range). */
export function fraction(flags: ArrayLike<number>, start = 0, end = flags.length): number {
  let count = 0;
  for (let i = start; i < end; i++) count += flags[i];
  return count / (end - start);
}

/** A {@link Summary} of a named block of a vector, with its sum, spread and sign. */
export interface VectorSummary extends Summary {
  name: string;
  /** Number of entries summarized. */
  size: number;
  sum: number;
  /** Population standard deviation. */
  std: number;
  /** Mean of |x|. */
  absMean: number;
  /** Root mean square. */
  rms: number;
  /** Fraction of entries < 0. */
  negativeFraction: number;
}

/** Statistics of `values[offset, offset + size)`; NaN statistics for an empty range. */
export function summarizeVector(
  values: ArrayLike<number>,
  name = 'all',
  offset = 0,
  size = values.length - offset,
): VectorSummary {
  let sum = 0,
    abs = 0,
    sq = 0,
    neg = 0,
    min = Infinity,
    max = -Infinity;
  for (let i = offset; i < offset + size; i++) {
    const x = values[i];
    sum += x;
    abs += Math.abs(x);
    sq += x * x;
    if (x < 0) neg++;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (size === 0)
    return {
      name,
      size,
      sum,
      mean: NaN,
      std: NaN,
      min: NaN,
      max: NaN,
      absMean: NaN,
      rms: NaN,
      negativeFraction: NaN,
    };
  const mean = sum / size;
  let dev = 0;
  for (let i = offset; i < offset + size; i++) dev += (values[i] - mean) ** 2;
  return {
    name,
    size,
    sum,
    mean,
    std: Math.sqrt(dev / size),
    min,
    max,
    absMean: abs / size,
    rms: Math.sqrt(sq / size),
    negativeFraction: neg / size,
  };
}

/**
 * One {@link VectorSummary} per parameter tensor (e.g. `objective.tensors`), in tensor order.
 * Throws if a tensor lies outside `values`. Cost: O(m), no gradient evaluations.
 */
export function summarizeByTensor(
  values: ArrayLike<number>,
  tensors: readonly Pick<ParameterTensor, 'name' | 'offset' | 'size'>[],
): VectorSummary[] {
  return tensors.map((t) => {
    if (!(t.offset >= 0 && t.size >= 0 && t.offset + t.size <= values.length)) {
      throw new PacgenError(
        `tensor '${t.name}' (offset ${t.offset}, size ${t.size}) lies outside the vector of length ${values.length}`,
      );
    }
    return summarizeVector(values, t.name, t.offset, t.size);
  });
}
