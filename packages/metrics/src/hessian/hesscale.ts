// HesScale's approximation of the Hessian diagonal, by the engine (docs/method.md §5).

import type { Objective } from '../objective/objective.js';
import { enginePass, type EnginePassResult } from './engine-pass.js';

/**
 * HesScale (Elsayed & Mahmood, "Revisiting Scalable Hessian Diagonal Approximations", 2024) at
 * w: per sample, the exact diagonal of the output Hessian (softmax CE: p − p²) is carried back
 * as a diagonal D of the Hessian with respect to each node's output — D_in = (W²)ᵀ D through
 * dense and conv layers (their weights get Σ a² D), σ'² D + σ'' g through activations (g the
 * gradient there), the gradient's routes through pooling and junctions (averaging weights
 * squared) — dropping every off-diagonal term. Exact for a single linear layer under the loss
 * and for the last layer of any network; an approximation before it (docs/method.md §5.2 gives
 * its measured error on the MNIST presets).
 *
 * Cost: one forward and two backward passes over the samples (about 1.7 gradient evaluations;
 * `cost` reports 2). Needs the core-wasm engine (`Objective.diagonalPass`); batch and layer
 * normalization and tied weights are refused.
 */
export async function hesscaleDiagonal(
  obj: Objective,
  w: ArrayLike<number>,
): Promise<EnginePassResult> {
  return enginePass(obj, w, 'hesscale');
}
