// Reference computations for the PACGen tests, written independently of src/pacgen.

import { Random } from '@pacgen/core-wasm';

/** The bound of docs/method.md §3.1 at half-widths σ, written out directly (uniform: v = 1/3, k = 0). */
export function boundAt(
  sigma: ArrayLike<number>,
  a: ArrayLike<number>,
  tau: ArrayLike<number>,
  n: number,
  delta: number,
  v = 1 / 3,
  k = 0,
): number {
  let curv = 0;
  let kl = 0;
  for (let i = 0; i < sigma.length; i++) {
    curv += 0.5 * v * a[i] * sigma[i] ** 2;
    kl += Math.log(tau[i] / sigma[i]) + k;
  }
  return curv + Math.sqrt((kl + Math.log((2 * n) / delta)) / (2 * (n - 1)));
}

/**
 * Brute-force minimum of f over s = ln σ with s_i ≤ ln κ_i: coordinate descent where each
 * coordinate is minimised globally by a grid of 401 points over [ln κ_i − 25, ln κ_i] refined by
 * golden sections, from several random starts. Independent of any stationarity argument.
 */
export function bruteForceMinimum(
  f: (sigma: Float64Array) => number,
  kappa: ArrayLike<number>,
  starts = 4,
  seed = 1,
): { sigma: Float64Array; value: number } {
  const m = kappa.length;
  const rng = new Random(seed);
  let best = { sigma: new Float64Array(m), value: Infinity };
  for (let s = 0; s < starts; s++) {
    const sigma = Float64Array.from(kappa, (c) => c * Math.exp(-8 * rng.uniform()));
    let value = f(sigma);
    for (let sweep = 0; sweep < 300; sweep++) {
      const before = value;
      for (let i = 0; i < m; i++) {
        const hi = Math.log(kappa[i]);
        const lo = hi - 25;
        const g = (x: number) => {
          sigma[i] = Math.exp(x);
          return f(sigma);
        };
        let bx = lo;
        let bv = Infinity;
        const steps = 400;
        for (let k = 0; k <= steps; k++) {
          const x = lo + ((hi - lo) * k) / steps;
          const y = g(x);
          if (y < bv) [bx, bv] = [x, y];
        }
        let left = Math.max(lo, bx - (hi - lo) / steps);
        let right = Math.min(hi, bx + (hi - lo) / steps);
        const phi = (Math.sqrt(5) - 1) / 2;
        for (let it = 0; it < 80; it++) {
          const x1 = right - phi * (right - left);
          const x2 = left + phi * (right - left);
          if (g(x1) < g(x2)) right = x2;
          else left = x1;
        }
        const xm = 0.5 * (left + right);
        const candidates = [bx, xm, hi];
        let cx = bx;
        let cv = Infinity;
        for (const x of candidates) {
          const y = g(x);
          if (y < cv) [cx, cv] = [x, y];
        }
        sigma[i] = Math.exp(cx);
        value = cv;
      }
      if (before - value < 1e-15) break;
    }
    if (value < best.value) best = { sigma: Float64Array.from(sigma), value };
  }
  return best;
}

/** ∫_lo^hi f by composite Simpson with `n` (even) intervals. */
export function simpson(f: (x: number) => number, lo: number, hi: number, n = 20000): number {
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}
