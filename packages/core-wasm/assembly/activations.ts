// Elementwise activations and their derivatives. Formulas are written to stay finite for any
// input (no exp overflow), because finite-difference curvature probes push weights far.

import { LANES, at, get, set, vmax, vzero } from './vector';
import {
  ACT_GELU, ACT_LEAKY_RELU, ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_SOFTPLUS, ACT_TANH,
} from './program';

// sqrt(2/pi): GELU uses the tanh approximation, so its derivative is exact for what we compute.
const GELU_C: Real = <Real>0.7978845608028654;
const GELU_A: Real = <Real>0.044715;

@inline export function sigmoid(x: Real): Real {
  if (x >= 0) return <Real>1 / (<Real>1 + <Real>Math.exp(-x));
  const e = <Real>Math.exp(x);
  return e / (<Real>1 + e);
}

@inline export function softplus(x: Real): Real {
  return (x > 0 ? x : <Real>0) + <Real>Math.log1p(Math.exp(-Math.abs(x)));
}

function tanhR(x: Real): Real {
  return <Real>Math.tanh(x);
}

/** Lanes where x > 0: all ones, else zeros (the ReLU derivative's test). */
@inline function positiveMask(x: v128): v128 {
  if (sizeof<Real>() == 4) return f32x4.gt(x, vzero());
  return f64x2.gt(x, vzero());
}

export function activate(kind: i32, alpha: Real, x: usize, y: usize, n: i32): void {
  let i = 0;
  // ReLU, the common case, by vectors.
  if (kind == ACT_RELU) {
    for (; i + LANES <= n; i += LANES) v128.store(at(y, i), vmax(v128.load(at(x, i)), vzero()));
  }
  for (; i < n; i++) {
    const v = get(x, i);
    let r: Real = v;
    if (kind == ACT_RELU) r = v > 0 ? v : <Real>0;
    else if (kind == ACT_LEAKY_RELU) r = v > 0 ? v : alpha * v;
    else if (kind == ACT_SIGMOID) r = sigmoid(v);
    else if (kind == ACT_TANH) r = tanhR(v);
    else if (kind == ACT_SOFTPLUS) r = softplus(v);
    else if (kind == ACT_GELU) r = <Real>0.5 * v * (<Real>1 + tanhR(GELU_C * (v + GELU_A * v * v * v)));
    else if (kind != ACT_LINEAR) unreachable();
    set(y, i, r);
  }
}

/** dx[i] = dy[i] · f'(x[i]); y = f(x) is given so sigmoid and tanh reuse it. */
export function activateBackward(kind: i32, alpha: Real, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  if (kind == ACT_RELU) {
    for (; i + LANES <= n; i += LANES) {
      v128.store(at(dx, i), v128.and(v128.load(at(dy, i)), positiveMask(v128.load(at(x, i)))));
    }
  }
  for (; i < n; i++) {
    const v = get(x, i);
    let d: Real = 1;
    if (kind == ACT_RELU) d = v > 0 ? <Real>1 : <Real>0;
    else if (kind == ACT_LEAKY_RELU) d = v > 0 ? <Real>1 : alpha;
    else if (kind == ACT_SIGMOID) { const s = get(y, i); d = s * (<Real>1 - s); }
    else if (kind == ACT_TANH) { const t = get(y, i); d = <Real>1 - t * t; }
    else if (kind == ACT_SOFTPLUS) d = sigmoid(v);
    else if (kind == ACT_GELU) {
      const u = GELU_C * (v + GELU_A * v * v * v);
      const t = tanhR(u);
      d = <Real>0.5 * (<Real>1 + t) + <Real>0.5 * v * (<Real>1 - t * t) * GELU_C * (<Real>1 + <Real>3 * GELU_A * v * v);
    }
    set(dx, i, get(dy, i) * d);
  }
}
