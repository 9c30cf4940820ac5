// Shared types of the optimizers: optax-style gradient transformations over flat vectors, and
// optimizers that step with a gradient oracle (needed by the wrappers that evaluate gradients
// at points other than w: perturbedOPT, SAM, ASAM).

import type { StepProgram } from './step-program.js';

/** A flat parameter-sized vector (parameter units or gradient units, per context). */
export type Vector = Float64Array | Float32Array;

/**
 * A small composable step of an optimizer (optax's `GradientTransformation`): `init` builds the
 * state (only what is really carried, e.g. moments), `update` maps incoming updates (at first the
 * gradient) to outgoing ones. Purely functional: `update` never modifies its inputs and returns
 * fresh arrays, so a state may be kept, copied or checkpointed freely. States are plain objects
 * of numbers and Float64Arrays (serialisable by the checkpoint code).
 *
 * Cost: O(m) arithmetic per update, no gradient evaluations.
 */
export interface GradientTransformation<S = unknown> {
  /** Short description for logs, e.g. 'sgd(lr=0.1, momentum=0.9)'. */
  readonly name: string;
  init(params: ArrayLike<number>): S;
  /** `params` is needed by transformations that read w (weight decay, ASAM); others ignore it. */
  update(updates: ArrayLike<number>, state: S, params?: ArrayLike<number>): TransformResult<S>;
}

export interface TransformResult<S> {
  /** Updates to add to the parameters: w ← w + updates (parameter units, after the last step). */
  updates: Float64Array;
  state: S;
}

/** Loss (and gradient) of the current minibatch at one point, as the oracle returns them. */
export interface GradientSample {
  /** Mean minibatch loss at the point (loss units). */
  loss: number;
  /**
   * ∇ of the mean minibatch loss at the point. May be a view that the next oracle call
   * overwrites: copy it before calling the oracle again.
   */
  grad: ArrayLike<number>;
  /** Fraction correct on the minibatch (NaN when not a classifier). */
  accuracy?: number;
}

/**
 * Gradient of the CURRENT minibatch loss at any point w (same samples and, with dropout, the same
 * mask for every call within one step). Cost: 1 gradient evaluation per call.
 */
export type GradientOracle = (w: Float64Array) => GradientSample | Promise<GradientSample>;

/** What the caller knows about the problem; optional hints for defaults. */
export interface StepContext {
  /** Arithmetic of the oracle: sets default finite-difference steps (default 'f64'). */
  precision?: 'f32' | 'f64';
  /** Training-set size n (for the bound-based noise scale of perturbedOPT). */
  trainSamples?: number;
  /** Samples in the current minibatch. */
  batchSize?: number;
}

export interface StepResult<S> {
  /** Updates to add to w (parameter units). */
  updates: Float64Array;
  state: S;
  /** Minibatch loss at the point of the optimizer's first gradient (w, or w + u for perturbedOPT). */
  loss: number;
  /** Minibatch accuracy at the same point (NaN when unknown). */
  accuracy: number;
  /** Gradient evaluations this step spent. */
  gradientEvaluations: number;
  /** Numbers describing this step for logs (e.g. perturbedOPT's σ statistics), on demand. */
  diagnostics?(): Record<string, number>;
}

/**
 * An optimizer that owns its gradient evaluations: `step` asks the oracle for gradients at the
 * points it needs and returns updates for w (it does not modify w). Plain transformations become
 * one with {@link fromTransformation} (1 gradient a step).
 */
export interface Optimizer<S = unknown> {
  readonly name: string;
  /** Average gradient evaluations per step (on the minibatch). */
  readonly gradientsPerStep: number;
  init(params: ArrayLike<number>): S;
  step(
    params: Float64Array,
    state: S,
    gradAt: GradientOracle,
    context?: StepContext,
  ): Promise<StepResult<S>>;
  /**
   * The same step as a program that yields each point whose gradient it needs (run it with
   * runProgramSync under a synchronous oracle, e.g. inside TF.js's `minimize`). Absent, or
   * throwing, where a step needs more than gradients (perturbedOPT's estimated ρ̂).
   */
  program?(params: Float64Array, state: S, context?: StepContext): StepProgram<StepResult<S>>;
}

/** A learning rate (or any scalar) as a function of the step count (0 for the first update). */
export type Schedule = (count: number) => number;

/** A scalar hyperparameter: fixed, or scheduled over the step count. */
export type ScalarOrSchedule = number | Schedule;

/** True for an {@link Optimizer} (has `step`), false for a {@link GradientTransformation}. */
export function isOptimizer(
  x: Optimizer<unknown> | GradientTransformation<unknown>,
): x is Optimizer<unknown> {
  return typeof (x as Optimizer<unknown>).step === 'function';
}
