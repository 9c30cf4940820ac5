// The state a pass shares between the drivers (network.ts) and the node kernels (passes.ts):
// the program, the shared scratch buffers, the mode of the pass and what it counts. Set by
// `configure` and the drivers; other modules assign through the namespace (`C.training = …`).

import { KINKS_OFF } from './kinks';
import { REC_BYTES } from './program';

export let prog: usize = 0;
export let nLayers: i32 = 0;
/** Transposed weight matrix (one group's kernel). */
export let scratchT: usize = 0;
/** The im2col columns of one convolution group for a chunk, rebuilt in the backward pass. */
export let colBuf: usize = 0;
/** An input gradient that is added to, not written over, its buffer (a node read twice). */
export let dxTmp: usize = 0;
/** The buffers (batch-norm running statistics), or 0 when the network has none. */
export let state: usize = 0;

/** Training mode: dropout masks on, batch norm on batch statistics (and its buffers updated). */
export let training: bool = false;
export let seed: u32 = 0;
/** i32 indices of the samples in this chunk, or 0 for the contiguous range from sampleStart. */
export let sampleIdx: usize = 0;
export let sampleStart: i32 = 0;
export let kinkMode: i32 = KINKS_OFF;
/** (sample, unit) kink states that differed between w + t·v and w − t·v in the last hvp call. */
export let kinkCrossings: f64 = 0;

export function setScratch(program: usize, layers: i32, t: usize, col: usize, dx: usize): void {
  prog = program; nLayers = layers; scratchT = t; colBuf = col; dxTmp = dx;
}

/** Points the batch-norm nodes at their buffers (running mean and variance). */
export function setState(ptr: usize): void {
  state = ptr;
}

@inline export function rec(l: i32): usize {
  return prog + <usize>l * REC_BYTES;
}

@inline export function sampleId(b: i32): i32 {
  return sampleIdx ? load<i32>(sampleIdx + (<usize>b << 2)) : sampleStart + b;
}
