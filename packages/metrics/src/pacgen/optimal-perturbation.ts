// The bound-optimal half-widths σ* of docs/method.md §3.2.
//
// Stationarity of the bound in σ_i gives σ_i* = min(√(η/a_i), κ_i) (κ_i where a_i = 0) with
//   η = C / √K,  C = 1 / (2·v·√(2(n−1))),  K = KL(σ*) + ln(2n/δ)
// (v = Var(u)/σ², so C = 3/(2√(2(n−1))) for uniform noise). η = g(η) with g increasing, so the
// fixed point need not be unique; every local minimum of the bound is one of them. Rather than
// iterate, we solve exactly: in x = ln η, K(x) = K0 + Σ_i max(0, (x_i − x)/2) with
// x_i = ln(a_i κ_i²) is piecewise linear, and r(x) = x − ln C + ½ ln K(x) is concave on each
// piece, so each piece holds at most one rising root of r (a local minimum of the bound). We
// find them all by bisection and keep the one with the lowest bound.

import type { NoiseModel } from './noise.js';
import { confidenceTerm } from './bound.js';
import { logRatioTerms, sumRange } from './psi.js';

export interface OptimalPerturbation {
  /** σ*_i (parameter units), 0 < σ*_i ≤ κ_i. */
  sigma: Float64Array;
  /** η (loss units): σ*_i = √(η/a_i) below the cap. */
  eta: number;
  /** K = KL(σ*) + ln(2n/δ) (nats). */
  complexityNumerator: number;
  /** Local minima of the bound over the one-parameter family σ(η) (1 in the usual case). */
  localMinima: number;
}

export interface OptimalPerturbationInput {
  a: ArrayLike<number>;
  kappa: ArrayLike<number>;
  tau: ArrayLike<number>;
  n: number;
  delta: number;
  noise: NoiseModel;
}

/** ln C, where the fixed point is η = C/√K. */
function logEtaScale(n: number, noise: NoiseModel): number {
  return -Math.log(2 * noise.varianceFactor * Math.sqrt(2 * (n - 1)));
}

/** g(K) = C/√K: the η that stationarity asks for, given the complexity numerator K (nats). */
export function etaForComplexity(K: number, n: number, noise: NoiseModel): number {
  return Math.exp(logEtaScale(n, noise)) / Math.sqrt(K);
}

/** σ_i = min(√(η/a_i), κ_i), κ_i where a_i = 0 (parameter units). Cost: O(m). */
export function sigmaForEta(
  eta: number,
  a: ArrayLike<number>,
  kappa: ArrayLike<number>,
): Float64Array {
  const sigma = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    sigma[i] = a[i] > 0 ? Math.min(Math.sqrt(eta / a[i]), kappa[i]) : kappa[i];
  }
  return sigma;
}

/**
 * The σ* minimising the PAC-Bayes bound over 0 < σ_i ≤ κ_i, and its η. Exact (global minimum
 * of the bound), O(m log m) time, no gradient evaluations.
 */
export function optimalPerturbation(input: OptimalPerturbationInput): OptimalPerturbation {
  const { a, kappa, tau, n, delta, noise } = input;
  const m = a.length;
  const lnC = logEtaScale(n, noise);
  const c2 = 0.5 * noise.varianceFactor;
  const scale = 2 * (n - 1);
  // K with every coordinate capped at κ_i.
  const capped = new Float64Array(m);
  for (let i = 0; i < m; i++) capped[i] = Math.log(tau[i] / kappa[i]);
  const K0 = sumRange(capped) + m * noise.klOffset + confidenceTerm(n, delta);

  // Breakpoints x_i = ln(a_i κ_i²), descending: below x_(j) the first j coordinates are active.
  let P = 0;
  const xs = new Float64Array(m);
  for (let i = 0; i < m; i++) if (a[i] > 0) xs[P++] = Math.log(a[i]) + 2 * Math.log(kappa[i]);
  const x = xs.subarray(0, P).sort().reverse();
  // capSum[j] = Σ_{k ≥ j} a_(k) κ_(k)² = Σ_{k ≥ j} e^{x_(k)}: curvature of the capped ones.
  const capSum = new Float64Array(P + 1);
  for (let k = P - 1; k >= 0; k--) capSum[k] = capSum[k + 1] + Math.exp(x[k]);

  // On piece j (j active), K(x) = A − j·x/2; the bound is c2·(j·e^x + capSum[j]) + √(K/scale).
  const r = (t: number, A: number, j: number) => t - lnC + 0.5 * Math.log(A - (j * t) / 2);
  const bound = (t: number, A: number, j: number) =>
    c2 * (j * Math.exp(t) + capSum[j]) + Math.sqrt((A - (j * t) / 2) / scale);

  let best = { x: NaN, value: Infinity };
  let localMinima = 0;
  const consider = (t: number, A: number, j: number) => {
    localMinima++;
    const value = bound(t, A, j);
    if (value < best.value) best = { x: t, value };
  };

  // Piece 0 (all capped): r rises with slope 1, root x0.
  const x0 = lnC - 0.5 * Math.log(K0);
  if (P === 0 || x0 >= x[0]) consider(x0, K0, 0);
  let A = K0;
  for (let j = 1; j <= P; j++) {
    A += x[j - 1] / 2;
    const hi = x[j - 1];
    const lo = j < P ? x[j] : -Infinity;
    if (!(lo < hi)) continue;
    // r is concave on the piece and rises while K > j/4, i.e. below its peak.
    const top = Math.min(hi, (2 * A) / j - 0.5);
    if (!(top > lo) || r(top, A, j) < 0) continue;
    let left = lo;
    if (left === -Infinity) {
      let width = 1;
      while (r(top - width, A, j) >= 0) width *= 2;
      left = top - width;
    } else if (r(left, A, j) >= 0) continue;
    let right = top;
    for (let it = 0; it < 200 && right - left > 1e-15 * Math.max(1, Math.abs(right)); it++) {
      const mid = 0.5 * (left + right);
      if (r(mid, A, j) < 0) left = mid;
      else right = mid;
    }
    consider(right, A, j);
  }

  const eta = Math.exp(best.x);
  const sigma = sigmaForEta(eta, a, kappa);
  const complexityNumerator =
    sumRange(logRatioTerms(tau, sigma)) + m * noise.klOffset + confidenceTerm(n, delta);
  return { sigma, eta, complexityNumerator, localMinima };
}
