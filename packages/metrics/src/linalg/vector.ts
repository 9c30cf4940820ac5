// Small dense-vector kernels over Float64Array, shared by the curvature estimators.

/** xᵀy. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** ‖x‖₂ (scaled, so that huge or tiny entries neither overflow nor underflow). */
export function norm2(x: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] / scale) ** 2;
  return scale * Math.sqrt(s);
}

/** ‖x‖∞. */
export function normInf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s = Math.max(s, Math.abs(x[i]));
  return s;
}

/** y ← y + a·x, in place; returns y. */
export function axpy(a: number, x: ArrayLike<number>, y: Float64Array): Float64Array {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
  return y;
}

/** x ← a·x, in place; returns x. */
export function scale(a: number, x: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] *= a;
  return x;
}

/** x − y, new array. */
export function sub(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = x[i] - y[i];
  return out;
}

/** x / ‖x‖₂ in place; returns the norm it had (0 leaves x unchanged). */
export function normalize(x: Float64Array): number {
  const n = norm2(x);
  if (n > 0) scale(1 / n, x);
  return n;
}

/**
 * Removes from x its components along the orthonormal vectors `basis`, in place. Two passes of
 * Gram–Schmidt ("twice is enough") keep x orthogonal to working precision.
 */
export function orthogonalize(x: Float64Array, basis: readonly Float64Array[]): Float64Array {
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) axpy(-dot(q, x), q, x);
  }
  return x;
}

/** Index of the first non-finite entry, or −1. */
export function firstNonFinite(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}
