// Values of a scalar function of the parameters on a line or a plane through w:
// f(w + α·d1) and f(w + α·d1 + β·d2) on regular grids of α and β.

import { PacgenError } from '@pacgen/core-wasm';
import { checkInteger } from '../checks.js';
import { firstNonFinite } from '../linalg/vector.js';

/** A regular grid of `steps` coefficients from `from` to `to` (inclusive). */
export interface SliceAxis {
  from: number;
  to: number;
  /** Number of points (≥ 2). */
  steps: number;
}

/** The coefficients of an axis: from + (to − from)·i/(steps − 1), i = 0 … steps − 1. */
export function axisValues(axis: SliceAxis): Float64Array {
  const steps = checkInteger('steps', axis.steps, 2);
  if (!Number.isFinite(axis.from) || !Number.isFinite(axis.to) || !(axis.to > axis.from)) {
    throw new PacgenError(`a slice axis needs finite from < to, got [${axis.from}, ${axis.to}]`);
  }
  return Float64Array.from(
    { length: steps },
    (_, i) => axis.from + ((axis.to - axis.from) * i) / (steps - 1),
  );
}

/** A scalar function of the parameter vector, e.g. an objective's mean loss. */
export type PointFunction = (w: Float64Array) => Promise<number>;

/** Called after each grid point with (points done, points planned). */
export type SliceProgress = (done: number, total: number) => void;

export interface Slice1d {
  alpha: Float64Array;
  /** f(w + α_i·d). */
  values: Float64Array;
}

export interface Slice2d {
  alpha: Float64Array;
  beta: Float64Array;
  /** Row-major, one row per β: values[j·alpha.length + i] = f(w + α_i·d1 + β_j·d2). */
  values: Float64Array;
}

/** w + a·d1 (+ b·d2), a fresh array (f may keep it). */
function moveTo(
  w: ArrayLike<number>,
  a: number,
  d1: ArrayLike<number>,
  b = 0,
  d2?: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(w.length);
  for (let k = 0; k < out.length; k++) out[k] = w[k] + a * d1[k] + (d2 ? b * d2[k] : 0);
  if (firstNonFinite(out) >= 0) throw new PacgenError('a slice point is not finite');
  return out;
}

/** f along the line w + α·d. Cost: `axis.steps` evaluations of f (a forward pass each for a loss). */
export async function slice1d(
  f: PointFunction,
  w: ArrayLike<number>,
  d: ArrayLike<number>,
  axis: SliceAxis,
  onProgress?: SliceProgress,
): Promise<Slice1d> {
  const alpha = axisValues(axis);
  const values = new Float64Array(alpha.length);
  for (let i = 0; i < alpha.length; i++) {
    values[i] = await f(moveTo(w, alpha[i], d));
    onProgress?.(i + 1, alpha.length);
  }
  return { alpha, values };
}

/**
 * f on the plane w + α·d1 + β·d2. Cost: `x.steps · y.steps` evaluations of f (a forward pass
 * each for a loss).
 */
export async function slice2d(
  f: PointFunction,
  w: ArrayLike<number>,
  d1: ArrayLike<number>,
  d2: ArrayLike<number>,
  x: SliceAxis,
  y: SliceAxis,
  onProgress?: SliceProgress,
): Promise<Slice2d> {
  const alpha = axisValues(x);
  const beta = axisValues(y);
  const nx = alpha.length;
  const total = nx * beta.length;
  const values = new Float64Array(total);
  for (let j = 0; j < beta.length; j++) {
    for (let i = 0; i < nx; i++) {
      values[j * nx + i] = await f(moveTo(w, alpha[i], d1, beta[j], d2));
      onProgress?.(j * nx + i + 1, total);
    }
  }
  return { alpha, beta, values };
}
