// Losses on the network's final output. Softmax and sigmoid are fused into their losses
// (the compiler strips a trailing softmax/sigmoid layer), which keeps them finite.

import { get, set } from './vector';
import { LOSS_MSE, LOSS_SIGMOID_BCE, LOSS_SOFTMAX_CE } from './program';
import { sigmoid, softplus } from './activations';

/** Correct predictions in the last call (fractional for multi-output BCE). */
export let lastCorrect: f64 = 0;

/**
 * Sum over the B samples of the per-sample loss; when `delta` is non-zero writes
 * dLoss/dz · scale there. Targets: i32 class labels (softmax CE) or Reals (B×O).
 */
export function lossForward(
  kind: i32, z: usize, B: i32, O: i32, targets: usize, delta: usize, scale: Real,
): f64 {
  let total: f64 = 0;
  let correct: f64 = 0;
  for (let b = 0; b < B; b++) {
    const row = b * O;
    if (kind == LOSS_SOFTMAX_CE) {
      const y = load<i32>(targets + (<usize>b << 2));
      let m = get(z, row);
      let arg = 0;
      for (let o = 1; o < O; o++) {
        const v = get(z, row + o);
        if (v > m) { m = v; arg = o; }
      }
      let s: f64 = 0;
      for (let o = 0; o < O; o++) s += Math.exp(<f64>(get(z, row + o) - m));
      const logS = Math.log(s);
      total += logS - <f64>(get(z, row + y) - m);
      if (arg == y) correct += 1;
      if (delta) {
        for (let o = 0; o < O; o++) {
          const p = <Real>(Math.exp(<f64>(get(z, row + o) - m)) / s);
          set(delta, row + o, (p - (o == y ? <Real>1 : <Real>0)) * scale);
        }
      }
    } else if (kind == LOSS_SIGMOID_BCE) {
      for (let o = 0; o < O; o++) {
        const v = get(z, row + o);
        const t = get(targets, row + o);
        total += <f64>(softplus(v) - t * v);
        if ((v > 0) == (t > <Real>0.5)) correct += 1.0 / <f64>O;
        if (delta) set(delta, row + o, (sigmoid(v) - t) * scale);
      }
    } else if (kind == LOSS_MSE) {
      let s: f64 = 0;
      for (let o = 0; o < O; o++) {
        const r = get(z, row + o) - get(targets, row + o);
        s += <f64>(r * r);
        if (delta) set(delta, row + o, (<Real>2 * r / <Real>O) * scale);
      }
      total += s / <f64>O;
    } else unreachable();
  }
  lastCorrect = correct;
  return total;
}
