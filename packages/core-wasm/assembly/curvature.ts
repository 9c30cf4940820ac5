// The diagonal-curvature drivers (docs/method.md §5): the exact diagonal of the generalized
// Gauss-Newton matrix (one backward pass per column of the output Hessian's factor, with
// per-sample squared weight gradients) and HesScale's approximation of the Hessian diagonal
// (one extra backward pass that carries the pre-activation Hessian diagonal). Both are of the
// mean loss at params over a selection of the data set, in eval mode (dropout off, batch norm
// refused by the caller), for networks without tied weights.

import * as C from './context';
import * as N from './network';
import { get, set } from './vector';
import { fill } from './blas';
import { lossForward } from './loss';
import { copyOrAdd } from './graph-ops';
import { backwardNode, forward, nodeBackward } from './passes';
import { KINKS_OFF } from './kinks';
import {
  E_ACC, E_DELTA, F_ACT, F_DELTA, F_IN, F_OP, F_OUT, F_P0, OP_ACTIVATION, OP_AVGPOOL,
  OP_CONV2D, OP_DENSE, OP_GLOBAL_AVGPOOL, REC_BYTES, edge, field, inputOf,
} from './program';
import {
  activationCurvature, lossFactorRows, lossHessianDiagonal, replicateRows, squareInto,
  squaredRowGradients,
} from './curvature-kernels';

// ---- scratch, set by configureCurvature (byte pointers) ----
let prog2: usize = 0; // the program again, its gradient pointers moved to a second pool (HesScale)
let sqA: usize = 0; // maxBatch × widest node: squared inputs
let sqD: usize = 0; // the same: squared gradients (GGN)
let kernelG: usize = 0; // one kernel: a row's conv kernel gradient (GGN)
let repX: usize = 0; // maxBatch × inSize: the replicated inputs (GGN)
let dxTmp2: usize = 0; // the added-to input scratch of the HesScale pass
let probs: usize = 0; // outSize reals

export function configureCurvature(
  program2: usize, a: usize, d: usize, g: usize, rep: usize, tmp2: usize, p: usize,
): void {
  prog2 = program2; sqA = a; sqD = d; kernelG = g; repX = rep; dxTmp2 = tmp2; probs = p;
}

/**
 * out = the diagonal of the GGN of the mean loss, (1/n) Σ_n Σ_c (J_nᵀ s_{n,c})², s_{n,c} the
 * columns of a factor of sample n's output Hessian. Chunks of maxBatch / O samples are
 * replicated O times so that each row carries one column; each dense or conv node adds its
 * rows' squared weight gradients. Cost: O forward and backward passes over the samples, plus
 * one per-sample kernel-gradient GEMM per conv node.
 */
export function ggnDiagonal(params: usize, out: usize, idx: usize, start: i32, count: i32, scale: Real): void {
  C.training = false;
  C.kinkMode = KINKS_OFF;
  fill(out, 0, N.numParams);
  const K = N.outSize;
  const per = N.maxBatch / K;
  const last = C.rec(C.nLayers - 1);
  for (let c = 0; c < count; c += per) {
    const B = min(per, count - c);
    const x = N.loadChunk(idx, start, c, B);
    replicateRows(x, B, K, N.inSize, repX);
    const rows = B * K;
    forward(repX, rows, params);
    lossFactorRows(N.lossKind, <usize>field(last, F_ACT), B, K, <usize>field(last, F_DELTA), probs);
    for (let l = C.nLayers - 1; l >= 0; l--) {
      const r = C.rec(l);
      squaredRowGradients(r, inputOf(r, 0, repX), rows, out, sqA, sqD, kernelG, C.colBuf);
      backwardNode(r, repX, rows, params, N.gradTmp1, C.dxTmp);
    }
  }
  scaleInPlace(out, scale, N.numParams);
}

/**
 * out = HesScale's Hessian diagonal of the mean loss: per sample, the exact diagonal of the
 * output Hessian at the last node, carried back by D_in = (W²)ᵀ D through dense and conv nodes
 * (whose weights get Σ a² D), σ'² D + σ'' g through activations, and as the gradient moves
 * through pooling, flatten and junctions (squared averaging weights). Cost: one forward and
 * two backward passes over the samples (about 1.7 gradient evaluations).
 */
export function hesscaleDiagonal(params: usize, out: usize, idx: usize, start: i32, count: i32, scale: Real): void {
  C.training = false;
  C.kinkMode = KINKS_OFF;
  fill(out, 0, N.numParams);
  const wsq = N.paramsTmp;
  squareInto(wsq, params, N.numParams);
  const last = C.rec(C.nLayers - 1);
  const lastOut = <usize>field(last, F_ACT);
  for (let c = 0; c < count; c += N.maxBatch) {
    const B = min(N.maxBatch, count - c);
    const x = N.loadChunk(idx, start, c, B);
    forward(x, B, params);
    lossForward(N.lossKind, lastOut, B, N.outSize, N.chunkY, <usize>field(last, F_DELTA), 1);
    lossHessianDiagonal(N.lossKind, lastOut, B, N.outSize, <usize>field(rec2(C.nLayers - 1), F_DELTA), probs);
    for (let l = C.nLayers - 1; l >= 0; l--) {
      const r = C.rec(l);
      hesscaleNode(r, rec2(l), x, B, wsq, out);
      backwardNode(r, x, B, params, N.gradTmp1, C.dxTmp);
    }
  }
  scaleInPlace(out, scale, N.numParams);
}

@inline function rec2(l: i32): usize {
  return prog2 + <usize>l * REC_BYTES;
}

/** One node's HesScale step: its D (in the second pool, record r2) to its inputs' D. */
function hesscaleNode(r: usize, r2: usize, x: usize, B: i32, wsq: usize, out: usize): void {
  const D = <usize>field(r2, F_DELTA);
  if (!D) return;
  const op = field(r, F_OP);
  if (op != OP_DENSE && op != OP_CONV2D && op != OP_ACTIVATION) {
    // Linear maps without weights move D as they move the gradient, with their coefficients
    // squared: an average over k inputs has coefficient 1/k, so D is scaled by 1/k first.
    if (op == OP_AVGPOOL) scaleInPlace(D, <Real>1 / <Real>(field(r, F_P0 + 3) * field(r, F_P0 + 4)), B * field(r, F_OUT));
    if (op == OP_GLOBAL_AVGPOOL) scaleInPlace(D, <Real>1 / <Real>field(r, F_P0), B * field(r, F_OUT));
    backwardNode(r2, x, B, wsq, out, dxTmp2);
    return;
  }
  const target = <usize>edge(r2, 0, E_DELTA);
  const acc = edge(r2, 0, E_ACC) != 0;
  const dIn = target ? (acc ? dxTmp2 : target) : 0;
  const inp = inputOf(r, 0, x);
  if (op == OP_ACTIVATION) {
    if (dIn) activationCurvature(r, inp, D, dIn, B);
  } else {
    squareInto(sqA, inp, B * field(r, F_IN));
    nodeBackward(op, r2, sqA, B, wsq, out, D, dIn);
  }
  if (acc) copyOrAdd(target, dxTmp2, B * field(r, F_IN), true);
}

function scaleInPlace(v: usize, s: Real, n: i32): void {
  for (let i = 0; i < n; i++) set(v, i, get(v, i) * s);
}

