// The Hessian-vector product inside the engine: central differences of the gradient along v
// with the step rule of hvp-step.ts, and the count of the kinks the difference crossed.

import { PacgenError } from '../errors.js';
import { hvpStep } from '../hvp-step.js';
import type { EngineBuffers, RealArray } from './buffers.js';
import type { EngineData } from './data.js';
import type { Samples } from './samples.js';

/** What an HVP saw of the network's kinks (filled in by `hvp`). */
export interface KinkCount {
  /**
   * (sample, unit) pairs whose ReLU / leaky-ReLU side or max-pool argmax differs between
   * w + t·v and w − t·v, summed over both differences with Richardson: 0 means no kink lies
   * between the two points and the difference is that of one smooth piece. Left undefined by
   * backends that cannot see their units.
   */
  crossings?: number;
}

export interface HvpOptions {
  samples?: Samples;
  /** Difference step t along v (default: `hvpStep(precision, v, params)`, docs/method.md §5). */
  step?: number;
  /** Richardson extrapolation: 4 gradients instead of 2, error O(t⁴). */
  richardson?: boolean;
  /** When given, receives the kink crossings of this product. */
  kinks?: KinkCount;
  /**
   * The generalized Gauss-Newton product G·v = (1/n) Σ J_nᵀ H_n J_n v instead of H·v: J v by
   * central differences of the outputs at the same step (the kinks counted the same way), H_n
   * the loss's output Hessian, Jᵀ one backward pass. Cost: 3 forward and 1 backward passes
   * (5 and 1 with Richardson): close to an HVP's 2 gradients (0.92–0.97 of its time measured).
   */
  gaussNewton?: boolean;
}

/** Engines whose Gauss-Newton scratch is allocated (on first use: others pay nothing). */
const gaussNewtonReady = new WeakSet<EngineBuffers>();

function configureGaussNewton(buf: EngineBuffers, maxBatch: number): void {
  if (gaussNewtonReady.has(buf)) return;
  const rows = maxBatch * buf.compiled.outputSize;
  buf.ex.configureGaussNewton(
    buf.real(rows),
    buf.real(rows),
    buf.real(rows),
    buf.real(buf.compiled.outputSize),
  );
  gaussNewtonReady.add(buf);
}

/**
 * Hessian-vector product of the mean loss at the current parameters (see `Network.hvp`).
 * Cost: 2 gradient evaluations (4 with Richardson) and a comparison per unit and sample.
 * Returns a view that the next call overwrites.
 */
export function engineHvp(
  buf: EngineBuffers,
  data: EngineData,
  v: ArrayLike<number>,
  opts: HvpOptions,
  maxBatch: number,
): RealArray {
  const m = buf.compiled.numParams;
  if (v.length !== m) {
    throw new PacgenError(`direction has length ${v.length}, the network has ${m} parameters`);
  }
  buf.checkFinite(buf.ptr.params, m, 'parameters');
  const vView = buf.view(buf.ptr.v, m);
  vView.set(v);
  buf.checkFinite(buf.ptr.v, m, 'direction');
  const { idx, start, count } = data.select(opts.samples);
  const step = opts.step ?? hvpStep(buf.precision, vView, buf.params);
  if (!(step > 0) || !Number.isFinite(step))
    throw new PacgenError(`HVP step must be > 0, got ${step}`);
  if (opts.gaussNewton) configureGaussNewton(buf, maxBatch);
  const ex = buf.ex;
  (opts.gaussNewton ? ex.gaussNewtonVector.bind(ex) : ex.hvp.bind(ex))(
    buf.ptr.params,
    buf.ptr.v,
    step,
    buf.ptr.out,
    opts.richardson ? 1 : 0,
    idx,
    start,
    count,
    1 / count,
  );
  if (opts.kinks) opts.kinks.crossings = buf.ex.lastKinkCrossings();
  return buf.view(buf.ptr.out, m);
}
