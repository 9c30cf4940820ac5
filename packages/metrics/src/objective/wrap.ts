// One way to decorate an Objective (time its calls, let the event loop run first, add fields)
// without writing its members out again in every caller.

import type { Objective } from './objective.js';

/** Which evaluation a wrapped call is. */
export type ObjectiveCall = 'loss' | 'gradient' | 'hvp' | 'diagonal';

/**
 * `obj` with every evaluation run through `around(kind, call)`, which must return what `call()`
 * returns (e.g. after awaiting a turn, or timing it); the other members are `obj`'s. Methods are
 * called on `obj` (a class instance keeps its `this`); an engine diagonal pass and a Gauss-Newton
 * product are kept when `obj` has them. Cost: none beyond `around`.
 */
export function wrapObjective(
  obj: Objective,
  around: <T>(kind: ObjectiveCall, call: () => Promise<T>) => Promise<T> = (_, call) => call(),
): Objective {
  return {
    numParams: obj.numParams,
    tensors: obj.tensors,
    numSamples: obj.numSamples,
    precision: obj.precision,
    params: () => obj.params(),
    loss: (w) => around('loss', () => obj.loss(w)),
    gradient: (w) => around('gradient', () => obj.gradient(w)),
    hvp: (w, v, r) => around('hvp', () => obj.hvp(w, v, r)),
    diagonalPass: obj.diagonalPass && ((w, k) => around('diagonal', () => obj.diagonalPass!(w, k))),
    // A Gauss-Newton product is timed as a Hessian-vector product (the same passes, one fewer
    // backward).
    gaussNewtonProduct:
      obj.gaussNewtonProduct &&
      ((w, v, r) => around('hvp', () => obj.gaussNewtonProduct!(w, v, r))),
  };
}
