// A diagonal quadratic L(w) = ½ Σ h_i (w_i − c_i)², its oracle, and a driver loop for optimizers.

import { Random } from '@pacgen/core-wasm';
import type { GradientOracle, Optimizer, StepResult } from '../src/optim/types.js';

export function quadratic(h: number[], c: number[], noise = 0, seed = 0) {
  const rng = new Random(seed);
  const calls: Float64Array[] = [];
  const loss = (w: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < h.length; i++) s += 0.5 * h[i] * (w[i] - c[i]) ** 2;
    return s;
  };
  const oracle: GradientOracle = (w) => {
    calls.push(Float64Array.from(w));
    return {
      loss: loss(w),
      grad: Float64Array.from(h, (hi, i) => hi * (w[i] - c[i]) + noise * rng.normal()),
    };
  };
  return { loss, oracle, calls };
}

/** Runs `steps` optimizer steps from w0; returns the final point and state. */
export async function run<S, R extends StepResult<S> = StepResult<S>>(
  opt: { init(p: ArrayLike<number>): S; step(...a: Parameters<Optimizer<S>['step']>): Promise<R> },
  w0: number[],
  oracle: GradientOracle,
  steps: number,
): Promise<{ w: Float64Array; state: S; evaluations: number; last: R | null }> {
  let w = Float64Array.from(w0);
  let state = opt.init(w);
  let evaluations = 0;
  let last: R | null = null;
  for (let t = 0; t < steps; t++) {
    const r = await opt.step(w, state, oracle);
    w = Float64Array.from(w, (x, i) => x + r.updates[i]);
    state = r.state;
    evaluations += r.gradientEvaluations;
    last = r;
  }
  return { w, state, evaluations, last };
}
