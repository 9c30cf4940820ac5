// The one interface every estimator works on: a mean loss over a fixed data set, as a function
// of a flat parameter vector. Implemented over the core-wasm engine (network.ts beside it) and
// over TensorFlow.js models (tfjs/objective.ts). Methods are async so GPU and multi-threaded
// backends fit.

import type { KinkCount } from '@pacgen/core-wasm';

/** A named block of the parameter vector (a layer's kernel or bias). */
export interface ParameterTensor {
  name: string;
  shape: number[];
  /** First index in the flat parameter vector. */
  offset: number;
  size: number;
}

export interface HvpRequest {
  /** Difference step t along v; the backend's default when omitted. */
  step?: number;
  /** Richardson extrapolation: 4 gradients instead of 2. */
  richardson?: boolean;
  /**
   * When given, a backend that sees its piecewise-linear units (core-wasm) sets `crossings` to
   * the (sample, unit) pairs whose ReLU side or max-pool argmax differs between w ± t·v
   * (docs/method.md §5); others leave it undefined. Wrappers pass the request on as it is.
   */
  kinks?: KinkCount;
}

export interface Objective {
  /** m: number of parameters. */
  readonly numParams: number;
  readonly tensors: readonly ParameterTensor[];
  /** n: number of samples the mean is taken over. */
  readonly numSamples: number;
  /** Arithmetic of the backend; finite-difference steps depend on it. */
  readonly precision: 'f32' | 'f64';
  /** The point being scored (a copy). */
  params(): Float64Array;
  /** Mean loss L̂(w) (deterministic: dropout off). Cost: 1 forward pass. */
  loss(w: ArrayLike<number>): Promise<number>;
  /** ∇L̂(w). Cost: 1 gradient evaluation. */
  gradient(w: ArrayLike<number>): Promise<{ loss: number; grad: Float64Array }>;
  /** ∇²L̂(w)·v by finite differences of gradients. Cost: 2 gradient evaluations (4 with Richardson). */
  hvp(w: ArrayLike<number>, v: ArrayLike<number>, request?: HvpRequest): Promise<Float64Array>;
  /**
   * A curvature diagonal computed by one engine pass (docs/method.md §5): `'ggn'` the exact
   * diagonal of the generalized Gauss-Newton matrix (about O gradient evaluations for O
   * outputs), `'hesscale'` HesScale's Hessian-diagonal approximation (about 2). Only backends
   * with such a pass have it (core-wasm's Network); TF.js objectives do not. Wrappers pass it on.
   * `cost`: the pass's work in gradient-evaluation equivalents.
   */
  diagonalPass?(
    w: ArrayLike<number>,
    kind: DiagonalPassKind,
  ): Promise<{ diagonal: Float64Array; cost: number }>;
  /**
   * The generalized Gauss-Newton product G·v = (1/n) Σ J_nᵀ H_n J_n v at w (docs/method.md §5),
   * J·v by central differences of the network outputs at the request's step (kinks counted as
   * for `hvp`), H_n the loss's output Hessian, Jᵀ one backward pass. Cost: 3 forward and 1
   * backward passes (counted as 2 gradient evaluations; measured 0.92–0.97 of an HVP's time). Only core-wasm objectives
   * have it; wrappers pass it on.
   */
  gaussNewtonProduct?(
    w: ArrayLike<number>,
    v: ArrayLike<number>,
    request?: HvpRequest,
  ): Promise<Float64Array>;
}

/** The curvature diagonals an engine pass computes. */
export type DiagonalPassKind = 'ggn' | 'hesscale';
