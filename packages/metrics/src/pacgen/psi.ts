// The PACGen metric Ψ_{γ,ε} of docs/method.md §2 and its bound-optimal variant Ψ*, as per-coordinate
// terms so that totals, per-tensor sums and per-parameter means share one pass.

/**
 * Per-coordinate terms of the literal metric, ψ_i = ln(τ_i · max(√a_i, 1/κ_i)) (nats), i.e.
 * ln(τ_i/σ_i) at σ_i = min(1/√a_i, κ_i). Computed in logs so that a_i = 0 or huge is exact.
 * Cost: O(m).
 */
export function psiTerms(
  a: ArrayLike<number>,
  kappa: ArrayLike<number>,
  tau: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    // ln 0 = −∞ picks the 1/κ branch when a_i = 0.
    out[i] = Math.log(tau[i]) + Math.max(0.5 * Math.log(a[i]), -Math.log(kappa[i]));
  }
  return out;
}

/** Per-coordinate ln(τ_i/σ_i) (nats) for any half-widths σ (Ψ* at σ = σ*). Cost: O(m). */
export function logRatioTerms(tau: ArrayLike<number>, sigma: ArrayLike<number>): Float64Array {
  const out = new Float64Array(tau.length);
  for (let i = 0; i < tau.length; i++) out[i] = Math.log(tau[i]) - Math.log(sigma[i]);
  return out;
}

/**
 * Which coordinates the curvature reaches in the literal Ψ: √a_i > 1/κ_i, i.e. a_i·κ_i² > 1.
 * Cost: O(m).
 */
export function curvatureBranch(a: ArrayLike<number>, kappa: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * kappa[i] * kappa[i] > 1 ? 1 : 0;
  return out;
}

/** Which coordinates the optimal perturbation leaves below the box: σ*_i < κ_i. Cost: O(m). */
export function belowCap(sigma: ArrayLike<number>, kappa: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(sigma.length);
  for (let i = 0; i < sigma.length; i++) out[i] = sigma[i] < kappa[i] ? 1 : 0;
  return out;
}

/** Σ values[i] over [start, end), compensated (Neumaier) so m ≈ 10⁶ terms lose nothing. */
export function sumRange(values: ArrayLike<number>, start = 0, end = values.length): number {
  let s = 0;
  let c = 0;
  for (let i = start; i < end; i++) {
    const x = values[i];
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}
