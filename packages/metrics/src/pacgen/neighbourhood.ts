// The neighbourhood box N_{γ,ε}(w) and the effective curvature a_i of docs/method.md §1–2.

/**
 * Half-widths of the neighbourhood box, κ_i = γ|w_i| + ε (parameter units).
 * Cost: O(m), no gradient evaluations.
 */
export function neighbourhoodRadius(
  w: ArrayLike<number>,
  gamma: number,
  epsilon: number,
): Float64Array {
  const kappa = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) kappa[i] = gamma * Math.abs(w[i]) + epsilon;
  return kappa;
}

/**
 * Prior half-widths τ_i = |w_i| + κ_i (parameter units): the prior box is centred at 0 and
 * contains the whole neighbourhood box. Cost: O(m).
 */
export function priorRadius(w: ArrayLike<number>, kappa: ArrayLike<number>): Float64Array {
  const tau = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) tau[i] = Math.abs(w[i]) + kappa[i];
  return tau;
}

/**
 * Effective curvature a_i = max(0, h_i + ρ·√m·κ_i) (loss units per parameter unit²): the
 * Hessian diagonal plus the Lipschitz allowance for the third-order Taylor term, clamped at 0
 * because a negative diagonal cannot lower the bound (the blog's rule). Cost: O(m).
 */
export function effectiveCurvature(
  h: ArrayLike<number>,
  rho: number,
  kappa: ArrayLike<number>,
): Float64Array {
  const m = h.length;
  const r = rho * Math.sqrt(m);
  const a = new Float64Array(m);
  for (let i = 0; i < m; i++) a[i] = Math.max(0, h[i] + r * kappa[i]);
  return a;
}
