// KL(Q ‖ P) of the certificate's Gaussians: posterior Q = N(w, diag σ²) and prior
// P = N(w₀, λ·I) (λ a variance). docs/method.md §9.

import { PacgenError } from '@pacgen/core-wasm';
import { sumRange } from '../pacgen/psi.js';

/** The three sums KL depends on, so that KL at every λ of a grid costs O(1). */
export interface GaussianKlSums {
  /** Number of parameters m. */
  m: number;
  /** Σ σ_i² (parameter units²). */
  sumVariance: number;
  /** Σ (w_i − w₀_i)² (parameter units²). */
  sumSquaredDistance: number;
  /** Σ ln σ_i² (nats). */
  sumLogVariance: number;
}

/**
 * The sums of KL(N(w, diag σ²) ‖ N(w₀, λI)) for posterior mean `w`, standard deviations
 * `sigma` (> 0) and prior mean `w0` (null: 0). Compensated sums. Cost: O(m).
 */
export function gaussianKlSums(
  w: ArrayLike<number>,
  sigma: ArrayLike<number>,
  w0: ArrayLike<number> | null,
): GaussianKlSums {
  const m = w.length;
  if (sigma.length !== m || (w0 && w0.length !== m)) {
    throw new PacgenError(
      `w, σ and w₀ must have the same length, got ${m}, ${sigma.length}, ${w0?.length ?? m}`,
    );
  }
  const variance = new Float64Array(m);
  const squared = new Float64Array(m);
  const logVariance = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const s = sigma[i];
    if (!(s > 0 && Number.isFinite(s))) {
      throw new PacgenError(`σ[${i}] must be a finite number > 0, got ${s}`);
    }
    const d = w[i] - (w0 ? w0[i] : 0);
    variance[i] = s * s;
    squared[i] = d * d;
    logVariance[i] = 2 * Math.log(s);
  }
  return {
    m,
    sumVariance: sumRange(variance),
    sumSquaredDistance: sumRange(squared),
    sumLogVariance: sumRange(logVariance),
  };
}

/**
 * KL(N(w, diag σ²) ‖ N(w₀, λI)) = ½[(Σσ² + Σ(w − w₀)²)/λ − m + m ln λ − Σ ln σ²] (nats) at
 * prior variance λ > 0 (parameter units²). Cost: O(1).
 */
export function gaussianKl(sums: GaussianKlSums, lambda: number): number {
  if (!(lambda > 0 && Number.isFinite(lambda))) {
    throw new PacgenError(`prior variance λ must be a finite number > 0, got ${lambda}`);
  }
  const { m, sumVariance, sumSquaredDistance, sumLogVariance } = sums;
  const kl =
    0.5 * ((sumVariance + sumSquaredDistance) / lambda - m + m * Math.log(lambda) - sumLogVariance);
  // KL ≥ 0 exactly; the sums' rounding can leave −1e-9 when Q is P.
  return Math.max(0, kl);
}

/**
 * The λ of `grid` with the smallest KL, and that KL. KL is convex in ln λ with its minimum at
 * (Σσ² + Σ(w − w₀)²)/m; the bound increases with KL, so this λ also gives the lowest bound.
 * Cost: O(grid length).
 */
export function bestPriorVariance(
  sums: GaussianKlSums,
  grid: readonly number[],
): { lambda: number; index: number; kl: number } {
  let best = { lambda: grid[0], index: 0, kl: gaussianKl(sums, grid[0]) };
  for (let j = 1; j < grid.length; j++) {
    const kl = gaussianKl(sums, grid[j]);
    if (kl < best.kl) best = { lambda: grid[j], index: j, kl };
  }
  return best;
}
