// A PyHessian-style handle on a TF.js model's loss: `hessian(model, data)` holds one objective at
// the model's current weights, and each method is the library's estimator there, unchanged
// (every estimator is f(objective, w, options), docs/method.md §5–7).

import { hessianDiagonal, type DiagonalOptions, type DiagonalResult } from '../hessian/diagonal.js';
import { pacgen, type PacgenOptions, type PacgenReport } from '../pacgen/report.js';
import { spectralDensity, type DensityOptions, type DensityResult } from '../spectrum/density.js';
import { topEigenvalues, type EigenOptions, type EigenResult } from '../spectrum/eigen.js';
import { hessianTrace, type TraceOptions, type TraceResult } from '../spectrum/trace.js';
import type { TfjsDataInput } from './data-input.js';
import { tf } from './backend.js';
import { tfjsObjective, type TfjsObjective, type TfjsObjectiveOptions } from './objective.js';

/** The objective's settings other than the model and data (loss, samples, chunk, backend, caps, params). */
export type TfjsHessianOptions = Omit<
  TfjsObjectiveOptions,
  'model' | 'spec' | 'variables' | 'lossFn' | 'data'
>;

/**
 * The Hessian of a TF.js model's mean loss at its weights (PyHessian's `hessian`). Each method
 * is the named estimator at `w`, with its options and result; m parameters.
 */
export interface TfjsHessian {
  /** The objective the estimators run on (its data on the device). */
  readonly objective: TfjsObjective;
  /** The point: the model's weights when the handle was made (or `params`). */
  readonly w: Float64Array;
  /** `hessianDiagonal`. Cost: 2m + 1 gradient evaluations (exact) or 2K + 1 (Hutchinson, K probes). */
  diagonal(options?: DiagonalOptions): Promise<DiagonalResult>;
  /** `hessianTrace`. Cost: 1 + 2K gradient evaluations (K probes, default 100). */
  trace(options?: TraceOptions): Promise<TraceResult>;
  /** `topEigenvalues` with k (default 1). Cost: 1 + 2·(j + k) gradient evaluations (Lanczos, j steps). */
  eigenvalues(k?: number, options?: Omit<EigenOptions, 'k'>): Promise<EigenResult>;
  /** `spectralDensity`. Cost: 1 + 2·runs·steps gradient evaluations (default 10 × min(m, 60)). */
  density(options?: DensityOptions): Promise<DensityResult>;
  /**
   * `pacgen`: Ψ, Ψ*, σ* and the bound. Cost: 1 loss + the diagonal (2m + 1 or 2K + 1) + ρ
   * (2·(2·probes·(1 + refine) + 1) + 1) gradient evaluations.
   */
  pacgen(options?: PacgenOptions): Promise<PacgenReport>;
  /** Frees the objective (its data and model copy on the device). */
  dispose(): void;
}

/**
 * A handle on ∇²L̂ of `model` over `data` at the model's current weights (host arrays, tensors,
 * or a tf.data.Dataset: see tfjsObjective). The model is copied (its output softmax or sigmoid
 * fused into the loss) and never changed; later training does not move the handle's point.
 * Cost: reading the data once and one copy of the weights; each method costs as its estimator.
 */
export async function hessian(
  model: tf.LayersModel,
  data: TfjsDataInput,
  options: TfjsHessianOptions = {},
): Promise<TfjsHessian> {
  const objective = await tfjsObjective({ ...options, model, data });
  const w = objective.params();
  return {
    objective,
    w,
    diagonal: (o) => hessianDiagonal(objective, w, o),
    trace: (o) => hessianTrace(objective, w, o),
    eigenvalues: (k = 1, o = {}) => topEigenvalues(objective, w, { ...o, k }),
    density: (o) => spectralDensity(objective, w, o),
    pacgen: (o) => pacgen(objective, w, o),
    dispose: () => objective.dispose(),
  };
}
