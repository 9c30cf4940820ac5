// The finite-difference step of a Hessian-vector product (docs/method.md §5, §7): one rule for
// every direction, so that a dense random probe moves the point no further than a unit vector.

import type { Precision } from './module.js';

/**
 * Default length of the move ‖t·v‖₂ of a central difference, in units of the parameters' scale
 * (see {@link hvpStep}): 1e-6 in f64 (1e-9 relative error on smooth networks, 100× below where
 * ReLU kinks began in the study), 1e-2 in f32 (6e-5, the f32 optimum for every kind of
 * direction). See docs/method.md §7 for the study.
 */
export function defaultHvpStep(precision: Precision): number {
  return precision === 'f64' ? 1e-6 : 1e-2;
}

/**
 * The smallest move a step may be shrunk to when a difference crosses kinks: 1e-9 in f64
 * (relative error 1e-6 in the study), 1e-4 in f32 (1e-2); below it rounding takes over
 * (docs/method.md §7).
 */
export function minimumHvpStep(precision: Precision): number {
  return precision === 'f64' ? 1e-9 : 1e-4;
}

/**
 * The difference step t along v for which w ± t·v lies at Euclidean distance `move`·σ from w,
 * with σ = max(1, ‖w ⊙ v‖₂/‖v‖₂), the root-mean-square size of the parameters v moves (|w_i|
 * for a unit vector e_i): t = move·σ/‖v‖₂. A Rademacher probe thus moves each of its m
 * coordinates by move·σ/√m, not by move, and a unit vector exactly as before; σ keeps the move
 * above the rounding of w_i ± t·v_i (ε·|w_i|) when weights are large. `move` defaults to
 * {@link defaultHvpStep}. Returns 1 for v = 0. Cost: O(m).
 */
export function hvpStep(
  precision: Precision,
  v: ArrayLike<number>,
  w: ArrayLike<number>,
  move = defaultHvpStep(precision),
): number {
  let vmax = 0;
  for (let i = 0; i < v.length; i++) vmax = Math.max(vmax, Math.abs(v[i]));
  if (vmax === 0) return 1;
  // Sums of (v_i/vmax)² cannot overflow.
  let vv = 0;
  let wv = 0;
  for (let i = 0; i < v.length; i++) {
    const u = v[i] / vmax;
    vv += u * u;
    wv += (w[i] * u) ** 2;
  }
  const sigma = Math.max(1, Math.sqrt(wv / vv));
  return (move * sigma) / (vmax * Math.sqrt(vv));
}
