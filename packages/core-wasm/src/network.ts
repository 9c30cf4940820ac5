// A network over one flat parameter vector, backed by its own engine instance. Parameters,
// gradients and data live in the module's memory; the getters return typed-array views on it.

import { compileNetwork } from './compile/compile-network.js';
import {
  kinkStateBytes,
  LOSS_CODE,
  type CompiledNetwork,
  type TensorInfo,
} from './compile/compiled.js';
import {
  ENGINE_MEMORY_LIMIT,
  LAYER_RECORD_BYTES,
  checkEngineMemory,
  formatBytes,
  formatCount,
} from './engine-memory.js';
import { PacgenError } from './errors.js';
import { hvpStep } from './hvp-step.js';
import { instantiateEngine, type EngineExports, type Precision } from './module.js';
import { Random } from './random.js';
import type { NetworkSpec } from './spec.js';

export type RealArray = Float32Array | Float64Array;

/** Which training samples a call uses: all (default), a range, or explicit indices. */
export type Samples = { start?: number; count?: number } | Int32Array | number[];

/** How many samples a selection covers in a data set of n (without checking its range). */
export function sampleCount(samples: Samples | undefined, n: number): number {
  if (samples === undefined) return n;
  if (Array.isArray(samples) || samples instanceof Int32Array) return samples.length;
  return samples.count ?? n - (samples.start ?? 0);
}

export interface PassOptions {
  samples?: Samples;
  /** Training mode: dropout on (seeded by `seed`). Default false. */
  training?: boolean;
  seed?: number;
}

export interface EvalResult {
  /** Mean loss over the samples (nats). */
  loss: number;
  /** Fraction correct (NaN for mse). */
  accuracy: number;
  count: number;
}

/** What an HVP saw of the network's kinks (filled in by `hvp`). */
export interface KinkCount {
  /**
   * (sample, unit) pairs whose ReLU / leaky-ReLU side or max-pool argmax differs between
   * w + t·v and w − t·v, summed over both differences with Richardson: 0 means no kink lies
   * between the two points and the difference is that of one smooth piece. Left undefined by
   * backends that cannot see their units.
   */
  crossings?: number;
}

export interface HvpOptions {
  samples?: Samples;
  /** Difference step t along v (default: `hvpStep(precision, v, params)`, docs/method.md §5). */
  step?: number;
  /** Richardson extrapolation: 4 gradients instead of 2, error O(t⁴). */
  richardson?: boolean;
  /** When given, receives the kink crossings of this product. */
  kinks?: KinkCount;
}

export interface NetworkOptions {
  precision?: Precision;
  /** Samples per chunk in every pass (bounds memory; any data size works). Default 256. */
  maxBatch?: number;
}

export { defaultHvpStep, hvpStep, minimumHvpStep } from './hvp-step.js';

export class Network {
  readonly compiled: CompiledNetwork;
  readonly precision: Precision;
  readonly maxBatch: number;
  private readonly ex: EngineExports;
  private readonly bytes: number;
  private readonly ptr: {
    params: number;
    grad: number;
    v: number;
    out: number;
    input: number;
    output: number;
  };
  private inputCap = 0;
  private idxPtr = 0;
  private idxCap = 0;
  private dataPtr = { x: 0, y: 0, cap: 0 };
  private n = 0;
  private cachedBuffer: ArrayBuffer | null = null;
  private realCtor: Float32ArrayConstructor | Float64ArrayConstructor;

  private constructor(
    ex: EngineExports,
    compiled: CompiledNetwork,
    precision: Precision,
    maxBatch: number,
  ) {
    this.ex = ex;
    this.compiled = compiled;
    this.precision = precision;
    this.maxBatch = maxBatch;
    this.bytes = precision === 'f32' ? 4 : 8;
    this.realCtor = precision === 'f32' ? Float32Array : Float64Array;
    const m = compiled.numParams;
    const real = (count: number) => ex.allocate(Math.max(1, count) * this.bytes);
    this.ptr = { params: real(m), grad: real(m), v: real(m), out: real(m), input: 0, output: 0 };
    this.plan(real);
  }

  /** Compiles the spec (throws PacgenError on a bad one) and instantiates an engine for it. */
  static async create(spec: NetworkSpec, options: NetworkOptions = {}): Promise<Network> {
    const precision = options.precision ?? 'f32';
    const maxBatch = options.maxBatch ?? 256;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new PacgenError(`maxBatch must be a positive integer, got ${maxBatch}`);
    }
    const compiled = compileNetwork(spec);
    checkEngineMemory(compiled, precision, maxBatch);
    const ex = await instantiateEngine(precision);
    return new Network(ex, compiled, precision, maxBatch);
  }

  /** Allocates every buffer of the engine and writes the layer records. */
  private plan(real: (count: number) => number): void {
    const c = this.compiled;
    const ex = this.ex;
    const B = this.maxBatch;
    const prog = ex.allocate(c.layers.length * LAYER_RECORD_BYTES);
    const actPtrs = c.layers.map((l) => real(B * l.outSize));
    const auxPtrs = c.layers.map((l) =>
      l.aux
        ? ex.allocate(Math.max(1, B * l.aux.perSample) * (l.aux.kind === 'i32' ? 4 : this.bytes))
        : 0,
    );
    const kinkPtrs = c.layers.map((l) => (l.kinks ? ex.allocate(kinkStateBytes(l, B)) : 0));
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
      rec[base + 5] = actPtrs[i];
      rec[base + 6] = auxPtrs[i];
      rec[base + 7] = kinkPtrs[i];
      l.ints.forEach((v, k) => (rec[base + 8 + k] = v));
      hyper[(i * LAYER_RECORD_BYTES + 96) / 8] = l.hyper;
    });
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
    const targetBytes = c.targetIsLabel ? 4 : c.targetSize * this.bytes;
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
      real(B * c.maxWidth),
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
  }

  get numParams(): number {
    return this.compiled.numParams;
  }

  get tensors(): TensorInfo[] {
    return this.compiled.tensors;
  }

  /** Number of samples set by `setData`. */
  get numSamples(): number {
    return this.n;
  }

  /** The engine's raw exports (for workers and benchmarks). */
  get engine(): EngineExports {
    return this.ex;
  }

  /** A typed-array view on engine memory; views are re-made when memory has grown. */
  private view(ptr: number, length: number): RealArray {
    if (this.cachedBuffer !== this.ex.memory.buffer) this.cachedBuffer = this.ex.memory.buffer;
    return new this.realCtor(this.cachedBuffer, ptr, length);
  }

  /** The live parameter vector (a view: writes go straight to the engine). */
  get params(): RealArray {
    return this.view(this.ptr.params, this.numParams);
  }

  /** The gradient written by the last `gradient` call (a view). */
  get grad(): RealArray {
    return this.view(this.ptr.grad, this.numParams);
  }

  /** Copies a parameter vector in, after checking its length and values. */
  setParams(values: ArrayLike<number>): void {
    if (values.length !== this.numParams) {
      throw new PacgenError(
        `parameter vector has length ${values.length}, the network has ${this.numParams} parameters`,
      );
    }
    // Checked before writing, so a rejected vector never replaces the current parameters.
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw this.nonFinite('parameters', i);
    }
    const p = this.params;
    if (values !== p) p.set(values);
  }

  /** Glorot-uniform kernels and zero biases (uniform(−1, 1) for shared tensors), seeded. */
  initParams(seed = 0): RealArray {
    const rng = new Random(seed);
    const p = this.params;
    for (const t of this.tensors) {
      const isBias = t.name.endsWith('/bias');
      let limit = 1;
      if (!this.compiled.map) {
        const s = t.shape;
        const receptive = s.length === 4 ? s[0] * s[1] : 1;
        const fanIn = s.length === 4 ? receptive * s[2] : s[0];
        const fanOut = s.length === 4 ? receptive * s[3] : s[s.length - 1];
        limit = Math.sqrt(6 / (fanIn + fanOut));
      }
      for (let i = 0; i < t.size; i++)
        p[t.offset + i] = isBias ? 0 : (2 * rng.uniform() - 1) * limit;
    }
    return p;
  }

  /**
   * Copies a data set into engine memory (once; later passes read it in place).
   * x: n × inputSize inputs; y: n class labels (softmax-cross-entropy) or n × outputSize targets.
   */
  setData(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const c = this.compiled;
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
    const targetBytes = c.targetIsLabel ? 4 : this.bytes;
    if (n > this.dataPtr.cap) {
      // The engine cannot grow past its limit: refuse with the figure instead of an abort.
      const need = n * (c.inputSize * this.bytes + c.targetSize * targetBytes);
      if (this.ex.memory.buffer.byteLength + need > ENGINE_MEMORY_LIMIT) {
        throw new PacgenError(
          `${formatCount(n)} samples need ${formatBytes(need)} of engine memory at ${this.precision} besides the network's ${formatBytes(this.ex.memory.buffer.byteLength)}; the limit is ${formatBytes(ENGINE_MEMORY_LIMIT)}: use fewer samples`,
        );
      }
      // The engine's allocator never frees: reuse the block when the new set fits.
      this.dataPtr = {
        x: this.ex.allocate(n * c.inputSize * this.bytes),
        y: this.ex.allocate(n * c.targetSize * targetBytes),
        cap: n,
      };
    }
    this.view(this.dataPtr.x, n * c.inputSize).set(x);
    const bad = this.ex.firstNonFinite(this.dataPtr.x, n * c.inputSize);
    if (bad >= 0) {
      this.n = 0;
      throw new PacgenError(
        `input value ${x[bad]} at sample ${Math.floor(bad / c.inputSize)}, feature ${bad % c.inputSize} is not finite`,
      );
    }
    const buf = this.ex.memory.buffer;
    if (c.targetIsLabel) new Int32Array(buf, this.dataPtr.y, n).set(y);
    else this.view(this.dataPtr.y, n * c.targetSize).set(y);
    this.ex.setData(this.dataPtr.x, this.dataPtr.y, n);
    this.n = n;
  }

  /** Resolves a sample selection to (index pointer or 0, start, count). */
  private select(samples: Samples | undefined): { idx: number; start: number; count: number } {
    if (this.n === 0) throw new PacgenError('no data: call setData(x, y) first');
    if (samples === undefined) return { idx: 0, start: 0, count: this.n };
    if (Array.isArray(samples) || samples instanceof Int32Array) {
      const count = samples.length;
      if (count === 0) throw new PacgenError('sample index list is empty');
      if (count > this.idxCap) {
        this.idxPtr = this.ex.allocate(count * 4);
        this.idxCap = count;
      }
      const idx = new Int32Array(this.ex.memory.buffer, this.idxPtr, count);
      for (let i = 0; i < count; i++) {
        const s = samples[i];
        if (!Number.isInteger(s) || s < 0 || s >= this.n) {
          throw new PacgenError(`sample index ${s} is outside the data set of ${this.n} samples`);
        }
        idx[i] = s;
      }
      return { idx: this.idxPtr, start: 0, count };
    }
    const start = samples.start ?? 0;
    const count = samples.count ?? this.n - start;
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(count) ||
      start < 0 ||
      count < 1 ||
      start + count > this.n
    ) {
      throw new PacgenError(
        `sample range start=${start} count=${count} does not fit the data set of ${this.n} samples`,
      );
    }
    return { idx: 0, start, count };
  }

  private checkFinite(ptr: number, n: number, what: string): void {
    const bad = this.ex.firstNonFinite(ptr, n);
    if (bad >= 0) throw this.nonFinite(what, bad);
  }

  private nonFinite(what: string, index: number): PacgenError {
    const t = this.tensors.find((x) => index >= x.offset && index < x.offset + x.size);
    return new PacgenError(
      `${what} contain a non-finite value at index ${index}${t ? ` (tensor '${t.name}')` : ''}`,
    );
  }

  private pass(gradPtr: number, opts: PassOptions): EvalResult {
    this.checkFinite(this.ptr.params, this.numParams, 'parameters');
    const { idx, start, count } = this.select(opts.samples);
    if (gradPtr) this.view(gradPtr, this.numParams).fill(0);
    const sum = this.ex.evaluate(
      this.ptr.params,
      gradPtr,
      idx,
      start,
      count,
      1 / count,
      opts.training ? 1 : 0,
      (opts.seed ?? 0) >>> 0,
    );
    const accuracy = this.compiled.loss === 'mse' ? NaN : this.ex.lastCorrect() / count;
    return { loss: sum / count, accuracy, count };
  }

  /** Mean loss and accuracy over the samples. Cost: one forward pass. */
  evaluate(opts: PassOptions = {}): EvalResult {
    return this.pass(0, opts);
  }

  /**
   * Mean loss, accuracy, and the gradient of the mean loss (into `grad`). Cost: 1 gradient
   * evaluation (a forward and a backward pass over the samples).
   */
  gradient(opts: PassOptions = {}): EvalResult & { grad: RealArray } {
    const r = this.pass(this.ptr.grad, opts);
    return { ...r, grad: this.grad };
  }

  /**
   * Hessian-vector product of the mean loss at the current parameters, by central differences
   * of the gradient inside the engine. Cost: 2 gradient evaluations (4 with Richardson); the
   * two passes alternate chunk by chunk and compare the states of the piecewise-linear units
   * (`opts.kinks` receives the crossings; about 1 comparison per unit and sample).
   * Returns a view that the next call overwrites.
   */
  hvp(v: ArrayLike<number>, opts: HvpOptions = {}): RealArray {
    if (v.length !== this.numParams) {
      throw new PacgenError(
        `direction has length ${v.length}, the network has ${this.numParams} parameters`,
      );
    }
    this.checkFinite(this.ptr.params, this.numParams, 'parameters');
    const vView = this.view(this.ptr.v, this.numParams);
    vView.set(v);
    this.checkFinite(this.ptr.v, this.numParams, 'direction');
    const { idx, start, count } = this.select(opts.samples);
    const step = opts.step ?? hvpStep(this.precision, vView, this.params);
    if (!(step > 0) || !Number.isFinite(step))
      throw new PacgenError(`HVP step must be > 0, got ${step}`);
    this.ex.hvp(
      this.ptr.params,
      this.ptr.v,
      step,
      this.ptr.out,
      opts.richardson ? 1 : 0,
      idx,
      start,
      count,
      1 / count,
    );
    if (opts.kinks) opts.kinks.crossings = this.ex.lastKinkCrossings();
    return this.view(this.ptr.out, this.numParams);
  }

  /**
   * Network outputs for n = x.length / inputSize inputs: logits, or probabilities with
   * `probabilities` when the loss fused a softmax/sigmoid. Returns a fresh array (n × outputs).
   */
  predict(x: ArrayLike<number>, opts: { probabilities?: boolean } = {}): RealArray {
    const c = this.compiled;
    if (x.length === 0 || x.length % c.inputSize !== 0) {
      throw new PacgenError(`inputs have ${x.length} values, not a multiple of ${c.inputSize}`);
    }
    const n = x.length / c.inputSize;
    if (n > this.inputCap) {
      this.ptr.input = this.ex.allocate(n * c.inputSize * this.bytes);
      this.ptr.output = this.ex.allocate(n * c.outputSize * this.bytes);
      this.inputCap = n;
    }
    this.view(this.ptr.input, n * c.inputSize).set(x);
    const bad = this.ex.firstNonFinite(this.ptr.input, n * c.inputSize);
    if (bad >= 0) throw new PacgenError(`input value at index ${bad} is not finite`);
    this.checkFinite(this.ptr.params, this.numParams, 'parameters');
    this.ex.infer(this.ptr.params, this.ptr.input, n, this.ptr.output);
    const out = new this.realCtor(this.view(this.ptr.output, n * c.outputSize));
    if (opts.probabilities) applyOutputActivation(out, c.outputSize, c.outputActivation);
    return out;
  }
}

/** In place: softmax over each row of `cols`, or elementwise sigmoid. */
export function applyOutputActivation(
  out: RealArray,
  cols: number,
  act: CompiledNetwork['outputActivation'],
): void {
  if (act === 'sigmoid') {
    for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-out[i]));
  } else if (act === 'softmax') {
    for (let r = 0; r < out.length; r += cols) {
      let m = -Infinity;
      for (let j = 0; j < cols; j++) m = Math.max(m, out[r + j]);
      let s = 0;
      for (let j = 0; j < cols; j++) s += out[r + j] = Math.exp(out[r + j] - m);
      for (let j = 0; j < cols; j++) out[r + j] /= s;
    }
  }
}
