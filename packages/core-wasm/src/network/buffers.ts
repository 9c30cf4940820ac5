// The engine instance behind one Network and the parameter-sized vectors it holds in the
// engine's memory (parameters, gradient, HVP direction and result), read and written through
// typed-array views.

import type { CompiledNetwork } from '../compile/compiled.js';
import { PacgenError } from '../errors.js';
import type { EngineExports, Precision } from '../module.js';

export type RealArray = Float32Array | Float64Array;

/** An engine instance, its element type, and the pointers of its parameter-sized vectors. */
export class EngineBuffers {
  readonly bytes: number;
  readonly realCtor: Float32ArrayConstructor | Float64ArrayConstructor;
  /** Pointers to numParams reals each, and to the state vector (numBuffers reals, 0 if none). */
  readonly ptr: { params: number; grad: number; v: number; out: number; state: number };
  private cachedBuffer: ArrayBuffer | null = null;

  constructor(
    readonly ex: EngineExports,
    readonly compiled: CompiledNetwork,
    readonly precision: Precision,
  ) {
    this.bytes = precision === 'f32' ? 4 : 8;
    this.realCtor = precision === 'f32' ? Float32Array : Float64Array;
    const m = compiled.numParams;
    const ptr = { params: this.real(m), grad: this.real(m), v: this.real(m), out: this.real(m) };
    this.ptr = { ...ptr, state: compiled.numBuffers > 0 ? this.real(compiled.numBuffers) : 0 };
    ex.setState(this.ptr.state);
    this.resetState();
  }

  /** The live state vector (a view; empty without buffers). */
  get state(): RealArray {
    return this.view(this.ptr.state, this.compiled.numBuffers);
  }

  /** Buffers at their initial values: running means 0, running variances 1. O(numBuffers). */
  resetState(): void {
    const s = this.state;
    for (const t of this.compiled.buffers) {
      s.fill(t.name.endsWith('/moving_variance') ? 1 : 0, t.offset, t.offset + t.size);
    }
  }

  /** Allocates `count` reals (at least one) in engine memory; returns the pointer. */
  real(count: number): number {
    return this.ex.allocate(Math.max(1, count) * this.bytes);
  }

  /** A typed-array view on engine memory; views are re-made when memory has grown. */
  view(ptr: number, length: number): RealArray {
    if (this.cachedBuffer !== this.ex.memory.buffer) this.cachedBuffer = this.ex.memory.buffer;
    return new this.realCtor(this.cachedBuffer, ptr, length);
  }

  /** The live parameter vector (a view). */
  get params(): RealArray {
    return this.view(this.ptr.params, this.compiled.numParams);
  }

  /** Throws when the n reals at ptr hold a NaN or infinity, naming the index and tensor. */
  checkFinite(ptr: number, n: number, what: string): void {
    const bad = this.ex.firstNonFinite(ptr, n);
    if (bad >= 0) throw this.nonFinite(what, bad);
  }

  /** The error for a non-finite value at a parameter index, with its tensor's name. */
  nonFinite(what: string, index: number): PacgenError {
    const t = this.compiled.tensors.find((x) => index >= x.offset && index < x.offset + x.size);
    return new PacgenError(
      `${what} contain a non-finite value at index ${index}${t ? ` (tensor '${t.name}')` : ''}`,
    );
  }
}
