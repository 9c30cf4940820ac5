// Forward and backward passes over the node records in topological order (the list order).
// The forward pass writes each node's output buffer; the backward pass walks the list in
// reverse, reading each node's complete output gradient (its consumers, processed before it,
// have written or added theirs) and writing or adding its inputs' gradients.

import * as C from './context';
import { SHIFT, at, get, set } from './vector';
import { addBias, gemm, sumRows, transpose } from './blas';
import { activate, activateBackward } from './activations';
import { avgPool, maxPool, maxPoolBackward } from './conv';
import { convBackward, convForward } from './conv-layer';
import { concatSlice, copyOrAdd, globalAvgPool, globalAvgPoolBackward } from './graph-ops';
import { batchNormBackward, batchNormForward, layerNormBackward, layerNormForward } from './norm';
import { KINKS_OFF, argmaxStates, signStates } from './kinks';
import {
  E_ACC, E_CH, E_DELTA, F_ACT, F_AUX, F_B, F_DELTA, F_IN, F_KINKS, F_NIN, F_OP, F_OUT,
  F_P0, F_STATE, F_W, OP_ACTIVATION, OP_ADD, OP_AVGPOOL, OP_BATCHNORM, OP_CONCAT, OP_CONV2D,
  OP_DENSE, OP_DROPOUT, OP_FLATTEN, OP_GLOBAL_AVGPOOL, OP_LAYERNORM, OP_MAXPOOL, edge, field,
  hyper, hyper2, inputOf,
} from './program';

// Counter-based uniform in [0,1): the dropout mask of a sample depends only on (seed, layer,
// sample, unit), so it is the same however the batch is split across chunks or threads.
function hashUniform(s: u32, layer: i32, sample: i32, unit: i32): f64 {
  let h: u64 = (<u64>s << 32) ^ (<u64>(<u32>layer) << 48) ^ (<u64>(<u32>sample) << 20) ^ <u64>(<u32>unit);
  h ^= h >> 33; h *= 0xff51afd7ed558ccd;
  h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return <f64>(h >> 11) * (1.0 / 9007199254740992.0);
}

@inline function ptrAt(w: usize, offset: i32): usize {
  return offset >= 0 ? at(w, offset) : 0;
}

/** Runs every node on a chunk of B samples at x, with expanded weights w. */
export function forward(x: usize, B: i32, w: usize): void {
  for (let l = 0; l < C.nLayers; l++) {
    const r = C.rec(l);
    const op = field(r, F_OP);
    const inp = inputOf(r, 0, x);
    const out = <usize>field(r, F_ACT);
    const n = field(r, F_OUT);
    if (op == OP_DENSE) {
      const I = field(r, F_P0), O = field(r, F_P0 + 1);
      gemm(B, O, I, inp, I, 1, at(w, field(r, F_W)), O, out, O, false);
      if (field(r, F_B) >= 0) addBias(out, at(w, field(r, F_B)), B, O);
    } else if (op == OP_CONV2D) {
      convForward(r, inp, B, w, out);
    } else if (op == OP_MAXPOOL || op == OP_AVGPOOL) {
      const H = field(r, F_P0), W = field(r, F_P0 + 1), Ch = field(r, F_P0 + 2);
      const KH = field(r, F_P0 + 3), KW = field(r, F_P0 + 4);
      const sh = field(r, F_P0 + 6), sw = field(r, F_P0 + 7);
      const OH = field(r, F_P0 + 10), OW = field(r, F_P0 + 11);
      if (op == OP_MAXPOOL) {
        maxPool(inp, B, H, W, Ch, KH, KW, sh, sw, OH, OW, out, <usize>field(r, F_AUX));
        if (C.kinkMode != KINKS_OFF) {
          C.kinkCrossings += argmaxStates(<usize>field(r, F_AUX), B * n, <usize>field(r, F_KINKS), C.kinkMode);
        }
      } else avgPool(inp, B, H, W, Ch, KH, KW, sh, sw, OH, OW, out, false);
    } else if (op == OP_FLATTEN) {
      memory.copy(out, inp, <usize>(B * n) << SHIFT);
    } else if (op == OP_DROPOUT) {
      dropoutForward(l, r, inp, out, B, n);
    } else if (op == OP_ACTIVATION) {
      activate(field(r, F_P0), <Real>hyper(r), inp, out, B * n);
      const states = <usize>field(r, F_KINKS); // set for ReLU and leaky ReLU only
      if (C.kinkMode != KINKS_OFF && states) C.kinkCrossings += signStates(inp, B * n, states, C.kinkMode);
    } else junctionForward(op, r, x, inp, out, B, n, w);
  }
}

function dropoutForward(l: i32, r: usize, inp: usize, out: usize, B: i32, n: i32): void {
  const mask = <usize>field(r, F_AUX);
  const rate = hyper(r);
  const keep = <Real>(1.0 / (1.0 - rate));
  for (let b = 0; b < B; b++) {
    const id = C.sampleId(b);
    for (let j = 0; j < n; j++) {
      const o = b * n + j;
      const m: Real = C.training ? (hashUniform(C.seed, l, id, j) >= rate ? keep : <Real>0) : <Real>1;
      set(mask, o, m);
      set(out, o, get(inp, o) * m);
    }
  }
}

/** The graph's junctions and normalizations: add, concat, global average pooling, norms. */
function junctionForward(op: i32, r: usize, x: usize, inp: usize, out: usize, B: i32, n: i32, w: usize): void {
  const nin = field(r, F_NIN);
  if (op == OP_ADD) {
    memory.copy(out, inp, <usize>(B * n) << SHIFT);
    for (let k = 1; k < nin; k++) copyOrAdd(out, inputOf(r, k, x), B * n, true);
  } else if (op == OP_CONCAT) {
    const total = field(r, F_P0 + 1), rows = B * field(r, F_P0);
    let c0 = 0;
    for (let k = 0; k < nin; k++) {
      const ch = edge(r, k, E_CH);
      concatSlice(inputOf(r, k, x), out, rows, ch, c0, total, false, false);
      c0 += ch;
    }
  } else if (op == OP_GLOBAL_AVGPOOL) {
    globalAvgPool(inp, B, field(r, F_P0), field(r, F_P0 + 1), out);
  } else if (op == OP_BATCHNORM) {
    const Ch = field(r, F_P0 + 1);
    batchNormForward(inp, B * field(r, F_P0), Ch, ptrAt(w, field(r, F_W)), ptrAt(w, field(r, F_B)),
      at(C.state, field(r, F_STATE)), <usize>field(r, F_AUX), hyper(r), hyper2(r), C.training, out);
  } else if (op == OP_LAYERNORM) {
    layerNormForward(inp, B * field(r, F_P0), field(r, F_P0 + 1), at(w, field(r, F_W)),
      at(w, field(r, F_B)), <usize>field(r, F_AUX), hyper(r), out);
  } else unreachable();
}

/**
 * Backpropagates from the last node's gradient (written by the loss) and adds the weight
 * gradients into gw. Nodes without a gradient buffer (no parameters at or before them) are
 * skipped.
 */
export function backward(x: usize, B: i32, w: usize, gw: usize): void {
  for (let l = C.nLayers - 1; l >= 0; l--) backwardNode(C.rec(l), x, B, w, gw, C.dxTmp);
}

/** Node r's step of `backward` (`tmp`: the scratch for an input gradient that is added to). */
export function backwardNode(r: usize, x: usize, B: i32, w: usize, gw: usize, tmp: usize): void {
  const d = <usize>field(r, F_DELTA);
  if (!d) return;
  const op = field(r, F_OP);
  if (op == OP_ADD || op == OP_CONCAT) {
    junctionBackward(op, r, B, d);
    return;
  }
  // A single-input node writes its input's gradient in place, or into the scratch and adds.
  const target = <usize>edge(r, 0, E_DELTA);
  const acc = edge(r, 0, E_ACC) != 0;
  const dx = target ? (acc ? tmp : target) : 0;
  nodeBackward(op, r, inputOf(r, 0, x), B, w, gw, d, dx);
  if (acc) copyOrAdd(target, tmp, B * field(r, F_IN), true);
}

/** One single-input node's backward: weight gradients into gw, the input gradient into dx (if non-zero). */
export function nodeBackward(op: i32, r: usize, inp: usize, B: i32, w: usize, gw: usize, d: usize, dx: usize): void {
  const out = <usize>field(r, F_ACT);
  const n = field(r, F_OUT);
  if (op == OP_DENSE) {
    const I = field(r, F_P0), O = field(r, F_P0 + 1);
    const wo = field(r, F_W);
    gemm(I, O, B, inp, 1, I, d, O, at(gw, wo), O, true);
    if (field(r, F_B) >= 0) sumRows(d, B, O, at(gw, field(r, F_B)));
    if (dx) {
      transpose(at(w, wo), I, O, C.scratchT);
      gemm(B, I, O, d, O, 1, C.scratchT, I, dx, I, false);
    }
  } else if (op == OP_CONV2D) {
    convBackward(r, inp, B, w, gw, d, dx);
  } else if (!dx) {
    // The remaining kinds have no weights except the norms.
    if (op == OP_BATCHNORM || op == OP_LAYERNORM) normBackward(op, r, inp, B, w, gw, d, 0);
  } else if (op == OP_MAXPOOL) {
    maxPoolBackward(d, B, field(r, F_IN), n, <usize>field(r, F_AUX), dx);
  } else if (op == OP_AVGPOOL) {
    avgPool(dx, B, field(r, F_P0), field(r, F_P0 + 1), field(r, F_P0 + 2), field(r, F_P0 + 3),
      field(r, F_P0 + 4), field(r, F_P0 + 6), field(r, F_P0 + 7), field(r, F_P0 + 10),
      field(r, F_P0 + 11), d, true);
  } else if (op == OP_FLATTEN) {
    memory.copy(dx, d, <usize>(B * n) << SHIFT);
  } else if (op == OP_DROPOUT) {
    const mask = <usize>field(r, F_AUX);
    for (let i = 0; i < B * n; i++) set(dx, i, get(d, i) * get(mask, i));
  } else if (op == OP_ACTIVATION) {
    activateBackward(field(r, F_P0), <Real>hyper(r), inp, out, d, dx, B * n);
  } else if (op == OP_GLOBAL_AVGPOOL) {
    globalAvgPoolBackward(d, B, field(r, F_P0), field(r, F_P0 + 1), dx, false);
  } else normBackward(op, r, inp, B, w, gw, d, dx);
}

function normBackward(op: i32, r: usize, inp: usize, B: i32, w: usize, gw: usize, d: usize, dx: usize): void {
  const M = B * field(r, F_P0), Ch = field(r, F_P0 + 1);
  const aux = <usize>field(r, F_AUX);
  if (op == OP_BATCHNORM) {
    batchNormBackward(inp, d, M, Ch, ptrAt(w, field(r, F_W)), ptrAt(gw, field(r, F_W)),
      ptrAt(gw, field(r, F_B)), aux, C.training, dx, false);
  } else if (op == OP_LAYERNORM) {
    layerNormBackward(inp, d, M, Ch, at(w, field(r, F_W)), at(gw, field(r, F_W)),
      at(gw, field(r, F_B)), aux, dx, false);
  } else unreachable();
}

/** Add and concat pass their gradient to every input that needs one. */
function junctionBackward(op: i32, r: usize, B: i32, d: usize): void {
  const nin = field(r, F_NIN);
  const n = field(r, F_OUT);
  let c0 = 0;
  for (let k = 0; k < nin; k++) {
    const target = <usize>edge(r, k, E_DELTA);
    const acc = edge(r, k, E_ACC) != 0;
    const ch = edge(r, k, E_CH);
    if (target && op == OP_ADD) copyOrAdd(target, d, B * n, acc);
    else if (target) {
      concatSlice(target, d, B * field(r, F_P0), ch, c0, field(r, F_P0 + 1), true, acc);
    }
    c0 += ch;
  }
}
