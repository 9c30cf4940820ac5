// The data set of a Network in engine memory: checked against the network's input and loss,
// copied in once (later passes read it in place), and the sample selections of passes resolved
// against it.

import type { CompiledNetwork } from '../compile/compiled.js';
import { ENGINE_MEMORY_LIMIT, formatBytes, formatCount } from '../engine-memory.js';
import { PacgenError } from '../errors.js';
import type { EngineBuffers } from './buffers.js';
import { isSampleList, sampleRange, type Samples } from './samples.js';

/** A resolved selection: an index list's pointer (0 for a range), its start and count. */
export interface Selection {
  idx: number;
  start: number;
  count: number;
}

/** The samples in an engine's memory. */
export class EngineData {
  /** Number of samples set (0 before the first `set`, or after a rejected one). */
  n = 0;
  private ptr = { x: 0, y: 0, cap: 0 };
  private idxPtr = 0;
  private idxCap = 0;

  constructor(private readonly buf: EngineBuffers) {}

  /**
   * Checks and copies a data set into engine memory. x: n × inputSize inputs; y: n class
   * labels or n × outputSize targets. Cost: O(data size).
   */
  set(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const { buf } = this;
    const c = buf.compiled;
    const n = checkData(c, x, y);
    const targetBytes = c.targetIsLabel ? 4 : buf.bytes;
    if (n > this.ptr.cap) {
      // The engine cannot grow past its limit: refuse with the figure instead of an abort.
      const need = n * (c.inputSize * buf.bytes + c.targetSize * targetBytes);
      if (buf.ex.memory.buffer.byteLength + need > ENGINE_MEMORY_LIMIT) {
        throw new PacgenError(
          `${formatCount(n)} samples need ${formatBytes(need)} of engine memory at ${buf.precision} besides the network's ${formatBytes(buf.ex.memory.buffer.byteLength)}; the limit is ${formatBytes(ENGINE_MEMORY_LIMIT)}: use fewer samples`,
        );
      }
      // The engine's allocator never frees: reuse the block when the new set fits.
      this.ptr = {
        x: buf.ex.allocate(n * c.inputSize * buf.bytes),
        y: buf.ex.allocate(n * c.targetSize * targetBytes),
        cap: n,
      };
    }
    buf.view(this.ptr.x, n * c.inputSize).set(x);
    const bad = buf.ex.firstNonFinite(this.ptr.x, n * c.inputSize);
    if (bad >= 0) {
      this.n = 0;
      throw new PacgenError(
        `input value ${x[bad]} at sample ${Math.floor(bad / c.inputSize)}, feature ${bad % c.inputSize} is not finite`,
      );
    }
    const mem = buf.ex.memory.buffer;
    if (c.targetIsLabel) new Int32Array(mem, this.ptr.y, n).set(y);
    else buf.view(this.ptr.y, n * c.targetSize).set(y);
    buf.ex.setData(this.ptr.x, this.ptr.y, n);
    this.n = n;
  }

  /** Resolves a sample selection, copying an index list into engine memory. Cost: O(count). */
  select(samples: Samples | undefined): Selection {
    if (this.n === 0) throw new PacgenError('no data: call setData(x, y) first');
    if (samples === undefined) return { idx: 0, start: 0, count: this.n };
    if (!isSampleList(samples)) return { idx: 0, ...sampleRange(samples, this.n) };
    const count = samples.length;
    if (count === 0) throw new PacgenError('sample index list is empty');
    if (count > this.idxCap) {
      this.idxPtr = this.buf.ex.allocate(count * 4);
      this.idxCap = count;
    }
    const idx = new Int32Array(this.buf.ex.memory.buffer, this.idxPtr, count);
    for (let i = 0; i < count; i++) {
      const s = samples[i];
      if (!Number.isInteger(s) || s < 0 || s >= this.n) {
        throw new PacgenError(`sample index ${s} is outside the data set of ${this.n} samples`);
      }
      idx[i] = s;
    }
    return { idx: this.idxPtr, start: 0, count };
  }
}

/** The number of samples in (x, y), after checking sizes, labels and targets against `c`. */
function checkData(c: CompiledNetwork, x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length === 0 || x.length % c.inputSize !== 0) {
    throw new PacgenError(
      `inputs have ${x.length} values, not a whole number of samples of size ${c.inputSize} (shape [${c.inputShape.join(', ')}])`,
    );
  }
  const n = x.length / c.inputSize;
  if (y.length !== n * c.targetSize) {
    throw new PacgenError(
      `${n} samples need ${n * c.targetSize} targets (${c.targetIsLabel ? 'one class label each' : `${c.targetSize} values each`}), got ${y.length}`,
    );
  }
  if (c.targetIsLabel) {
    for (let i = 0; i < n; i++) {
      const v = y[i];
      if (!Number.isInteger(v) || v < 0 || v >= c.outputSize) {
        throw new PacgenError(
          `label ${v} of sample ${i} is outside the ${c.outputSize} classes [0, ${c.outputSize - 1}]`,
        );
      }
    }
  } else {
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      const ok = c.loss === 'sigmoid-bce' ? v >= 0 && v <= 1 : Number.isFinite(v);
      if (!ok) {
        throw new PacgenError(
          `target ${v} at index ${i} is invalid (${c.loss === 'sigmoid-bce' ? 'must be in [0, 1]' : 'must be finite'})`,
        );
      }
    }
  }
  return n;
}
