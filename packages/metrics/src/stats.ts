// Small statistics used across the library: the error function and its complement, the mean and
// the median of a sample. Pure functions over arrays; each exact to rounding in its stated range.

/** erf(x) by its Maclaurin series: exact to rounding for |x| ≤ 3 (use erfc beyond). */
export function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * erfc(x) with small relative error in the tail: 1 − erf(x) below 3 (absolute error ~1e-16, so
 * relative ~1e-11 at x = 3), the Laplace continued fraction above; 2 − erfc(−x) for x < 0.
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) return 1 - erf(x);
  let t = x;
  for (let k = 80; k >= 1; k--) t = x + k / 2 / t;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / t;
}

/** The arithmetic mean (NaN for an empty sample). */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / xs.length;
}

/** The median (the mean of the two middle values for an even count; NaN when empty). */
export function median(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}
