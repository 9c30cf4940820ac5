// An optimizer step as a program: a generator that yields each point whose minibatch gradient it
// needs and receives that gradient, so the same step runs under an async oracle (the training
// loop, any Objective) and under a synchronous one (TF.js's model.fit, whose optimizer must step
// inside a synchronous `minimize`).

import { PacgenError } from '@pacgen/core-wasm';
import type { GradientOracle, GradientSample } from './types.js';

/** Yields points w (the caller must not keep them), receives ∇L_B(w), returns the result. */
export type StepProgram<R> = Generator<Float64Array, R, GradientSample>;

/** A synchronous gradient oracle (see GradientOracle). Cost: 1 gradient evaluation per call. */
export type SyncGradientOracle = (w: Float64Array) => GradientSample;

/** Runs a program with an oracle that may be async. Cost: the program's gradient evaluations. */
export async function runProgram<R>(program: StepProgram<R>, gradAt: GradientOracle): Promise<R> {
  let next = program.next();
  while (!next.done) next = program.next(await gradAt(next.value));
  return next.value;
}

/** Runs a program with a synchronous oracle. Cost: the program's gradient evaluations. */
export function runProgramSync<R>(program: StepProgram<R>, gradAt: SyncGradientOracle): R {
  let next = program.next();
  while (!next.done) {
    const r = gradAt(next.value);
    if (typeof (r as unknown as Promise<unknown>)?.then === 'function') {
      throw new PacgenError('a synchronous step needs a synchronous gradient oracle');
    }
    next = program.next(r);
  }
  return next.value;
}

/** A program that needs no gradient and returns `value`. Cost: no gradient evaluations. */
// eslint-disable-next-line require-yield -- an empty program: it finishes without asking.
export function* finished<R>(value: R): StepProgram<R> {
  return value;
}
