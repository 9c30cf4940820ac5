// Per-tensor statistics of any per-parameter vector (a Hessian diagonal, a standard error, a
// PACGen term), so a report can say which layer carries the curvature.

import { PacgenError } from '@pacgen/core-wasm';
import type { ParameterTensor } from '../objective.js';

export interface VectorSummary {
  name: string;
  /** Number of entries summarized. */
  size: number;
  sum: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  min: number;
  max: number;
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
