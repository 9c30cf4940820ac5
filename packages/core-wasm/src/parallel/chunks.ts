// The fixed chunks of a ParallelNetwork pass and their sum in chunk order: what makes its
// results independent of the thread count (docs/engine.md, "Threads").

import type { Precision } from '../module.js';
import type { EngineBuffers, RealArray } from '../network/buffers.js';
import type { EvalResult } from '../network/evaluate.js';
import { isSampleList, sampleRange, type Samples } from '../network/samples.js';
import { PacgenError } from '../errors.js';
import type { PartSamples } from './transport.js';

/**
 * Validates a selection of `n` samples as Network does (index values are checked by whichever
 * thread gets them) and cuts it into contiguous chunks of `chunk` samples (the last shorter).
 */
export function splitChunks(samples: Samples | undefined, n: number, chunk: number): PartSamples[] {
  if (n === 0) throw new PacgenError('no data: call setData(x, y) first');
  let list: Int32Array | number[] | null = null;
  let start = 0;
  let count: number;
  if (samples !== undefined && isSampleList(samples)) {
    list = samples;
    count = list.length;
    if (count === 0) throw new PacgenError('sample index list is empty');
  } else ({ start, count } = sampleRange(samples ?? {}, n));
  const parts: PartSamples[] = [];
  for (let at = 0; at < count; at += chunk) {
    const c = Math.min(chunk, count - at);
    parts.push(list ? list.slice(at, at + c) : { start: start + at, count: c });
  }
  return parts;
}

/** One chunk's means (loss, accuracy; the gradient or HVP) and its kink crossings. */
export interface ChunkResult {
  result?: EvalResult;
  out?: RealArray;
  crossings?: number;
}

export interface Folded {
  result: EvalResult;
  out?: RealArray;
  crossings?: number;
}

/**
 * Where the chunks' vectors are summed: an f64 accumulator and a staging area (numParams values
 * each, allocated on first use) in the calling thread's engine, whose SIMD loops fold a chunk
 * in a few hundredths of a millisecond where the same loop in JavaScript took about a
 * millisecond for the 109,386 parameters of the bench's MLP (assembly/chunk-sum.ts).
 */
export class FoldScratch {
  private acc = 0;
  private stage = 0;

  constructor(readonly engine: EngineBuffers) {}

  /** Allocates the scratch (before any view that a memory growth would detach is taken). */
  prepare(): void {
    if (this.acc) return;
    const bytes = 8 * Math.max(1, this.engine.compiled.numParams);
    this.acc = this.engine.ex.allocate(bytes);
    this.stage = this.engine.ex.allocate(bytes);
  }

  /** Sets the accumulator's first n values to zero. */
  clear(n: number): void {
    new Float64Array(this.engine.ex.memory.buffer, this.acc, n).fill(0);
  }

  /** acc += out · weight: in place when out is a view on this engine, else copied in first. */
  add(out: RealArray, weight: number): void {
    const { ex } = this.engine;
    let src = out.byteOffset;
    if (out.buffer !== ex.memory.buffer) {
      const Ctor = out instanceof Float32Array ? Float32Array : Float64Array;
      new Ctor(ex.memory.buffer, this.stage, out.length).set(out);
      src = this.stage;
    }
    if (out instanceof Float32Array) ex.foldChunkF32(this.acc, src, weight, out.length);
    else ex.foldChunkF64(this.acc, src, weight, out.length);
  }

  /** A fresh array of acc / total, rounded to the precision's type. */
  result(n: number, total: number, precision: Precision): RealArray {
    const { ex } = this.engine;
    if (precision === 'f32') {
      ex.foldResultF32(this.acc, this.stage, total, n);
      return new Float32Array(ex.memory.buffer, this.stage, n).slice();
    }
    ex.foldResultF64(this.acc, this.acc, total, n);
    return new Float64Array(ex.memory.buffer, this.acc, n).slice();
  }
}

/** Count-weighted sums of chunk results, added in chunk order (the order fixes the rounding). */
export class ChunkSum {
  private readonly total: number;
  private length = -1;
  private loss = 0;
  private correct = 0;
  private crossings = 0;

  constructor(
    private readonly counts: number[],
    private readonly scratch: FoldScratch,
  ) {
    this.total = counts.reduce((a, b) => a + b, 0);
  }

  add(k: number, r: ChunkResult): void {
    const n = this.counts[k];
    if (r.result) {
      this.loss += r.result.loss * n;
      this.correct += Math.round(r.result.accuracy * n);
    }
    this.crossings += r.crossings ?? 0;
    if (!r.out) return;
    if (this.length < 0) {
      this.length = r.out.length;
      this.scratch.clear(this.length);
    }
    this.scratch.add(r.out, n);
  }

  result(precision: Precision): Folded {
    const result = {
      loss: this.loss / this.total,
      accuracy: this.correct / this.total,
      count: this.total,
    };
    if (this.length < 0) return { result };
    const out = this.scratch.result(this.length, this.total, precision);
    return { result, out, crossings: this.crossings };
  }
}

export function partCount(p: PartSamples): number {
  return isSampleList(p) ? p.length : p.count;
}
