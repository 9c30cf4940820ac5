// The drivers that turn the passes over the node records (passes.ts) into a mean loss, its
// gradient and a finite-difference Hessian-vector product over a data set held in this
// module's memory.

import * as C from './context';
import { SHIFT, get, set } from './vector';
import { fill, lincomb } from './blas';
import { lossForward, lastCorrect } from './loss';
import { KINKS_COMPARE, KINKS_OFF, KINKS_RECORD } from './kinks';
import { F_ACT, F_DELTA, field } from './program';
import { backward, forward } from './passes';

// ---- network state, set once by `configure` (all byte pointers; the pass state is in context.ts) ----
export let maxBatch: i32 = 0;
export let inSize: i32 = 0;
export let outSize: i32 = 0;
export let lossKind: i32 = 0;
export let numParams: i32 = 0; // free parameters
let numWeights: i32 = 0; // expanded weights seen by the layers
let tieMap: usize = 0; // i32[numWeights] → free index, or 0 when weights are the parameters
export let weights: usize = 0; // expanded weights (only used with a tie map)
export let gradW: usize = 0; // expanded weight gradient (only used with a tie map)
export let weights2: usize = 0; // the same at w − t·v (an HVP's two passes alternate chunk by chunk)
let gradW2: usize = 0;
let batchX: usize = 0; // gathered minibatch inputs
let batchY: usize = 0; // gathered minibatch targets
let targetBytes: i32 = 0; // bytes of target per sample
export let paramsTmp: usize = 0; // w + t·v
export let paramsTmp2: usize = 0; // w − t·v
export let gradTmp1: usize = 0;
let gradTmp2: usize = 0;

// ---- the data set ----
let dataX: usize = 0;
let dataY: usize = 0;
let dataN: i32 = 0;

// ---- per-pass state ----
export let chunkY: usize = 0; // targets of the current chunk (set by loadChunk)
/** Samples correct in the last gradient/loss call. */
export let correctCount: f64 = 0;

export function configure(
  program: usize, layers: i32, batch: i32, inputSize: i32, outputSize: i32, loss: i32,
  params: i32, expanded: i32, map: usize, wBuf: usize, gwBuf: usize,
  col: usize, dx: usize, tBuf: usize, bx: usize, by: usize, tBytes: i32,
  pTmp: usize, g1: usize, g2: usize, pTmp2: usize, wBuf2: usize, gwBuf2: usize,
): void {
  C.setScratch(program, layers, tBuf, col, dx);
  maxBatch = batch; inSize = inputSize; outSize = outputSize;
  lossKind = loss; numParams = params; numWeights = expanded; tieMap = map; weights = wBuf;
  gradW = gwBuf; batchX = bx; batchY = by;
  targetBytes = tBytes; paramsTmp = pTmp; gradTmp1 = g1; gradTmp2 = g2;
  paramsTmp2 = pTmp2; weights2 = wBuf2; gradW2 = gwBuf2;
}

export function setData(x: usize, y: usize, n: i32): void {
  dataX = x; dataY = y; dataN = n;
}

/** The weights the layers read: the parameters themselves, or gathered into `dst` through the tie map. */
export function expandWeights(params: usize, dst: usize): usize {
  if (!tieMap) return params;
  for (let j = 0; j < numWeights; j++) {
    set(dst, j, get(params, load<i32>(tieMap + (<usize>j << 2))));
  }
  return dst;
}

/** Where the layers add weight gradients: `grad` itself, or the zeroed expanded buffer `gw`. */
export function gradientTarget(grad: usize, gw: usize): usize {
  if (!tieMap || !grad) return grad;
  fill(gw, 0, numWeights);
  return gw;
}

/** grad[p] += gw[j] for every expanded weight j tied to parameter p (no-op without a tie map). */
export function foldTied(gw: usize, grad: usize): void {
  if (!tieMap || !grad) return;
  for (let j = 0; j < numWeights; j++) {
    const p = load<i32>(tieMap + (<usize>j << 2));
    set(grad, p, get(grad, p) + get(gw, j));
  }
}

/**
 * Points the pass at chunk `c` (B samples) of a selection (indices `idx`, or the range from
 * `start` when idx is 0): an index list is gathered into the staging buffers. Returns the
 * inputs; chunkY holds the targets.
 */
export function loadChunk(idx: usize, start: i32, c: i32, B: i32): usize {
  if (!idx) {
    C.sampleIdx = 0;
    C.sampleStart = start + c;
    chunkY = dataY + <usize>((start + c) * targetBytes);
    return dataX + (<usize>(start + c) * <usize>inSize << SHIFT);
  }
  C.sampleIdx = idx + (<usize>c << 2);
  const inBytes = <usize>inSize << SHIFT;
  for (let b = 0; b < B; b++) {
    const s = load<i32>(C.sampleIdx + (<usize>b << 2));
    memory.copy(batchX + <usize>b * inBytes, dataX + <usize>s * inBytes, inBytes);
    memory.copy(batchY + <usize>(b * targetBytes), dataY + <usize>(s * targetBytes), targetBytes);
  }
  chunkY = batchY;
  return batchX;
}

/** One chunk at expanded weights w: summed loss; with gw non-zero, adds scale × its gradient. */
function chunkPass(x: usize, B: i32, w: usize, gw: usize, scale: Real): f64 {
  forward(x, B, w);
  const last = C.rec(C.nLayers - 1);
  const lastOut = <usize>field(last, F_ACT);
  const loss = lossForward(lossKind, lastOut, B, outSize, chunkY, gw ? <usize>field(last, F_DELTA) : 0, scale);
  if (gw) backward(x, B, w, gw);
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
  C.training = train;
  C.seed = rngSeed;
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
  C.training = false;
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
    C.kinkMode = KINKS_RECORD;
    chunkPass(x, B, wPlus, gPlus, scale);
    C.kinkMode = KINKS_COMPARE;
    chunkPass(x, B, wMinus, gMinus, scale);
  }
  C.kinkMode = KINKS_OFF;
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
  C.kinkCrossings = 0;
  centralDifference(params, v, t, out, idx, start, count, scale);
  if (richardson) {
    centralDifference(params, v, t * 2, gradTmp1, idx, start, count, scale);
    lincomb(out, <Real>(4.0 / 3.0), out, <Real>(-1.0 / 3.0), gradTmp1, numParams);
  }
}

/** Raw network outputs (B × outSize, before any fused softmax/sigmoid) for `count` inputs at x. */
export function infer(params: usize, x: usize, count: i32, out: usize): void {
  C.training = false;
  C.sampleIdx = 0;
  C.sampleStart = 0;
  const w = expandWeights(params, weights);
  const lastOut = <usize>field(C.rec(C.nLayers - 1), F_ACT);
  for (let c = 0; c < count; c += maxBatch) {
    const B = min(maxBatch, count - c);
    forward(x + (<usize>c * <usize>inSize << SHIFT), B, w);
    memory.copy(out + (<usize>c * <usize>outSize << SHIFT), lastOut, <usize>(B * outSize) << SHIFT);
  }
}
