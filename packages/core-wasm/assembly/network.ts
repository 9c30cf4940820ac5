// Forward and backward passes over the compiled layer records, and the drivers that turn them
// into a mean loss, its gradient and a finite-difference Hessian-vector product over a data set
// held in this module's memory.

import { SHIFT, at, get, set } from './vector';
import { addBias, fill, gemm, lincomb, sumRows, transpose } from './blas';
import { activate, activateBackward } from './activations';
import { avgPool, col2im, im2col, maxPool, maxPoolBackward } from './conv';
import { lossForward, lastCorrect } from './loss';
import { KINKS_COMPARE, KINKS_OFF, KINKS_RECORD, argmaxStates, signStates } from './kinks';
import {
  F_ACT, F_AUX, F_B, F_IN, F_KINKS, F_OP, F_OUT, F_P0, F_W, OP_ACTIVATION, OP_AVGPOOL, OP_CONV2D,
  OP_DENSE, OP_DROPOUT, OP_FLATTEN, OP_MAXPOOL, REC_BYTES, field, hyper,
} from './program';

// ---- network state, set once by `configure` (all byte pointers) ----
let prog: usize = 0;
let nLayers: i32 = 0;
let maxBatch: i32 = 0;
let inSize: i32 = 0;
let outSize: i32 = 0;
let lossKind: i32 = 0;
let numParams: i32 = 0; // free parameters
let numWeights: i32 = 0; // expanded weights seen by the layers
let tieMap: usize = 0; // i32[numWeights] → free index, or 0 when weights are the parameters
let weights: usize = 0; // expanded weights (only used with a tie map)
let gradW: usize = 0; // expanded weight gradient (only used with a tie map)
let weights2: usize = 0; // the same at w − t·v (an HVP's two passes alternate chunk by chunk)
let gradW2: usize = 0;
let deltaA: usize = 0; // two ping-pong buffers of maxBatch × max layer width
let deltaB: usize = 0;
let scratchT: usize = 0; // transposed weight matrix
let batchX: usize = 0; // gathered minibatch inputs
let batchY: usize = 0; // gathered minibatch targets
let targetBytes: i32 = 0; // bytes of target per sample
let paramsTmp: usize = 0; // w + t·v
let paramsTmp2: usize = 0; // w − t·v
let gradTmp1: usize = 0;
let gradTmp2: usize = 0;

// ---- the data set ----
let dataX: usize = 0;
let dataY: usize = 0;
let dataN: i32 = 0;

// ---- per-pass state ----
let training: bool = false;
let seed: u32 = 0;
let sampleIdx: usize = 0; // i32 indices of the samples in this chunk, or 0 for a contiguous range
let sampleStart: i32 = 0;
let chunkY: usize = 0; // targets of the current chunk (set by loadChunk)
let kinkMode: i32 = KINKS_OFF;
/** Samples correct in the last gradient/loss call. */
export let correctCount: f64 = 0;
/** (sample, unit) kink states that differed between w + t·v and w − t·v in the last hvp call. */
export let kinkCrossings: f64 = 0;

export function configure(
  program: usize, layers: i32, batch: i32, inputSize: i32, outputSize: i32, loss: i32,
  params: i32, expanded: i32, map: usize, wBuf: usize, gwBuf: usize,
  dA: usize, dB: usize, tBuf: usize, bx: usize, by: usize, tBytes: i32,
  pTmp: usize, g1: usize, g2: usize, pTmp2: usize, wBuf2: usize, gwBuf2: usize,
): void {
  prog = program; nLayers = layers; maxBatch = batch; inSize = inputSize; outSize = outputSize;
  lossKind = loss; numParams = params; numWeights = expanded; tieMap = map; weights = wBuf;
  gradW = gwBuf; deltaA = dA; deltaB = dB; scratchT = tBuf; batchX = bx; batchY = by;
  targetBytes = tBytes; paramsTmp = pTmp; gradTmp1 = g1; gradTmp2 = g2;
  paramsTmp2 = pTmp2; weights2 = wBuf2; gradW2 = gwBuf2;
}

export function setData(x: usize, y: usize, n: i32): void {
  dataX = x; dataY = y; dataN = n;
}

/** The weights the layers read: the parameters themselves, or gathered into `dst` through the tie map. */
function expandWeights(params: usize, dst: usize): usize {
  if (!tieMap) return params;
  for (let j = 0; j < numWeights; j++) {
    set(dst, j, get(params, load<i32>(tieMap + (<usize>j << 2))));
  }
  return dst;
}

/** Where the layers add weight gradients: `grad` itself, or the zeroed expanded buffer `gw`. */
function gradientTarget(grad: usize, gw: usize): usize {
  if (!tieMap || !grad) return grad;
  fill(gw, 0, numWeights);
  return gw;
}

/** grad[p] += gw[j] for every expanded weight j tied to parameter p (no-op without a tie map). */
function foldTied(gw: usize, grad: usize): void {
  if (!tieMap || !grad) return;
  for (let j = 0; j < numWeights; j++) {
    const p = load<i32>(tieMap + (<usize>j << 2));
    set(grad, p, get(grad, p) + get(gw, j));
  }
}

@inline function rec(l: i32): usize {
  return prog + <usize>l * REC_BYTES;
}

@inline function layerInput(l: i32, x: usize): usize {
  return l == 0 ? x : <usize>field(rec(l - 1), F_ACT);
}

// Counter-based uniform in [0,1): the dropout mask of a sample depends only on (seed, layer,
// sample, unit), so it is the same however the batch is split across chunks or threads.
function hashUniform(s: u32, layer: i32, sample: i32, unit: i32): f64 {
  let h: u64 = (<u64>s << 32) ^ (<u64>(<u32>layer) << 48) ^ (<u64>(<u32>sample) << 20) ^ <u64>(<u32>unit);
  h ^= h >> 33; h *= 0xff51afd7ed558ccd;
  h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return <f64>(h >> 11) * (1.0 / 9007199254740992.0);
}

@inline function sampleId(b: i32): i32 {
  return sampleIdx ? load<i32>(sampleIdx + (<usize>b << 2)) : sampleStart + b;
}

function forward(x: usize, B: i32, w: usize): void {
  for (let l = 0; l < nLayers; l++) {
    const r = rec(l);
    const op = field(r, F_OP);
    const inp = layerInput(l, x);
    const out = <usize>field(r, F_ACT);
    const n = field(r, F_OUT);
    if (op == OP_DENSE) {
      const I = field(r, F_P0), O = field(r, F_P0 + 1);
      gemm(B, O, I, inp, I, 1, at(w, field(r, F_W)), O, out, O, false);
      if (field(r, F_B) >= 0) addBias(out, at(w, field(r, F_B)), B, O);
    } else if (op == OP_CONV2D) {
      const H = field(r, F_P0), W = field(r, F_P0 + 1), C = field(r, F_P0 + 2);
      const KH = field(r, F_P0 + 3), KW = field(r, F_P0 + 4), CO = field(r, F_P0 + 5);
      const OH = field(r, F_P0 + 10), OW = field(r, F_P0 + 11);
      const col = <usize>field(r, F_AUX);
      im2col(inp, B, H, W, C, KH, KW, field(r, F_P0 + 6), field(r, F_P0 + 7), field(r, F_P0 + 8),
        field(r, F_P0 + 9), OH, OW, col);
      const K = KH * KW * C;
      gemm(B * OH * OW, CO, K, col, K, 1, at(w, field(r, F_W)), CO, out, CO, false);
      if (field(r, F_B) >= 0) addBias(out, at(w, field(r, F_B)), B * OH * OW, CO);
    } else if (op == OP_MAXPOOL || op == OP_AVGPOOL) {
      const H = field(r, F_P0), W = field(r, F_P0 + 1), C = field(r, F_P0 + 2);
      const KH = field(r, F_P0 + 3), KW = field(r, F_P0 + 4);
      const sh = field(r, F_P0 + 6), sw = field(r, F_P0 + 7);
      const OH = field(r, F_P0 + 10), OW = field(r, F_P0 + 11);
      if (op == OP_MAXPOOL) {
        maxPool(inp, B, H, W, C, KH, KW, sh, sw, OH, OW, out, <usize>field(r, F_AUX));
        if (kinkMode != KINKS_OFF) {
          kinkCrossings += argmaxStates(<usize>field(r, F_AUX), B * n, <usize>field(r, F_KINKS), kinkMode);
        }
      } else avgPool(inp, B, H, W, C, KH, KW, sh, sw, OH, OW, out, false);
    } else if (op == OP_FLATTEN) {
      memory.copy(out, inp, <usize>(B * n) << SHIFT);
    } else if (op == OP_DROPOUT) {
      const mask = <usize>field(r, F_AUX);
      const rate = hyper(r);
      const keep = <Real>(1.0 / (1.0 - rate));
      for (let b = 0; b < B; b++) {
        const id = sampleId(b);
        for (let j = 0; j < n; j++) {
          const o = b * n + j;
          const m: Real = training ? (hashUniform(seed, l, id, j) >= rate ? keep : <Real>0) : <Real>1;
          set(mask, o, m);
          set(out, o, get(inp, o) * m);
        }
      }
    } else if (op == OP_ACTIVATION) {
      activate(field(r, F_P0), <Real>hyper(r), inp, out, B * n);
      const states = <usize>field(r, F_KINKS); // set for ReLU and leaky ReLU only
      if (kinkMode != KINKS_OFF && states) kinkCrossings += signStates(inp, B * n, states, kinkMode);
    } else unreachable();
  }
}

/** Backpropagates `delta` (dLoss/dOutput, B × outSize) and adds weight gradients into gw. */
function backward(x: usize, B: i32, w: usize, gw: usize, delta: usize): void {
  let d = delta;
  let spare = d == deltaA ? deltaB : deltaA;
  for (let l = nLayers - 1; l >= 0; l--) {
    const r = rec(l);
    const op = field(r, F_OP);
    const inp = layerInput(l, x);
    const out = <usize>field(r, F_ACT);
    const n = field(r, F_OUT);
    const needInput = l > 0; // no gradient with respect to the data
    const dx = spare;
    if (op == OP_DENSE) {
      const I = field(r, F_P0), O = field(r, F_P0 + 1);
      const wo = field(r, F_W);
      gemm(I, O, B, inp, 1, I, d, O, at(gw, wo), O, true);
      if (field(r, F_B) >= 0) sumRows(d, B, O, at(gw, field(r, F_B)));
      if (needInput) {
        transpose(at(w, wo), I, O, scratchT);
        gemm(B, I, O, d, O, 1, scratchT, I, dx, I, false);
      }
    } else if (op == OP_CONV2D) {
      const H = field(r, F_P0), W = field(r, F_P0 + 1), C = field(r, F_P0 + 2);
      const KH = field(r, F_P0 + 3), KW = field(r, F_P0 + 4), CO = field(r, F_P0 + 5);
      const OH = field(r, F_P0 + 10), OW = field(r, F_P0 + 11);
      const col = <usize>field(r, F_AUX);
      const K = KH * KW * C;
      const P = B * OH * OW;
      const wo = field(r, F_W);
      gemm(K, CO, P, col, 1, K, d, CO, at(gw, wo), CO, true);
      if (field(r, F_B) >= 0) sumRows(d, P, CO, at(gw, field(r, F_B)));
      if (needInput) {
        transpose(at(w, wo), K, CO, scratchT);
        gemm(P, K, CO, d, CO, 1, scratchT, K, col, K, false); // col now holds dcol
        col2im(col, B, H, W, C, KH, KW, field(r, F_P0 + 6), field(r, F_P0 + 7), field(r, F_P0 + 8),
          field(r, F_P0 + 9), OH, OW, dx);
      }
    } else if (op == OP_MAXPOOL) {
      if (needInput) maxPoolBackward(d, B, field(r, F_IN), n, <usize>field(r, F_AUX), dx);
    } else if (op == OP_AVGPOOL) {
      if (needInput) {
        avgPool(dx, B, field(r, F_P0), field(r, F_P0 + 1), field(r, F_P0 + 2), field(r, F_P0 + 3),
          field(r, F_P0 + 4), field(r, F_P0 + 6), field(r, F_P0 + 7), field(r, F_P0 + 10),
          field(r, F_P0 + 11), d, true);
      }
    } else if (op == OP_FLATTEN) {
      if (needInput) memory.copy(dx, d, <usize>(B * n) << SHIFT);
    } else if (op == OP_DROPOUT) {
      if (needInput) {
        const mask = <usize>field(r, F_AUX);
        for (let i = 0; i < B * n; i++) set(dx, i, get(d, i) * get(mask, i));
      }
    } else if (op == OP_ACTIVATION) {
      if (needInput) activateBackward(field(r, F_P0), <Real>hyper(r), inp, out, d, dx, B * n);
    }
    if (!needInput) break;
    spare = d;
    d = dx;
  }
}

/**
 * Points the pass at chunk `c` (B samples) of a selection (indices `idx`, or the range from
 * `start` when idx is 0): an index list is gathered into the staging buffers. Returns the
 * inputs; chunkY holds the targets.
 */
function loadChunk(idx: usize, start: i32, c: i32, B: i32): usize {
  if (!idx) {
    sampleIdx = 0;
    sampleStart = start + c;
    chunkY = dataY + <usize>((start + c) * targetBytes);
    return dataX + (<usize>(start + c) * <usize>inSize << SHIFT);
  }
  sampleIdx = idx + (<usize>c << 2);
  const inBytes = <usize>inSize << SHIFT;
  for (let b = 0; b < B; b++) {
    const s = load<i32>(sampleIdx + (<usize>b << 2));
    memory.copy(batchX + <usize>b * inBytes, dataX + <usize>s * inBytes, inBytes);
    memory.copy(batchY + <usize>(b * targetBytes), dataY + <usize>(s * targetBytes), targetBytes);
  }
  chunkY = batchY;
  return batchX;
}

/** One chunk at expanded weights w: summed loss; with gw non-zero, adds scale × its gradient. */
function chunkPass(x: usize, B: i32, w: usize, gw: usize, scale: Real): f64 {
  forward(x, B, w);
  const lastOut = <usize>field(rec(nLayers - 1), F_ACT);
  const loss = lossForward(lossKind, lastOut, B, outSize, chunkY, gw ? deltaA : 0, scale);
  if (gw) backward(x, B, w, gw, deltaA);
  return loss;
}

/**
 * Loss summed over `count` samples (indices `idx`, or the range from `start` when idx is 0),
 * processed in chunks of at most maxBatch. With `grad` non-zero, adds scale × the summed
 * gradient into grad (numParams scalars). Returns the summed loss; correctCount is set.
 */
export function evaluate(
  params: usize, grad: usize, idx: usize, start: i32, count: i32, scale: Real,
  train: bool, rngSeed: u32,
): f64 {
  training = train;
  seed = rngSeed;
  const w = expandWeights(params, weights);
  const gw = gradientTarget(grad, gradW);
  let total: f64 = 0;
  let correct: f64 = 0;
  for (let c = 0; c < count; c += maxBatch) {
    const B = min(maxBatch, count - c);
    total += chunkPass(loadChunk(idx, start, c, B), B, w, gw, scale);
    correct += lastCorrect;
  }
  foldTied(gw, grad);
  correctCount = correct;
  return total;
}

/**
 * out = (g(w + t·v) − g(w − t·v)) / 2t. The two gradient passes alternate chunk by chunk, so a
 * chunk's inputs are gathered once and its kink states (kinks.ts) are compared while they are
 * still in a chunk-sized buffer; the count is added to kinkCrossings.
 */
function centralDifference(
  params: usize, v: usize, t: Real, out: usize,
  idx: usize, start: i32, count: i32, scale: Real,
): void {
  training = false;
  lincomb(paramsTmp, 1, params, t, v, numParams);
  lincomb(paramsTmp2, 1, params, -t, v, numParams);
  fill(gradTmp1, 0, numParams);
  fill(gradTmp2, 0, numParams);
  const wPlus = expandWeights(paramsTmp, weights);
  const wMinus = expandWeights(paramsTmp2, weights2);
  const gPlus = gradientTarget(gradTmp1, gradW);
  const gMinus = gradientTarget(gradTmp2, gradW2);
  for (let c = 0; c < count; c += maxBatch) {
    const B = min(maxBatch, count - c);
    const x = loadChunk(idx, start, c, B);
    kinkMode = KINKS_RECORD;
    chunkPass(x, B, wPlus, gPlus, scale);
    kinkMode = KINKS_COMPARE;
    chunkPass(x, B, wMinus, gMinus, scale);
  }
  kinkMode = KINKS_OFF;
  foldTied(gPlus, gradTmp1);
  foldTied(gMinus, gradTmp2);
  const inv = <Real>1 / (<Real>2 * t);
  lincomb(out, inv, gradTmp1, -inv, gradTmp2, numParams);
}

/**
 * out = H·v by central differences of the gradient, (g(w+tv) − g(w−tv)) / 2t: 2 gradient
 * passes; with `richardson`, (4·D(t) − D(2t)) / 3: 4 passes, error O(t⁴) instead of O(t²).
 * Scale as in `evaluate` (1/n for the mean loss). Deterministic (dropout off). Sets
 * kinkCrossings (summed over both differences with `richardson`).
 */
export function hvp(
  params: usize, v: usize, t: Real, out: usize, richardson: bool,
  idx: usize, start: i32, count: i32, scale: Real,
): void {
  kinkCrossings = 0;
  centralDifference(params, v, t, out, idx, start, count, scale);
  if (richardson) {
    centralDifference(params, v, t * 2, gradTmp1, idx, start, count, scale);
    lincomb(out, <Real>(4.0 / 3.0), out, <Real>(-1.0 / 3.0), gradTmp1, numParams);
  }
}

/** Raw network outputs (B × outSize, before any fused softmax/sigmoid) for `count` inputs at x. */
export function infer(params: usize, x: usize, count: i32, out: usize): void {
  training = false;
  sampleIdx = 0;
  sampleStart = 0;
  const w = expandWeights(params, weights);
  const lastOut = <usize>field(rec(nLayers - 1), F_ACT);
  for (let c = 0; c < count; c += maxBatch) {
    const B = min(maxBatch, count - c);
    forward(x + (<usize>c * <usize>inSize << SHIFT), B, w);
    memory.copy(out + (<usize>c * <usize>outSize << SHIFT), lastOut, <usize>(B * outSize) << SHIFT);
  }
}
