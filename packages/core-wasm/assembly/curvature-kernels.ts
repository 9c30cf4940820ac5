// The per-node pieces of the two diagonal-curvature passes (curvature.ts, docs/method.md §5):
// the squared per-sample weight gradients of the generalized Gauss-Newton diagonal, and
// HesScale's backward recursion of the pre-activation Hessian diagonal. The loss's pieces (the
// factor of the output Hessian and its diagonal) are here too.

import { SHIFT, at, get, set } from './vector';
import { gemm, sumRows } from './blas';
import { activateBackward, sigmoid } from './activations';
import { im2col } from './conv';
import {
  ACT_GELU, ACT_SIGMOID, ACT_SOFTPLUS, ACT_TANH, F_ACT, F_B, F_DELTA, F_OP, F_OUT, F_P0,
  F_W, LOSS_MSE, LOSS_SIGMOID_BCE, LOSS_SOFTMAX_CE, OP_CONV2D, OP_DENSE, field, hyper,
} from './program';

const GELU_C: f64 = 0.7978845608028654;
const GELU_A: f64 = 0.044715;

/** dst[i] = src[i]² for i < n. */
export function squareInto(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = get(src, i);
    set(dst, i, v * v);
  }
}

/** dst[i] += src[i]² for i < n. */
function addSquares(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = get(src, i);
    set(dst, i, get(dst, i) + v * v);
  }
}

/** x (B rows of n) repeated K times each into dst (B·K rows): row b·K + c is x's row b. */
export function replicateRows(x: usize, B: i32, K: i32, n: i32, dst: usize): void {
  const bytes = <usize>n << SHIFT;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < K; c++) memory.copy(dst + <usize>(b * K + c) * bytes, x + <usize>b * bytes, bytes);
  }
}

/** Softmax of row `row` of z (O classes) into p (f64 sums, stable for any logits). */
function softmaxRow(z: usize, row: i32, O: i32, p: usize): void {
  let m = get(z, row);
  for (let o = 1; o < O; o++) m = max(m, get(z, row + o));
  let s: f64 = 0;
  for (let o = 0; o < O; o++) s += Math.exp(<f64>(get(z, row + o) - m));
  for (let o = 0; o < O; o++) set(p, o, <Real>(Math.exp(<f64>(get(z, row + o) - m)) / s));
}

/**
 * The K = O columns of a factor S of each sample's output Hessian (S Sᵀ = ∂²loss/∂z²), written
 * as the gradient rows of the replicated chunk: row b·O + c holds column c of sample b's factor.
 * Softmax CE: S = diag(√p) − p √pᵀ; sigmoid BCE: diag(√(σ(1 − σ))); mse (mean over O): √(2/O)·I.
 * `p` is a scratch of O reals. The logits z have the same replicated rows.
 */
export function lossFactorRows(kind: i32, z: usize, B: i32, O: i32, delta: usize, p: usize): void {
  for (let b = 0; b < B; b++) {
    const base = b * O * O;
    if (kind == LOSS_SOFTMAX_CE) softmaxRow(z, base, O, p);
    for (let c = 0; c < O; c++) {
      const row = base + c * O;
      for (let o = 0; o < O; o++) {
        let v: Real = 0;
        if (kind == LOSS_SOFTMAX_CE) {
          const sc = <Real>Math.sqrt(get(p, c));
          v = sc * ((o == c ? <Real>1 : <Real>0) - get(p, o));
        } else if (o == c) {
          if (kind == LOSS_SIGMOID_BCE) {
            const s = sigmoid(get(z, row + o));
            v = <Real>Math.sqrt(s * (<Real>1 - s));
          } else if (kind == LOSS_MSE) v = <Real>Math.sqrt(2.0 / <f64>O);
          else unreachable();
        }
        set(delta, row + o, v);
      }
    }
  }
}

/** D (B × O) = the diagonal of each sample's output Hessian ∂²loss/∂z² (`p`: O reals scratch). */
export function lossHessianDiagonal(kind: i32, z: usize, B: i32, O: i32, D: usize, p: usize): void {
  for (let b = 0; b < B; b++) {
    const row = b * O;
    if (kind == LOSS_SOFTMAX_CE) softmaxRow(z, row, O, p);
    for (let o = 0; o < O; o++) {
      let v: Real = 0;
      if (kind == LOSS_SOFTMAX_CE) v = get(p, o) * (<Real>1 - get(p, o));
      else if (kind == LOSS_SIGMOID_BCE) {
        const s = sigmoid(get(z, row + o));
        v = s * (<Real>1 - s);
      } else if (kind == LOSS_MSE) v = <Real>(2.0 / <f64>O);
      else unreachable();
      set(D, row + o, v);
    }
  }
}

/**
 * delta = scale · (∂²loss/∂z²) u, row by row: the output Hessian of each sample times its row
 * of u (B × O). Softmax CE: p ⊙ u − p (pᵀu); sigmoid BCE: σ(1 − σ) ⊙ u; mse (mean over O):
 * (2/O) u. `p` is a scratch of O reals. delta may not alias u.
 */
export function lossHessianVector(
  kind: i32, z: usize, u: usize, B: i32, O: i32, delta: usize, p: usize, scale: Real,
): void {
  for (let b = 0; b < B; b++) {
    const row = b * O;
    let pu: Real = 0;
    if (kind == LOSS_SOFTMAX_CE) {
      softmaxRow(z, row, O, p);
      for (let o = 0; o < O; o++) pu += get(p, o) * get(u, row + o);
    }
    for (let o = 0; o < O; o++) {
      const x = get(u, row + o);
      let v: Real = 0;
      if (kind == LOSS_SOFTMAX_CE) v = get(p, o) * (x - pu);
      else if (kind == LOSS_SIGMOID_BCE) {
        const s = sigmoid(get(z, row + o));
        v = s * (<Real>1 - s) * x;
      } else if (kind == LOSS_MSE) v = <Real>(2.0 / <f64>O) * x;
      else unreachable();
      set(delta, row + o, v * scale);
    }
  }
}

/**
 * Adds Σ_rows of the squared per-row weight gradients of a dense or conv node into out, each
 * row of the chunk being one (sample, factor column) pair. Dense: (a²)ᵀ(δ²) (one row's
 * gradient is the outer product a δᵀ); conv: one row's kernel gradient colsᵀ·δ is formed
 * (one im2col and GEMM per row and group) before squaring. Scratch: sqA, sqD (rows × width),
 * g (one kernel).
 */
export function squaredRowGradients(
  r: usize, inp: usize, rows: i32, out: usize, sqA: usize, sqD: usize, g: usize, col: usize,
): void {
  const op = field(r, F_OP);
  const d = <usize>field(r, F_DELTA);
  if (!d) return;
  if (op == OP_DENSE) {
    const I = field(r, F_P0), O = field(r, F_P0 + 1);
    squareInto(sqA, inp, rows * I);
    squareInto(sqD, d, rows * O);
    gemm(I, O, rows, sqA, 1, I, sqD, O, at(out, field(r, F_W)), O, true);
    if (field(r, F_B) >= 0) sumRows(sqD, rows, O, at(out, field(r, F_B)));
  } else if (op == OP_CONV2D) {
    convRowSquares(r, inp, rows, d, out, g, col);
  }
}

// Conv record fields (F_P0 + i): H, W, C, KH, KW, CO, sh, sw, pt, pl, OH, OW, G.
@inline function cp(r: usize, i: i32): i32 {
  return field(r, F_P0 + i);
}

function convRowSquares(r: usize, x: usize, rows: i32, d: usize, out: usize, g: usize, col: usize): void {
  const H = cp(r, 0), W = cp(r, 1), Cin = cp(r, 2), KH = cp(r, 3), KW = cp(r, 4), CO = cp(r, 5);
  const OH = cp(r, 10), OW = cp(r, 11), G = cp(r, 12);
  const Cg = Cin / G, COg = CO / G, K = KH * KW * Cg, P = OH * OW;
  const wo = field(r, F_W), bo = field(r, F_B);
  for (let v = 0; v < rows; v++) {
    const xv = at(x, v * H * W * Cin);
    const dv = at(d, v * P * CO);
    for (let k = 0; k < G; k++) {
      im2col(xv, 0, P, H, W, Cin, k * Cg, Cg, KH, KW, cp(r, 6), cp(r, 7), cp(r, 8), cp(r, 9), OH, OW, col);
      gemm(K, COg, P, col, 1, K, at(dv, k * COg), CO, g, COg, false);
      for (let kk = 0; kk < K; kk++) addSquares(at(out, wo + kk * CO + k * COg), at(g, kk * COg), COg);
    }
    if (bo >= 0) {
      memory.fill(g, 0, <usize>CO << SHIFT);
      sumRows(dv, P, CO, g);
      addSquares(at(out, bo), g, CO);
    }
  }
}

/** σ''(x) for the smooth activations (0 for linear and the piecewise-linear ones); y = σ(x). */
@inline function secondDerivative(kind: i32, x: Real, y: Real): Real {
  if (kind == ACT_SIGMOID) return y * (<Real>1 - y) * (<Real>1 - <Real>2 * y);
  if (kind == ACT_TANH) return <Real>-2 * y * (<Real>1 - y * y);
  if (kind == ACT_SOFTPLUS) {
    const s = sigmoid(x);
    return s * (<Real>1 - s);
  }
  if (kind == ACT_GELU) {
    const v = <f64>x;
    const du = GELU_C * (1 + 3 * GELU_A * v * v);
    const t = Math.tanh(GELU_C * (v + GELU_A * v * v * v));
    return <Real>((1 - t * t) * (du - v * t * du * du + 3 * GELU_A * GELU_C * v * v));
  }
  return 0;
}

/**
 * HesScale through an activation node r: dIn = σ'(x)² · D + σ''(x) · g, with g the loss's
 * gradient at the node's output (the node's own delta, not yet consumed).
 */
export function activationCurvature(r: usize, inp: usize, D: usize, dIn: usize, B: i32): void {
  const kind = field(r, F_P0);
  const alpha = <Real>hyper(r);
  const out = <usize>field(r, F_ACT);
  const g = <usize>field(r, F_DELTA);
  const n = B * field(r, F_OUT);
  activateBackward(kind, alpha, inp, out, D, dIn, n);
  activateBackward(kind, alpha, inp, out, dIn, dIn, n);
  if (kind != ACT_SIGMOID && kind != ACT_TANH && kind != ACT_SOFTPLUS && kind != ACT_GELU) return;
  for (let i = 0; i < n; i++) {
    set(dIn, i, get(dIn, i) + secondDerivative(kind, get(inp, i), get(out, i)) * get(g, i));
  }
}
