// The current minibatch loss as an Objective, from a gradient oracle, so the curvature estimators
// of src/hessian can run inside an optimizer step.

import { hvpStep, PacgenError } from '@pacgen/core-wasm';
import type { HvpRequest, Objective } from '../objective/objective.js';
import { runProgram, type StepProgram } from './step-program.js';
import type { GradientOracle } from './types.js';

/**
 * Finite-difference Hessian-vector product of the oracle's loss at w: central difference
 * (g(w + t·v) − g(w − t·v))/(2t), or Richardson (8·D(t) − D(2t))/(12t) with D(s) = g(w+sv) − g(w−sv).
 * `t` defaults to core-wasm's `hvpStep(precision, v, w)` (docs/method.md §5).
 * Cost: 2 gradient evaluations (4 with Richardson).
 */
export async function oracleHvp(
  gradAt: GradientOracle,
  w: ArrayLike<number>,
  v: ArrayLike<number>,
  precision: 'f32' | 'f64',
  request: HvpRequest = {},
): Promise<Float64Array> {
  return runProgram(hvpProgram(w, v, precision, request), gradAt);
}

/** {@link oracleHvp} as a step program (the points it needs the gradient at). Cost: the same. */
export function* hvpProgram(
  w: ArrayLike<number>,
  v: ArrayLike<number>,
  precision: 'f32' | 'f64',
  request: HvpRequest = {},
): StepProgram<Float64Array> {
  const m = w.length;
  let vmax = 0;
  for (let i = 0; i < m; i++) vmax = Math.max(vmax, Math.abs(v[i]));
  if (vmax === 0) return new Float64Array(m);
  const t = request.step ?? hvpStep(precision, v, w);
  if (!(t > 0) || !Number.isFinite(t)) throw new PacgenError(`HVP step must be > 0, got ${t}`);
  function* diff(s: number): StepProgram<Float64Array> {
    const plus = Float64Array.from(w, (x, i) => x + s * v[i]);
    const minus = Float64Array.from(w, (x, i) => x - s * v[i]);
    const gp = Float64Array.from((yield plus).grad);
    const gm = (yield minus).grad;
    for (let i = 0; i < m; i++) gp[i] -= gm[i];
    return gp;
  }
  const d1 = yield* diff(t);
  if (!request.richardson) return d1.map((x) => x / (2 * t));
  const d2 = yield* diff(2 * t);
  return d1.map((x, i) => (8 * x - d2[i]) / (12 * t));
}

/**
 * An Objective over whatever the oracle evaluates (the current minibatch, with its dropout mask
 * when training). `loss` costs a gradient evaluation here (the oracle has no loss-only pass).
 */
export function oracleObjective(
  gradAt: GradientOracle,
  w: ArrayLike<number>,
  options: { precision?: 'f32' | 'f64'; numSamples?: number } = {},
): Objective {
  const m = w.length;
  const w0 = Float64Array.from(w);
  const precision = options.precision ?? 'f64';
  return {
    numParams: m,
    tensors: [{ name: 'params', shape: [m], offset: 0, size: m }],
    numSamples: options.numSamples ?? 1,
    precision,
    params: () => Float64Array.from(w0),
    loss: async (x) => (await gradAt(Float64Array.from(x))).loss,
    async gradient(x) {
      const r = await gradAt(Float64Array.from(x));
      return { loss: r.loss, grad: Float64Array.from(r.grad) };
    },
    hvp: (x, v, request) => oracleHvp(gradAt, x, v, precision, request),
  };
}
