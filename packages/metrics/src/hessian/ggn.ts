// The exact diagonal of the generalized Gauss-Newton matrix, by the engine (docs/method.md §5).

import type { Objective } from '../objective/objective.js';
import { enginePass, type EnginePassResult } from './engine-pass.js';

/**
 * diag G = (1/n) Σ_n Σ_c (J_nᵀ s_{n,c})² at w: J_n the Jacobian of sample n's network outputs,
 * s_{n,c} the columns of a factor of its output Hessian (softmax CE: diag(√p) − p√pᵀ). The
 * Hessian is G plus Σ ∂ℓ/∂z · ∇²z; for piecewise-linear networks (ReLU, max pooling, linear
 * last layer) the second term vanishes almost everywhere, so G's diagonal is the Hessian's
 * exactly (f64: within 1e-6 of the finite-difference diagonal); with smooth activations it
 * leaves that term out (G is positive semi-definite, H need not be).
 *
 * Cost: O gradient evaluations for O network outputs (one backward pass per factor column over
 * the samples, their forward passes repeated), plus one kernel-sized GEMM per sample and conv
 * layer; `cost` reports O. Needs the core-wasm engine (`Objective.diagonalPass`); batch and
 * layer normalization and tied weights are refused.
 */
export async function ggnDiagonal(obj: Objective, w: ArrayLike<number>): Promise<EnginePassResult> {
  return enginePass(obj, w, 'ggn');
}
