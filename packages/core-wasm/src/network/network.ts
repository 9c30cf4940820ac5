// A network over one flat parameter vector, backed by its own engine instance. Parameters,
// gradients and data live in the module's memory; the getters return typed-array views on it.
// The handle: its parameters here; the data set (data.ts), passes (evaluate.ts), the HVP
// (hvp.ts) and prediction (predict.ts) in their own modules.

import { compileNetwork } from '../compile/compile-network.js';
import type { CompiledNetwork, TensorInfo } from '../compile/compiled.js';
import { checkEngineMemory, fittingMaxBatch, peakActivationBytes } from '../engine-memory.js';
import { PacgenError } from '../errors.js';
import {
  engineKernels,
  instantiateEngine,
  type EngineExports,
  type Kernels,
  type Precision,
} from '../module.js';
import { Random } from '../random.js';
import type { NetworkSpec } from '../spec.js';
import { EngineBuffers, type RealArray } from './buffers.js';
import { EngineData } from './data.js';
import { runPass, type EvalResult, type PassOptions } from './evaluate.js';
import {
  CurvatureScratch,
  type DiagonalPassOptions,
  type EngineDiagonalKind,
} from './curvature.js';
import { engineHvp, type HvpOptions } from './hvp.js';
import { Predictor } from './predict.js';
import { writeProgram } from './program.js';

export interface NetworkOptions {
  precision?: Precision;
  /**
   * Samples per chunk in every pass (bounds memory; any data size works). Default: 256, or the
   * largest power-of-two share of it at which the network fits the engine (fittingMaxBatch).
   */
  maxBatch?: number;
  /**
   * The engine build: 'fma' (relaxed SIMD fused multiply-add) or 'plain' (SIMD 128). Default:
   * PACGEN_KERNELS in Node, else 'fma' where the runtime supports it (engineKernels).
   */
  kernels?: Kernels;
}

/**
 * A compiled network and its own engine instance, on the calling thread (`ParallelNetwork`
 * splits passes over workers). Create with `Network.create`.
 */
export class Network {
  readonly compiled: CompiledNetwork;
  readonly precision: Precision;
  readonly maxBatch: number;
  /** The engine build this network runs on. */
  readonly kernels: Kernels;
  private readonly buf: EngineBuffers;
  private readonly data: EngineData;
  private readonly predictor: Predictor;
  private readonly curvature: CurvatureScratch;

  private constructor(
    ex: EngineExports,
    compiled: CompiledNetwork,
    precision: Precision,
    maxBatch: number,
    kernels: Kernels,
  ) {
    this.compiled = compiled;
    this.kernels = kernels;
    this.precision = precision;
    this.maxBatch = maxBatch;
    this.buf = new EngineBuffers(ex, compiled, precision);
    const layout = writeProgram(this.buf, maxBatch);
    this.data = new EngineData(this.buf);
    this.curvature = new CurvatureScratch(this.buf, layout);
    this.predictor = new Predictor(this.buf);
  }

  /** Compiles the spec (throws PacgenError on a bad one) and instantiates an engine for it. */
  static async create(spec: NetworkSpec, options: NetworkOptions = {}): Promise<Network> {
    const precision = options.precision ?? 'f32';
    const compiled = compileNetwork(spec);
    // Without a maxBatch, the largest chunk up to 256 samples that fits (a wide network gets
    // smaller chunks rather than an error; passes over more samples are chunked anyway).
    const maxBatch = options.maxBatch ?? fittingMaxBatch(compiled, precision);
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new PacgenError(`maxBatch must be a positive integer, got ${maxBatch}`);
    }
    checkEngineMemory(compiled, precision, maxBatch);
    const kernels = engineKernels(options.kernels);
    const ex = await instantiateEngine(precision, kernels);
    return new Network(ex, compiled, precision, maxBatch, kernels);
  }

  get numParams(): number {
    return this.compiled.numParams;
  }

  /**
   * The engine instance and its buffers, for ParallelNetwork (which folds its chunks' results in
   * this engine's memory). Not part of the public API.
   * @internal
   */
  get engineBuffers(): EngineBuffers {
    return this.buf;
  }

  /** The live parameter vector (a view: writes go straight to the engine). */
  get params(): RealArray {
    return this.buf.params;
  }

  /** Copies a parameter vector in, after checking its length and values. Cost: O(numParams). */
  setParams(values: ArrayLike<number>): void {
    if (values.length !== this.numParams) {
      throw new PacgenError(
        `parameter vector has length ${values.length}, the network has ${this.numParams} parameters`,
      );
    }
    // Checked before writing, so a rejected vector never replaces the current parameters.
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw this.buf.nonFinite('parameters', i);
    }
    const p = this.params;
    if (values !== p) p.set(values);
  }

  /** The parameter vector's named blocks (kernels and biases, or the shared tensors). */
  get tensors(): TensorInfo[] {
    return this.compiled.tensors;
  }

  /**
   * The buffers' named blocks (batch-norm `…/moving_mean`, `…/moving_variance`): network state
   * that is not a parameter (no gradient, curvature or optimizer sees it). Training-mode passes
   * update them; every other pass reads them.
   */
  get buffers(): TensorInfo[] {
    return this.compiled.buffers;
  }

  /** Number of buffer values (0 without batch norm). */
  get numBuffers(): number {
    return this.compiled.numBuffers;
  }

  /** A copy of the buffer values, in the order of `buffers`. Cost: O(numBuffers). */
  getBuffers(): Float64Array {
    return Float64Array.from(this.buf.state);
  }

  /** Copies buffer values in, after checking their length and values. Cost: O(numBuffers). */
  setBuffers(values: ArrayLike<number>): void {
    if (values.length !== this.numBuffers) {
      throw new PacgenError(
        `buffer vector has length ${values.length}, the network has ${this.numBuffers} buffer values`,
      );
    }
    // Checked before writing, so a rejected vector never replaces the current buffers.
    for (const t of this.compiled.buffers) {
      const variance = t.name.endsWith('/moving_variance');
      for (let i = t.offset; i < t.offset + t.size; i++) {
        const v = values[i];
        if (!Number.isFinite(v) || (variance && v < 0)) {
          throw new PacgenError(`buffer value ${v} at index ${i} (tensor '${t.name}') is invalid`);
        }
      }
    }
    this.buf.state.set(values);
  }

  /** Buffers back to their initial values (running means 0, variances 1). O(numBuffers). */
  resetBuffers(): void {
    this.buf.resetState();
  }

  /**
   * Bytes of engine memory the activations of one chunk of `batch` samples take (default
   * maxBatch): the liveness-planned pool of node outputs and gradients plus per-node and shared
   * scratch (see `peakActivationBytes` in engine-memory.ts). O(layers).
   */
  peakActivationBytes(batch = this.maxBatch): number {
    return peakActivationBytes(this.compiled, this.precision, batch);
  }

  /**
   * Glorot-uniform kernels and zero biases, normalization scales 1 and shifts 0 (uniform(−1, 1)
   * for shared tensors), seeded; returns the live parameter view. Cost: O(numParams).
   */
  initParams(seed = 0): RealArray {
    const rng = new Random(seed);
    const p = this.params;
    for (const t of this.tensors) {
      // A normalization's scale starts at 1 and its shift at 0 (as PyTorch and Keras do).
      if (!this.compiled.map && (t.name.endsWith('/gamma') || t.name.endsWith('/beta'))) {
        p.fill(t.name.endsWith('/gamma') ? 1 : 0, t.offset, t.offset + t.size);
        continue;
      }
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
   * Cost: O(data size).
   */
  setData(x: ArrayLike<number>, y: ArrayLike<number>): void {
    this.data.set(x, y);
  }

  /** Number of samples set by `setData`. */
  get numSamples(): number {
    return this.data.n;
  }

  /** Mean loss and accuracy over the samples. Cost: one forward pass. */
  evaluate(opts: PassOptions = {}): EvalResult {
    return runPass(this.buf, this.data, 0, opts);
  }

  /**
   * Mean loss, accuracy, and the gradient of the mean loss (into `grad`). Cost: 1 gradient
   * evaluation (a forward and a backward pass over the samples).
   */
  gradient(opts: PassOptions = {}): EvalResult & { grad: RealArray } {
    const r = runPass(this.buf, this.data, this.buf.ptr.grad, opts);
    return { ...r, grad: this.grad };
  }

  /** The gradient written by the last `gradient` call (a view). */
  get grad(): RealArray {
    return this.buf.view(this.buf.ptr.grad, this.numParams);
  }

  /**
   * Hessian-vector product of the mean loss at the current parameters, by central differences
   * of the gradient inside the engine. Cost: 2 gradient evaluations (4 with Richardson); the
   * two passes alternate chunk by chunk and compare the states of the piecewise-linear units
   * (`opts.kinks` receives the crossings; about 1 comparison per unit and sample). With
   * `opts.gaussNewton`, the generalized Gauss-Newton product G·v instead (J·v by central
   * differences of the outputs; 3 forward and 1 backward passes, about an HVP's time).
   * Returns a view that the next call overwrites.
   */
  hvp(v: ArrayLike<number>, opts: HvpOptions = {}): RealArray {
    return engineHvp(this.buf, this.data, v, opts, this.maxBatch);
  }

  /**
   * A diagonal of the mean loss's curvature at the current parameters, computed inside the
   * engine (docs/method.md §5), as a fresh Float64Array:
   * - `'ggn'`: the exact diagonal of the generalized Gauss-Newton matrix (1/n) Σ Jᵀ H_out J —
   *   the exact Hessian diagonal almost everywhere for piecewise-linear networks (ReLU, max
   *   pooling) with a linear last layer. Cost: O forward and backward passes for O outputs
   *   (about O gradient evaluations), plus one kernel-sized GEMM per sample and conv layer;
   *   needs maxBatch ≥ O.
   * - `'hesscale'`: HesScale's approximation (Elsayed & Mahmood 2024); exact for a single
   *   linear layer under the loss. Cost: about 1.7 gradient evaluations.
   * Both refuse batch/layer normalization and tied weights with a one-line PacgenError; the
   * scratch (up to a second activation pool) is allocated on first use.
   */
  diagonal(kind: EngineDiagonalKind, opts: DiagonalPassOptions = {}): Float64Array {
    if (kind !== 'ggn' && kind !== 'hesscale') {
      throw new PacgenError(`unknown engine diagonal '${String(kind)}' (ggn, hesscale)`);
    }
    return this.curvature.run(this.data, kind, opts);
  }

  /**
   * Network outputs for n = x.length / inputSize inputs: logits, or probabilities with
   * `probabilities` when the loss fused a softmax/sigmoid. Returns a fresh array (n × outputs).
   * Cost: one forward pass over the n inputs.
   */
  predict(x: ArrayLike<number>, opts: { probabilities?: boolean } = {}): RealArray {
    return this.predictor.run(x, opts.probabilities);
  }

  /** The engine's raw exports (for workers and benchmarks). */
  get engine(): EngineExports {
    return this.buf.ex;
  }
}
