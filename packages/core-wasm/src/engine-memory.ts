// How much engine memory a network needs, computed from its compiled layout before anything is
// allocated, so that a huge model (units 10¹⁵, an input dimension 2³¹) is refused with the
// figure instead of failing inside the engine ("engine aborted") or in a typed-array
// constructor ("Invalid typed array length").

import { auxCount, kinkStateBytes, type CompiledNetwork } from './compile/compiled.js';
import { PacgenError } from './errors.js';
import type { Precision } from './module.js';

/** The engine is 32-bit WebAssembly: at most 65,536 pages of 64 KiB (4 GiB) per instance. */
export const ENGINE_MEMORY_LIMIT = 65_536 * 65_536;

/**
 * The engine's allocator (AssemblyScript's stub runtime) refuses a single block over 1 GiB
 * minus its header: the largest block (usually the activation pool) must stay below this.
 */
export const ENGINE_BLOCK_LIMIT = 2 ** 30 - 64;

/** The size of one layer record in the engine's program (see assembly/program.ts). */
export const LAYER_RECORD_BYTES = 128;

/** The allocator pads every block by one SIMD vector (assembly/index.ts `allocate`). */
const BLOCK_PADDING = 16;

/**
 * The module's initial memory (`--initialMemory 32` pages, scripts/build-wasm.mjs): its static
 * data (the GEMM's packing buffers: 0.6 MiB in f32, 1.2 MiB in f64) and stack.
 */
const BASE_BYTES = 32 * 65_536;

/** A block's size in the allocator: at least 1 byte, padded by one SIMD vector. */
const padded = (bytes: number) => Math.max(1, bytes) + BLOCK_PADDING;

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * The byte sizes (before padding) of every block `Network` allocates at a precision and chunk
 * size `B`, data excluded: the one list both the total (engineMemoryBytes) and the largest
 * block (largestBlockBytes) are read from. O(layers).
 */
function engineBlocks(c: CompiledNetwork, precision: Precision, B: number): number[] {
  const real = precision === 'f32' ? 4 : 8;
  const reals = (count: number) => Math.max(1, count) * real;
  const edges = c.layers.reduce((s, l) => s + l.inputs.length, 0);
  // Eight parameter-sized vectors (the parameters, the gradient and the passes' scratch).
  const blocks = [
    ...Array<number>(8).fill(reals(c.numParams)),
    c.layers.length * LAYER_RECORD_BYTES,
  ];
  if (c.numBuffers > 0) blocks.push(reals(c.numBuffers));
  blocks.push(edges * 16, ...activationBlocks(c, precision, B));
  if (c.map) blocks.push(c.map.length * 4, ...Array<number>(4).fill(reals(c.numWeights)));
  blocks.push(reals(c.maxMatrix), reals(B * c.inputSize));
  blocks.push(B * (c.targetIsLabel ? 4 : c.targetSize * real));
  return blocks;
}

/**
 * The blocks of a chunk's activations: the planned pool of node outputs and gradients
 * (liveness.ts), each node's scratch kept from forward to backward (max-pool argmax, dropout
 * mask, norm statistics), the kink states, and the shared column and input-gradient scratch.
 */
function activationBlocks(c: CompiledNetwork, precision: Precision, B: number): number[] {
  const real = precision === 'f32' ? 4 : 8;
  const reals = (count: number) => Math.max(1, count) * real;
  const blocks = [reals(B * c.plan.perSample)];
  for (const l of c.layers) {
    if (l.aux) blocks.push(Math.max(1, auxCount(l, B)) * (l.aux.kind === 'i32' ? 4 : real));
    if (l.kinks) blocks.push(kinkStateBytes(l, B));
  }
  blocks.push(reals(B * c.maxColumns), reals(B * c.maxWidth));
  return blocks;
}

/**
 * Bytes of engine memory a network takes at a precision and chunk size: exactly what
 * `Network` allocates for it (parameters, gradients, scratch, activations), data excluded.
 */
export function engineMemoryBytes(
  c: CompiledNetwork,
  precision: Precision,
  maxBatch: number,
): number {
  return BASE_BYTES + sum(engineBlocks(c, precision, maxBatch).map(padded));
}

/**
 * Bytes a chunk of `maxBatch` samples takes for its activations: the planned pool of node
 * outputs and gradients (liveness.ts: a buffer is reused once no later step reads it), each
 * node's scratch kept from forward to backward (max-pool argmax, dropout mask, norm
 * statistics), the kink states, and the shared column and input-gradient scratch. This is the
 * peak of a gradient pass; an inference pass uses the same buffers. O(layers).
 */
export function peakActivationBytes(
  c: CompiledNetwork,
  precision: Precision,
  maxBatch: number,
): number {
  return sum(activationBlocks(c, precision, maxBatch).map(padded));
}

/**
 * Bytes of the largest single block `Network` allocates at a precision and chunk size (usually
 * the activation pool, the column scratch, the input chunk or a parameter-sized vector).
 */
export function largestBlockBytes(c: CompiledNetwork, precision: Precision, maxBatch: number) {
  return Math.max(...engineBlocks(c, precision, maxBatch));
}

/** A byte count in words: '512 B', '3.2 MiB', '4.0 GiB', '8.9e5 EiB'. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more than 1e308 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  let x = bytes;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  if (u === 0) return `${x} B`;
  return x >= 1e4 ? `${exponential(x)} ${units[u]}` : `${x.toFixed(1)} ${units[u]}`;
}

/** '1.0e15' rather than JavaScript's '1.0e+15'. */
const exponential = (x: number) => x.toExponential(1).replace('e+', 'e');

/** A count in words for messages: '21,840', or '1.0e15' when it is beyond exact integers. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return 'more than 1e308';
  return n < 1e12 ? Math.round(n).toLocaleString('en-US') : exponential(n);
}

/**
 * The largest chunk size up to `upTo` (halving from it) at which the network fits the engine,
 * or 1. What `Network.create` uses when no maxBatch is given. Cost: O(layers) per try.
 */
export function fittingMaxBatch(c: CompiledNetwork, precision: Precision, upTo = 256): number {
  let b = upTo;
  while (
    b > 1 &&
    (engineMemoryBytes(c, precision, b) > ENGINE_MEMORY_LIMIT ||
      largestBlockBytes(c, precision, b) > ENGINE_BLOCK_LIMIT)
  ) {
    b = Math.floor(b / 2);
  }
  return b;
}

/**
 * Throws a PacgenError when a network cannot fit in the engine at `precision` and chunk size
 * `maxBatch`, naming the figure, the limit and the largest parts. `compileNetwork` calls it with
 * the smallest settings (f32, one sample), `Network.create` with the real ones.
 */
export function checkEngineMemory(
  c: CompiledNetwork,
  precision: Precision,
  maxBatch: number,
): void {
  const need = engineMemoryBytes(c, precision, maxBatch);
  const block = largestBlockBytes(c, precision, maxBatch);
  if (need <= ENGINE_MEMORY_LIMIT && block <= ENGINE_BLOCK_LIMIT) return;
  if (need <= ENGINE_MEMORY_LIMIT) {
    throw new PacgenError(
      `network needs a block of ${formatBytes(block)} of engine memory at ${precision} with chunks of ${maxBatch} samples (its activations); one block may hold at most 1 GiB: use a smaller maxBatch`,
    );
  }
  let widest = c.layers[0];
  for (const l of c.layers) if (l.outSize > widest.outSize) widest = l;
  const settings =
    maxBatch === 1 && precision === 'f32'
      ? 'even at f32 and one sample a chunk'
      : `at ${precision} with chunks of ${maxBatch} samples`;
  throw new PacgenError(
    `network needs ${formatBytes(need)} of engine memory ${settings} (${formatCount(c.numParams)} parameters, input ${formatCount(c.inputSize)} values, widest layer '${widest.name}' ${formatCount(widest.outSize)} values); the limit is ${formatBytes(ENGINE_MEMORY_LIMIT)}`,
  );
}
