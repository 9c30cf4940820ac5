// A gradient transformation as an optimizer that evaluates its own gradient (1 per step).

import { checkLength } from '../checks.js';
import { runProgram, type StepProgram } from './step-program.js';
import type { GradientTransformation, Optimizer, StepResult } from './types.js';

/**
 * Wraps a transformation: each step takes the gradient at w on the minibatch and transforms it.
 * State: the transformation's. Cost: 1 gradient evaluation per step.
 */
export function fromTransformation<S>(
  tx: GradientTransformation<S>,
): Optimizer<S> & { program(params: Float64Array, state: S): StepProgram<StepResult<S>> } {
  function* program(params: Float64Array, state: S): StepProgram<StepResult<S>> {
    const r = yield params;
    checkLength('gradient', r.grad, params.length);
    const { updates, state: next } = tx.update(r.grad, state, params);
    return {
      updates,
      state: next,
      loss: r.loss,
      accuracy: r.accuracy ?? NaN,
      gradientEvaluations: 1,
    };
  }
  return {
    name: tx.name,
    gradientsPerStep: 1,
    init: (p) => tx.init(p),
    step: (params, state, gradAt) => runProgram(program(params, state), gradAt),
    program,
  };
}
