// Small statistics used across the library: the error function and its complement, the mean and
// the median of a sample, the mean with its sample standard deviation, and a difference of means
// with Welch's t. Pure functions over arrays; each exact to rounding in its stated range.

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

/** Mean and sample standard deviation (n − 1; NaN for one value), e.g. over seeds. */
export interface MeanSd {
  mean: number;
  sd: number;
}

/** A difference of means with its standard error and Welch's t. */
export interface MeanDifference {
  /** The first mean minus the second (in a comparison: this method's minus plain's). */
  difference: number;
  /** √(sd₁²/n₁ + sd₂²/n₂) (NaN with fewer than 2 values on a side). */
  se: number;
  /** difference / se. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
}

/** Mean and sample standard deviation (n − 1). */
export function meanSd(xs: readonly number[]): MeanSd {
  const m = mean(xs);
  if (xs.length < 2) return { mean: m, sd: NaN };
  const ss = xs.reduce((a, x) => a + (x - m) * (x - m), 0);
  return { mean: m, sd: Math.sqrt(ss / (xs.length - 1)) };
}

/** a − b with SE √(sd_a²/n_a + sd_b²/n_b), Welch's t and its degrees of freedom. */
export function meanDifference(a: MeanSd, na: number, b: MeanSd, nb: number): MeanDifference {
  const va = (a.sd * a.sd) / na;
  const vb = (b.sd * b.sd) / nb;
  const se = Math.sqrt(va + vb);
  const difference = a.mean - b.mean;
  const df = ((va + vb) * (va + vb)) / ((va * va) / (na - 1) + (vb * vb) / (nb - 1));
  return { difference, se, t: difference / se, df };
}
