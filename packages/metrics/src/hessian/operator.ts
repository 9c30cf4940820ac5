// The Hessian of an Objective at a fixed point, as a counted, checked linear operator: every
// estimator spends its gradient evaluations through one of these.

import {
  defaultHvpStep,
  hvpStep,
  minimumHvpStep,
  PacgenError,
  type KinkCount,
} from '@pacgen/core-wasm';
import type { HvpRequest, Objective } from '../objective/objective.js';
import { checkFinite, checkOutput, checkPoint, checkStep } from '../checks.js';
import { emptyHealth, type FiniteDifferenceHealth } from './health.js';

/** Which curvature matrix an operator applies: the Hessian, or the generalized Gauss-Newton. */
export type CurvatureMatrix = 'hessian' | 'gauss-newton';

/** What the operator does with a product that crosses kinks (`EstimatorOptions.onKink`). */
export type KinkPolicy = 'shrink' | 'report';

/** Progress of a long run: units of work done (Hessian-vector products) and planned. */
export type ProgressCallback = (done: number, total: number) => void;

/** Options shared by every curvature estimator. */
export interface EstimatorOptions extends HvpRequest {
  /**
   * Length of the move of each finite-difference product, ‖t·v‖₂ in units of the scale
   * max(1, ‖w ⊙ v‖₂/‖v‖₂) of the parameters it moves (core-wasm's `hvpStep`), so one value
   * moves the point equally far for Rademacher probes, basis vectors and unit directions.
   * Default `defaultHvpStep`: 1e-6 in f64, 1e-2 in f32 (docs/method.md §5, §7). A product that
   * crosses a kink is recomputed at a tenth of it, down to `minimumHvpStep`.
   */
  step?: number;
  /**
   * What to do with a product that crosses ReLU/max-pool kinks: 'shrink' (default) recomputes it
   * at smaller moves, as {@link HessianOperator} explains; 'report' only counts it in `health`
   * (the difference then includes the kinks' gradient jumps, as a backend that cannot count
   * them computes it: for comparing engines).
   */
  onKink?: KinkPolicy;
  /** Seed of the random probes; the same seed gives identical results. Default 0. */
  seed?: number;
  /** Called after each Hessian-vector product with (products done, products planned). */
  onProgress?: ProgressCallback;
}

/**
 * H = ∇²L̂(w) as an operator v ↦ Hv over the objective's finite-difference HVP.
 *
 * Kinks (docs/method.md §5): when the backend reports that a product's two points w ± t·v lie
 * on different sides of a ReLU / max-pool kink, the product is recomputed at a tenth of the
 * move, down to `minimumHvpStep` (a move already at or below it is not shrunk), and the one
 * with the fewest crossings is used (with `onKink` 'report': only counted). A shrink that does
 * not reduce the crossings means they sit on kinks at w itself (a pre-activation that is 0 to
 * rounding), which no step avoids: the operator then stops shrinking for good. `health`
 * reports all of it.
 *
 * `cost` counts gradient evaluations: 2 per product, 4 with Richardson, plus the 1 of `check`,
 * plus 2 (4) per step shrink.
 */
export class HessianOperator {
  readonly size: number;
  private gradients = 0;
  private products = 0;
  private readonly crossings = emptyHealth();
  private shrinkingFutile = false;

  constructor(
    readonly objective: Objective,
    /** The point (a checked copy). */
    readonly point: Float64Array,
    readonly request: HvpRequest = {},
    readonly onKink: KinkPolicy = 'shrink',
    /**
     * 'gauss-newton': v ↦ G·v through `Objective.gaussNewtonProduct` (its J·v a central
     * difference of the outputs, shrunk at kinks the same way), counted as 2 gradient
     * evaluations (4 with Richardson) like an HVP (measured 0.92–0.97 of an HVP's time).
     */
    readonly curvature: CurvatureMatrix = 'hessian',
  ) {
    this.size = point.length;
    if (curvature === 'gauss-newton' && !objective.gaussNewtonProduct) {
      throw new PacgenError(
        'the Gauss-Newton product needs the core-wasm engine; this objective has none',
      );
    }
  }

  /** Gradient evaluations spent so far. */
  get cost(): number {
    return this.gradients;
  }

  /** Hessian-vector products computed so far (retries at smaller steps not counted). */
  get count(): number {
    return this.products;
  }

  /** Gradient evaluations per product: 2 (central difference) or 4 (Richardson). */
  get gradientsPerProduct(): number {
    return this.request.richardson ? 4 : 2;
  }

  /** Kink crossings of the products so far and the shrinks they caused (a copy). */
  get health(): FiniteDifferenceHealth {
    return { ...this.crossings, hvps: this.products };
  }

  /**
   * Hv (a fresh array) at the move `move` (default: the request's `step`, else
   * `defaultHvpStep`), shrunk as the class explains when it crosses kinks. Cost: 2 gradient
   * evaluations (4 with Richardson), and as much again per shrink.
   */
  async apply(v: ArrayLike<number>, move = this.request.step): Promise<Float64Array> {
    const precision = this.objective.precision;
    let s = move ?? defaultHvpStep(precision);
    const first = await this.product(v, s);
    this.products++;
    const h = this.crossings;
    if (first.crossings === undefined) h.counted = false;
    if (!first.crossings) return first.hv;
    h.hvpsWithCrossings++;
    h.unitCrossings += first.crossings;
    let best = { hv: first.hv, crossings: first.crossings };
    // Moves s/10, s/100, … and last the floor itself (the factor absorbs rounding).
    const floor = minimumHvpStep(precision);
    const shrink = this.onKink === 'shrink';
    while (shrink && best.crossings > 0 && !this.shrinkingFutile && s > floor * (1 + 1e-9)) {
      s = Math.max(s / 10, floor);
      const next = await this.product(v, s);
      h.stepShrinks++;
      // Equal crossings at a smaller step err more (each jump is divided by t): keep the larger.
      if (next.crossings! < best.crossings) best = { hv: next.hv, crossings: next.crossings! };
      else this.shrinkingFutile = true;
    }
    if (best.crossings > 0) h.unresolved++;
    return best.hv;
  }

  /** One product at move `move`, with its kink crossings (undefined: the backend cannot tell). */
  private async product(
    v: ArrayLike<number>,
    move: number,
  ): Promise<{ hv: Float64Array; crossings?: number }> {
    const step = hvpStep(this.objective.precision, v, this.point, move);
    const kinks: KinkCount = {};
    const request = { richardson: this.request.richardson, step, kinks };
    const hv =
      this.curvature === 'hessian'
        ? await this.objective.hvp(this.point, v, request)
        : await this.objective.gaussNewtonProduct!(this.point, v, request);
    this.gradients += this.gradientsPerProduct;
    checkOutput('Hessian-vector product', hv, this.size);
    return { hv: Float64Array.from(hv), crossings: kinks.crossings };
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
  checkFinite('seed', options.seed ?? 0);
  const step = checkStep(options.step);
  const onKink = options.onKink ?? 'shrink';
  if (onKink !== 'shrink' && onKink !== 'report') {
    throw new PacgenError(`onKink must be 'shrink' or 'report', got '${String(onKink)}'`);
  }
  const request = { step, richardson: options.richardson ?? false };
  const op = new HessianOperator(obj, point, request, onKink);
  await op.check();
  return op;
}
