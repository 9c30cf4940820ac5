// The compiled network written into its engine: every buffer a pass needs is allocated once
// (the activation pool, layer scratch, kink states, the shared column and gradient scratch,
// the tie map's expanded weights) and each node becomes a 128-byte record that
// assembly/program.ts reads, with its edges (4 i32 per input).

import { auxCount, kinkStateBytes, LOSS_CODE, type CompiledNetwork } from '../compile/compiled.js';
import { LAYER_RECORD_BYTES } from '../engine-memory.js';
import type { EngineBuffers } from './buffers.js';

/**
 * Allocates the buffers for chunks of `maxBatch` samples, writes the layer records and
 * configures the engine with them. Cost: O(layers) work, `engineMemoryBytes` of memory.
 */
export function writeProgram(buf: EngineBuffers, maxBatch: number): ProgramLayout {
  const c = buf.compiled;
  const ex = buf.ex;
  const B = maxBatch;
  const real = (count: number) => buf.real(count);
  const pool = real(B * c.plan.perSample);
  const inPool = (offset: number) => (offset < 0 ? 0 : pool + B * offset * buf.bytes);
  const layout: ProgramLayout = {
    maxBatch: B,
    act: c.plan.act.map(inPool),
    delta: c.plan.delta.map(inPool),
    aux: c.layers.map((l) =>
      l.aux ? ex.allocate(Math.max(1, auxCount(l, B)) * (l.aux.kind === 'i32' ? 4 : buf.bytes)) : 0,
    ),
    kinks: c.layers.map((l) => (l.kinks ? ex.allocate(kinkStateBytes(l, B)) : 0)),
  };
  const prog = writeRecords(buf, layout, layout.delta);
  // The tie map's expanded weights and gradients, twice: an HVP alternates w ± t·v by chunk.
  const tied = { map: 0, w: 0, gw: 0, w2: 0, gw2: 0 };
  if (c.map) {
    tied.map = ex.allocate(c.map.length * 4);
    new Int32Array(ex.memory.buffer, tied.map, c.map.length).set(c.map);
    tied.w = real(c.numWeights);
    tied.gw = real(c.numWeights);
    tied.w2 = real(c.numWeights);
    tied.gw2 = real(c.numWeights);
  }
  const targetBytes = c.targetIsLabel ? 4 : c.targetSize * buf.bytes;
  ex.configure(
    prog,
    c.layers.length,
    B,
    c.inputSize,
    c.outputSize,
    LOSS_CODE[c.loss],
    c.numParams,
    c.numWeights,
    tied.map,
    tied.w,
    tied.gw,
    real(B * c.maxColumns),
    real(B * c.maxWidth),
    real(c.maxMatrix),
    real(B * c.inputSize),
    ex.allocate(B * targetBytes),
    targetBytes,
    real(c.numParams),
    real(c.numParams),
    real(c.numParams),
    real(c.numParams),
    tied.w2,
    tied.gw2,
  );
  return layout;
}

/** Where the buffers of a written program are: per node, its output, gradient, aux and kink states. */
export interface ProgramLayout {
  maxBatch: number;
  act: number[];
  delta: number[];
  aux: number[];
  kinks: number[];
}

/**
 * Writes the node records (and their edges) with the given gradient pointers; returns the
 * records' pointer. The curvature passes write a second copy whose gradients sit in a second
 * pool. O(layers).
 */
export function writeRecords(buf: EngineBuffers, layout: ProgramLayout, delta: number[]): number {
  const c = buf.compiled;
  const ex = buf.ex;
  const prog = ex.allocate(c.layers.length * LAYER_RECORD_BYTES);
  const edgePtrs = writeEdges(buf, layout.act, delta);
  const rec = new Int32Array(ex.memory.buffer, prog, (c.layers.length * LAYER_RECORD_BYTES) / 4);
  const hyper = new Float64Array(
    ex.memory.buffer,
    prog,
    (c.layers.length * LAYER_RECORD_BYTES) / 8,
  );
  c.layers.forEach((l, i) => {
    const base = (i * LAYER_RECORD_BYTES) / 4;
    rec[base + 0] = l.op;
    rec[base + 1] = l.inSize;
    rec[base + 2] = l.outSize;
    rec[base + 3] = l.weightOffset;
    rec[base + 4] = l.biasOffset;
    rec[base + 5] = layout.act[i];
    rec[base + 6] = layout.aux[i];
    rec[base + 7] = layout.kinks[i];
    l.ints.forEach((v, k) => (rec[base + 8 + k] = v));
    hyper[(i * LAYER_RECORD_BYTES + 96) / 8] = l.hyper;
    hyper[(i * LAYER_RECORD_BYTES + 104) / 8] = l.hyper2;
    rec[base + 28] = l.inputs.length;
    rec[base + 29] = edgePtrs[i];
    rec[base + 30] = delta[i];
    rec[base + 31] = l.stateOffset;
  });
  return prog;
}

/**
 * Writes every node's edges (per input: its values' pointer, 0 for the network's input; its
 * gradient's pointer, 0 when none is needed; whether to add into it; its channels) and returns
 * each node's edge pointer. O(edges).
 */
function writeEdges(buf: EngineBuffers, act: number[], delta: number[]): number[] {
  const c: CompiledNetwork = buf.compiled;
  const count = c.layers.reduce((s, l) => s + l.inputs.length, 0);
  const base = buf.ex.allocate(count * 16);
  const e = new Int32Array(buf.ex.memory.buffer, base, count * 4);
  let k = 0;
  return c.layers.map((l, i) => {
    const ptr = base + k * 16;
    l.inputs.forEach((j, slot) => {
      const shape = j < 0 ? c.inputShape : c.layers[j].outShape;
      e[4 * k] = j < 0 ? 0 : act[j];
      e[4 * k + 1] = j < 0 ? 0 : delta[j];
      e[4 * k + 2] = c.plan.accumulate[i][slot] ? 1 : 0;
      e[4 * k + 3] = shape[shape.length - 1];
      k++;
    });
    return ptr;
  });
}
