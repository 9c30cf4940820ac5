// The Hessian of an Objective at a fixed point, as a counted, checked linear operator: every
// estimator spends its gradient evaluations through one of these.

import { PacgenError } from '@pacgen/core-wasm';
import type { HvpRequest, Objective } from '../objective.js';
import { normInf } from '../linalg/vector.js';
import { checkOutput, checkPoint, checkSeed, checkStep } from './checks.js';

/** Progress of a long run: units of work done (Hessian-vector products) and planned. */
export type ProgressCallback = (done: number, total: number) => void;

/** Options shared by every curvature estimator. */
export interface EstimatorOptions extends HvpRequest {
  /**
   * Largest coordinate move of each finite-difference product, t·‖v‖∞ (the HVP's t is
   * step/‖v‖∞): the core-wasm default's relative rule, so one value means the same for Rademacher
   * probes, basis vectors and unit directions. Default: the objective's own (core-wasm:
   * `defaultHvpStep`, 1e-6 in f64, 1e-3 in f32; see docs/method.md §7). Measured against an exact Hessian on small
   * tanh/sigmoid/ReLU networks: f64 at 1e-5 gives 3e-11 to 3e-9 relative HVP error and top
   * eigenvalues to 1e-9; f32 at 1e-2 gives 2e-5 to 3e-3 and top eigenvalues to 3e-4–8e-4, while
   * 3e-3 gives 3e-5–7e-5 for both the diagonal and the top eigenvalue.
   */
  step?: number;
  /** Seed of the random probes; the same seed gives identical results. Default 0. */
  seed?: number;
  /** Called after each Hessian-vector product with (products done, products planned). */
  onProgress?: ProgressCallback;
}

/**
 * H = ∇²L̂(w) as an operator v ↦ Hv over the objective's finite-difference HVP.
 * `cost` counts gradient evaluations: 2 per product, 4 with Richardson, plus the 1 of `check`.
 */
export class HessianOperator {
  readonly size: number;
  private gradients = 0;
  private products = 0;

  constructor(
    readonly objective: Objective,
    /** The point (a checked copy). */
    readonly point: Float64Array,
    readonly request: HvpRequest = {},
  ) {
    this.size = point.length;
  }

  /** Gradient evaluations spent so far. */
  get cost(): number {
    return this.gradients;
  }

  /** Hessian-vector products computed so far. */
  get count(): number {
    return this.products;
  }

  /** Gradient evaluations per product: 2 (central difference) or 4 (Richardson). */
  get gradientsPerProduct(): number {
    return this.request.richardson ? 4 : 2;
  }

  /**
   * Hv (a fresh array). `move` (default: the request's `step`) is the largest coordinate move
   * t·‖v‖∞; undefined leaves the step to the objective.
   */
  async apply(v: ArrayLike<number>, move = this.request.step): Promise<Float64Array> {
    const step = move === undefined ? undefined : move / (normInf(v) || 1);
    const hv = await this.objective.hvp(this.point, v, { ...this.request, step });
    this.gradients += this.gradientsPerProduct;
    this.products++;
    checkOutput('Hessian-vector product', hv, this.size);
    return Float64Array.from(hv);
  }

  /**
   * Evaluates the loss and gradient once at the point (1 gradient evaluation) and throws if
   * either is not finite: a NaN there would silently poison every difference.
   */
  async check(): Promise<void> {
    const { loss, grad } = await this.objective.gradient(this.point);
    this.gradients++;
    if (!Number.isFinite(loss)) {
      throw new PacgenError(`objective returned a non-finite loss (${loss}) at the point w`);
    }
    checkOutput('gradient', grad, this.size);
  }
}

/**
 * Checks w, the seed and the HVP step, evaluates the objective once at w (1 gradient) and
 * returns the operator the estimators work with.
 */
export async function hessianAt(
  obj: Objective,
  w: ArrayLike<number>,
  options: EstimatorOptions,
): Promise<HessianOperator> {
  const point = checkPoint(obj, w);
  checkSeed(options.seed ?? 0);
  const step = checkStep(options.step);
  const op = new HessianOperator(obj, point, { step, richardson: options.richardson ?? false });
  await op.check();
  return op;
}
