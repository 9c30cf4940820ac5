// A gradient transformation as an optimizer that evaluates its own gradient (1 per step).

import { checkLength } from '../checks.js';
import type { GradientTransformation, Optimizer } from './types.js';

/**
 * Wraps a transformation: each step takes the gradient at w on the minibatch and transforms it.
 * State: the transformation's. Cost: 1 gradient evaluation per step.
 */
export function fromTransformation<S>(tx: GradientTransformation<S>): Optimizer<S> {
  return {
    name: tx.name,
    gradientsPerStep: 1,
    init: (p) => tx.init(p),
    async step(params, state, gradAt) {
      const r = await gradAt(params);
      checkLength('gradient', r.grad, params.length);
      const { updates, state: next } = tx.update(r.grad, state, params);
      return {
        updates,
        state: next,
        loss: r.loss,
        accuracy: r.accuracy ?? NaN,
        gradientEvaluations: 1,
      };
    },
  };
}
