// The binary relative entropy kl(q‖p) and its upper inverse: the step that turns an empirical
// error and a complexity (nats per sample) into an upper bound on the true error in the
// PAC-Bayes-kl bound (Seeger 2002; Maurer 2004) and the sample-convergence bound (Langford &
// Caruana 2001). docs/method.md §9.

import { PacgenError } from '@pacgen/core-wasm';

/** φ(x) = x − ln(1 + x) ≥ 0 for x > −1, by its series near 0 where the difference cancels. */
function phi(x: number): number {
  if (Math.abs(x) >= 0.1) return x - Math.log1p(x);
  // x²/2 − x³/3 + x⁴/4 − …: 24 terms leave < 0.1²⁴ relative.
  let term = x;
  let sum = 0;
  for (let k = 2; k <= 26; k++) {
    term *= -x;
    sum -= term / k;
  }
  return sum;
}

function requireProbability(name: string, x: number): void {
  if (!(typeof x === 'number' && x >= 0 && x <= 1)) {
    throw new PacgenError(`${name} must be in [0, 1], got ${x}`);
  }
}

/**
 * kl(q‖p) = q ln(q/p) + (1 − q) ln((1 − q)/(1 − p)) in nats, the relative entropy of a
 * Bernoulli(q) to a Bernoulli(p), with 0·ln 0 = 0 (+∞ when p ∈ {0, 1} differs from q).
 * Written as q·φ(d/q) + (1 − q)·φ(−d/(1 − q)) with d = p − q and φ(x) = x − ln(1 + x): two
 * non-negative terms, so small values keep full relative precision. Cost: O(1).
 */
export function binaryKl(q: number, p: number): number {
  requireProbability('q', q);
  requireProbability('p', p);
  const d = p - q;
  if (d === 0) return 0;
  if ((p === 0 && q > 0) || (p === 1 && q < 1)) return Infinity;
  // At q = 0 (q = 1) the first (second) term's limit is d (−d): its ln term vanishes.
  const upper = q > 0 ? q * phi(d / q) : d;
  const lower = q < 1 ? (1 - q) * phi(-d / (1 - q)) : -d;
  return upper + lower;
}

/**
 * The upper inverse of the binary kl: the largest p ∈ [q, 1] with kl(q‖p) ≤ c (probability).
 * kl(q‖·) increases on [q, 1], so bisection on it converges; the result is the bracket's upper
 * end after it has shrunk below 1e-15, so it is never below the exact inverse and at most
 * 1e-12 above it (tests against mpmath at 50 digits). Cost: about 50 kl evaluations.
 */
export function klInverse(q: number, c: number): number {
  requireProbability('q', q);
  if (!(typeof c === 'number' && c >= 0 && !Number.isNaN(c))) {
    throw new PacgenError(`the kl budget c must be a number >= 0, got ${c}`);
  }
  if (c === 0 || q === 1) return q;
  if (c === Infinity) return 1;
  let lo = q;
  let hi = 1;
  while (hi - lo > 1e-15) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (binaryKl(q, mid) > c) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * ∂p/∂q and ∂p/∂c of p = klInverse(q, c), by the implicit function theorem on kl(q‖p) = c:
 * ∂kl/∂p = (p − q)/(p(1 − p)), ∂kl/∂q = ln(q(1 − p)/(p(1 − q))). Used by the optimized
 * posterior to follow the gradient of the bound itself. Needs 0 < q < p < 1 (callers clamp q
 * inside (0, 1) and use c > 0). Cost: one klInverse.
 */
export function klInverseGradient(q: number, c: number): { p: number; dq: number; dc: number } {
  if (!(q > 0 && q < 1 && c > 0)) {
    throw new PacgenError(`klInverseGradient needs 0 < q < 1 and c > 0, got q = ${q}, c = ${c}`);
  }
  const p = klInverse(q, c);
  if (p >= 1) return { p, dq: 0, dc: 0 };
  const dklDp = (p - q) / (p * (1 - p));
  const dklDq = Math.log((q * (1 - p)) / (p * (1 - q)));
  return { p, dq: -dklDq / dklDp, dc: 1 / dklDp };
}
