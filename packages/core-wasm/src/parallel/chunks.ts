// The fixed chunks of a ParallelNetwork pass and their sum in chunk order: what makes its
// results independent of the thread count (docs/engine.md, "Threads").

import type { Precision } from '../module.js';
import type { RealArray } from '../network/buffers.js';
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
  out?: ArrayLike<number>;
  crossings?: number;
}

export interface Folded {
  result: EvalResult;
  out?: RealArray;
  crossings?: number;
}

/** Count-weighted sums of chunk results, added in chunk order (the order fixes the rounding). */
export class ChunkSum {
  private readonly total: number;
  private acc: Float64Array | undefined;
  private loss = 0;
  private correct = 0;
  private crossings = 0;

  constructor(private readonly counts: number[]) {
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
    const acc = (this.acc ??= new Float64Array(r.out.length));
    for (let j = 0; j < acc.length; j++) acc[j] += r.out[j] * n;
  }

  result(precision: Precision): Folded {
    const result = {
      loss: this.loss / this.total,
      accuracy: this.correct / this.total,
      count: this.total,
    };
    if (!this.acc) return { result };
    const acc = this.acc;
    for (let j = 0; j < acc.length; j++) acc[j] /= this.total;
    const out = precision === 'f32' ? Float32Array.from(acc) : acc;
    return { result, out, crossings: this.crossings };
  }
}

export function partCount(p: PartSamples): number {
  return isSampleList(p) ? p.length : p.count;
}
