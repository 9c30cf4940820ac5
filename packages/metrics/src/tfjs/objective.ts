// The mean training loss of a TensorFlow.js model as an Objective, on any tfjs backend (cpu,
// wasm, webgpu, webgl). Gradients by tf.variableGrads; Hessian-vector products by central
// differences of gradients formed on the device; every estimator of @pacgen/metrics runs on it
// unchanged through the plain-array methods, and the tensor methods keep whole computations on
// the device.
//
// What moves between the CPU and the device per call (m parameters, n samples):
//   creation         the data (n inputs and targets) and the weights, once;
//   loss(w)          w (m f32 values) up unless it is the point of the previous call, 1 value down;
//   gradient(w)      w up unless cached, m + 1 values down;
//   hvp(w, v)        w up unless cached, v (m) up, Hv (m) down; w ± t·v formed on the device;
//   *Tensor(…)       nothing: tensors in, tensors out (sync; the caller disposes the result).
// "Cached" compares w with the last uploaded point in f32 (O(m) on the CPU, no hash collisions),
// so an estimator looping probes at one w uploads it once.

import {
  compileNetwork,
  hvpStep,
  defaultHvpStep,
  PacgenError,
  type Loss,
  type NetworkSpec,
  type Samples,
} from '@pacgen/core-wasm';
import type { HvpRequest, Objective, ParameterTensor } from '../objective.js';
import { tf, useBackend, type TfjsBackendInfo, type TfjsBackendName } from './backend.js';
import { copyModel, fusesOutput, lossFor, outputActivation, tfjsLogitsModel } from './model.js';

/** Samples the mean is taken over: inputs (sample-major, NHWC) and labels or targets. */
export interface TfjsData {
  /** n × prod(inputShape) inputs (f64 inputs are rounded to f32: tfjs computes in f32). */
  x: Float32Array | Float64Array;
  /** n class labels, or n × k real targets. */
  y: Int32Array | Float32Array;
  /** Per-sample input shape; default the model's (required with `variables`). */
  inputShape?: number[];
}

/** A loss over one batch: the MEAN over its samples (a scalar). */
export type TfjsLossFn = (x: tf.Tensor, y: tf.Tensor) => tf.Scalar;

export interface TfjsObjectiveOptions {
  /**
   * A Layers model: the parameters are its trainable weights, in `trainableWeights` order. A
   * private copy is made (the model is never changed), with the output softmax (sigmoid) taken
   * off when the loss is softmax cross-entropy (sigmoid BCE), so the loss is computed from logits.
   */
  model?: tf.LayersModel;
  /**
   * Or a NetworkSpec, run as a Layers model (via toTfjs) with `params` in core-wasm's layout:
   * the same weights and the same parameter vector in both engines. Shared parameters work
   * (gathered on the device, their gradients summed back).
   */
  spec?: NetworkSpec;
  /** Or variables (the parameters, in this order) and a loss over a batch (with `lossFn`). */
  variables?: tf.Variable[];
  lossFn?: TfjsLossFn;
  data: TfjsData;
  /**
   * Loss of a model or spec on its logits, as core-wasm defines them (per sample: softmax CE;
   * Σ_k softplus(z) − y·z; mean_k (z − y)²), averaged over the samples. Default: the spec's;
   * for a model, the one its output activation implies (softmax → CE, sigmoid → BCE), else CE
   * for integer labels and mse for real targets.
   */
  loss?: Loss;
  /** The point being scored: default the model's / variables' current values (required with `spec`). */
  params?: ArrayLike<number>;
  /** Which samples of `data` (default all), as core-wasm's `Samples`. */
  samples?: Samples;
  /**
   * Samples per forward/backward pass; the mean over n is accumulated over the chunks, so
   * memory is bounded by the chunk. Default 256 on cpu/wasm, 2048 on webgpu/webgl; on an
   * adapter with a loop limit (llvmpipe) capped so that conv filter gradients stay within it.
   */
  chunk?: number;
  /** Switch to this backend first (`useBackend`); default the active one. */
  backend?: TfjsBackendName;
}

/** A Hessian-vector product request on the device: `step` t, or core-wasm's rule for it there. */
export interface TfjsHvpRequest extends HvpRequest {
  /**
   * The move s when `step` is not given (default 1e-3, f32's): t = s·σ/‖v‖₂ with
   * σ = max(1, ‖w ⊙ v‖₂/‖v‖₂), core-wasm's `hvpStep` (docs/method.md §5).
   */
  move?: number;
}

/** Values moved between CPU and device since creation (f32 values; data and weights excluded). */
export interface TfjsTransfers {
  /** Parameter vectors uploaded (cache misses). */
  pointUploads: number;
  /** Values uploaded: points and directions. */
  valuesUp: number;
  /** Values downloaded: losses, gradients, products. */
  valuesDown: number;
}

/** An Objective on TensorFlow.js, with on-device methods and resources to dispose. */
export interface TfjsObjective extends Objective {
  readonly engine: 'tfjs';
  readonly backend: TfjsBackendName;
  /** The backend, adapter (webgpu) and threads, for reports. */
  readonly info: TfjsBackendInfo;
  /** Samples per pass. */
  readonly chunk: number;
  readonly lossKind: Loss | 'custom';
  readonly transfers: TfjsTransfers;
  /** Uploads a point or direction as a flat f32 tensor [m] (the caller disposes it). */
  upload(w: ArrayLike<number>): tf.Tensor1D;
  /** L̂(w) as a scalar tensor. Cost: 1 forward pass; nothing leaves the device. */
  lossTensor(w: tf.Tensor1D): tf.Scalar;
  /** L̂(w) and ∇L̂(w) [m]. Cost: 1 gradient evaluation; nothing leaves the device. */
  gradientTensor(w: tf.Tensor1D): { loss: tf.Scalar; grad: tf.Tensor1D };
  /**
   * ∇²L̂(w)·v [m] by central differences (g(w + tv) − g(w − tv))/2t, Richardson
   * (4·D(t) − D(2t))/3 on request; w ± tv formed on the device; t = request.step, else
   * core-wasm's step rule for `move` computed on the device. Cost: 2 gradient evaluations (4
   * with Richardson).
   */
  hvpTensor(w: tf.Tensor1D, v: tf.Tensor1D, request?: TfjsHvpRequest): tf.Tensor1D;
  /** Frees the data, the private model and the cached point; restores `variables` to params(). */
  dispose(): void;
}

const DEFAULT_CHUNK: Record<TfjsBackendName, number> = {
  cpu: 256,
  wasm: 256,
  webgpu: 2048,
  webgl: 2048,
};

/** Rows of a sample selection (core-wasm's `Samples`) among n. */
function selectRows(samples: Samples | undefined, n: number): Int32Array | null {
  if (samples === undefined) return null;
  if (Array.isArray(samples) || samples instanceof Int32Array) {
    const idx = Int32Array.from(samples);
    idx.forEach((i) => {
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new PacgenError(`sample index ${i} is outside the ${n} samples`);
      }
    });
    return idx;
  }
  const start = samples.start ?? 0;
  const count = samples.count ?? n - start;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 1 ||
    start + count > n
  ) {
    throw new PacgenError(`samples {start: ${start}, count: ${count}} do not fit ${n} samples`);
  }
  return Int32Array.from({ length: count }, (_, i) => start + i);
}

function pick<T extends Float32Array | Float64Array | Int32Array>(
  a: T,
  rows: Int32Array | null,
  width: number,
): T {
  if (!rows) return a;
  const out = new (a.constructor as new (n: number) => T)(rows.length * width);
  rows.forEach((r, i) => out.set(a.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/**
 * The mean loss of a TensorFlow.js model over fixed data, as an Objective (precision 'f32').
 * Give one of `model`, `spec` (+ `params`), or `variables` + `lossFn`. The data are uploaded
 * once, in chunks of `chunk` samples; each pass evaluates the model in inference mode (dropout
 * off). The plain-array methods satisfy the Objective interface (see the file header for what
 * they move); the *Tensor methods work on device tensors. Gradient evaluations cost one forward
 * and one backward pass over the n samples, as core-wasm's. Call `dispose()` when done.
 */
export async function tfjsObjective(options: TfjsObjectiveOptions): Promise<TfjsObjective> {
  const given = [options.model, options.spec, options.variables].filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw new PacgenError('tfjsObjective needs exactly one of model, spec, or variables + lossFn');
  }
  if (options.variables && !options.lossFn) {
    throw new PacgenError('tfjsObjective: variables need a lossFn (the mean loss over a batch)');
  }
  const info = options.backend
    ? await useBackend(options.backend)
    : await useBackend(tf.getBackend() as TfjsBackendName);
  let chunk = options.chunk ?? DEFAULT_CHUNK[info.backend];
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new PacgenError(`chunk must be a positive integer, got ${chunk}`);
  }
  const data = options.data;
  const labels = data.y instanceof Int32Array;

  // The parameters: variables, and their layout in the flat vector.
  let owned: tf.LayersModel | null = null;
  let vars: tf.Variable[];
  let tensors: ParameterTensor[];
  let index: Int32Array | null = null; // variable element j holds parameter index[j]
  let forward: ((x: tf.Tensor) => tf.Tensor) | null = null;
  let loss: Loss | 'custom' = 'custom';
  let inputShape = data.inputShape;
  let w0: Float64Array;

  try {
    if (options.spec) {
      const spec = options.spec;
      if (!options.params) throw new PacgenError('tfjsObjective: a spec needs its params');
      const compiled = compileNetwork(spec);
      if (options.params.length !== compiled.numParams) {
        throw new PacgenError(
          `params have length ${options.params.length}, the network has ${compiled.numParams} parameters`,
        );
      }
      owned = await tfjsLogitsModel(spec, options.params);
      vars = owned.trainableWeights.map((v) => v.read() as tf.Variable);
      tensors = compiled.tensors.map((t) => ({ ...t, shape: [...t.shape] }));
      // toTfjs writes each layer's kernel and bias at their weight offsets, in layer order.
      const offsets: number[] = [];
      for (const l of compiled.layers) {
        if (l.weightOffset >= 0 && (l.type === 'dense' || l.type === 'conv2d')) {
          offsets.push(l.weightOffset);
          if (l.biasOffset >= 0) offsets.push(l.biasOffset);
        }
      }
      if (offsets.length !== vars.length) {
        throw new PacgenError(
          `internal: the tfjs model has ${vars.length} weights, the spec ${offsets.length}`,
        );
      }
      const total = vars.reduce((a, v) => a + v.size, 0);
      const idx = new Int32Array(total);
      let j = 0;
      vars.forEach((v, k) => {
        for (let i = 0; i < v.size; i++, j++) {
          const wj = offsets[k] + i;
          idx[j] = compiled.map ? compiled.map[wj] : wj;
        }
      });
      index = idx.every((p, i) => p === i) && total === compiled.numParams ? null : idx;
      inputShape ??= compiled.inputShape;
      loss = options.loss ?? spec.loss;
      w0 = Float64Array.from(options.params);
      const model = owned;
      forward = (x) => model.apply(x, { training: false }) as tf.Tensor;
    } else if (options.model) {
      const topology = options.model.toJSON(null, false) as unknown as {
        class_name: string;
        config: unknown;
      };
      const act = outputActivation(topology);
      loss = lossFor(act, labels, options.loss);
      owned = await copyModel(options.model, fusesOutput(act, loss));
      vars = owned.trainableWeights.map((v) => v.read() as tf.Variable);
      const names = options.model.trainableWeights.map((v) => v.originalName);
      let offset = 0;
      tensors = vars.map((v, k) => {
        const t = { name: names[k], shape: [...v.shape], offset, size: v.size };
        offset += v.size;
        return t;
      });
      const shape = owned.inputs[0].shape.slice(1);
      if (!shape.every((d) => typeof d === 'number' && d > 0)) {
        throw new PacgenError(`the model's input shape [${shape.join(', ')}] must be fully known`);
      }
      inputShape ??= shape as number[];
      const model = owned;
      forward = (x) => model.apply(x, { training: false }) as tf.Tensor;
      w0 = await flatValues(vars);
    } else {
      vars = options.variables as tf.Variable[];
      if (vars.length === 0) throw new PacgenError('tfjsObjective: no variables');
      vars.forEach((v) => {
        if (!v.trainable) throw new PacgenError(`variable '${v.name}' is not trainable`);
        if (v.dtype !== 'float32') throw new PacgenError(`variable '${v.name}' is not float32`);
      });
      if (!inputShape)
        throw new PacgenError('tfjsObjective: with variables, data.inputShape is needed');
      let offset = 0;
      tensors = vars.map((v) => {
        const t = { name: v.name, shape: [...v.shape], offset, size: v.size };
        offset += v.size;
        return t;
      });
      w0 = await flatValues(vars);
    }
    const m = tensors.reduce((a, t) => Math.max(a, t.offset + t.size), 0);
    if (options.params && !options.spec) {
      if (options.params.length !== m) {
        throw new PacgenError(`params have length ${options.params.length}, not ${m}`);
      }
      w0 = Float64Array.from(options.params);
    }

    // The data: rows selected on the CPU, uploaded once per chunk.
    const inputSize = inputShape.reduce((a, b) => a * b, 1);
    if (data.x.length === 0 || data.x.length % inputSize !== 0) {
      throw new PacgenError(
        `x has ${data.x.length} values, not a positive multiple of the input size ${inputSize} [${inputShape.join(', ')}]`,
      );
    }
    const nAll = data.x.length / inputSize;
    if (data.y.length % nAll !== 0) {
      throw new PacgenError(`y has ${data.y.length} values for ${nAll} samples`);
    }
    const yWidth = data.y.length / nAll;
    const rows = selectRows(options.samples, nAll);
    const picked = pick(data.x, rows, inputSize);
    const x = picked instanceof Float32Array ? picked : Float32Array.from(picked);
    const y = pick(data.y, rows, yWidth);
    const n = x.length / inputSize;

    let outputs = 0;
    if (forward) {
      outputs = tf.tidy(() => forward!(tf.zeros([1, ...inputShape!])).size);
      if (loss === 'softmax-cross-entropy' && !(labels && yWidth === 1)) {
        throw new PacgenError(
          'softmax cross-entropy needs one integer class label per sample (Int32Array)',
        );
      }
      if (loss !== 'softmax-cross-entropy' && (labels || yWidth !== outputs)) {
        throw new PacgenError(
          `loss ${loss} needs ${outputs} real targets per sample (Float32Array), got ${labels ? 'integer labels' : `${yWidth}`}`,
        );
      }
      if (labels) {
        for (let i = 0; i < y.length; i++) {
          if (y[i] < 0 || y[i] >= outputs) {
            throw new PacgenError(`label ${y[i]} of sample ${i} is outside [0, ${outputs})`);
          }
        }
      }
    }
    if (owned && info.loopLimit !== null)
      chunk = Math.min(chunk, loopSafeChunk(owned, info.loopLimit));
    const chunks: { x: tf.Tensor; y: tf.Tensor; weight: number }[] = [];
    for (let s = 0; s < n; s += chunk) {
      const b = Math.min(chunk, n - s);
      const xc = x.subarray(s * inputSize, (s + b) * inputSize);
      const yc = y.subarray(s * yWidth, (s + b) * yWidth);
      chunks.push(
        tf.tidy(() => ({
          x: tf.tensor(xc, [b, ...inputShape!], 'float32'),
          y:
            yc instanceof Int32Array
              ? forward
                ? tf.oneHot(tf.tensor1d(yc, 'int32'), outputs).toFloat()
                : yWidth === 1
                  ? tf.tensor1d(yc, 'int32')
                  : tf.tensor2d(yc, [b, yWidth], 'int32')
              : tf.tensor2d(yc, [b, yWidth], 'float32'),
          weight: b / n,
        })),
      );
    }

    /** The chunk's share of the mean loss: Σ_samples loss / n (or its mean × b/n). */
    const lossFn = options.lossFn;
    const chunkLoss = (c: { x: tf.Tensor; y: tf.Tensor; weight: number }): tf.Scalar => {
      if (!forward) return tf.mul(lossFn!(c.x, c.y), c.weight) as tf.Scalar;
      const z = tf.reshape(forward(c.x), [c.x.shape[0], -1]);
      let sum: tf.Tensor;
      if (loss === 'softmax-cross-entropy') {
        sum = tf.losses.softmaxCrossEntropy(c.y, z, undefined, 0, tf.Reduction.SUM);
      } else if (loss === 'sigmoid-bce') {
        sum = tf.sum(tf.sub(tf.softplus(z), tf.mul(c.y, z)));
      } else {
        sum = tf.div(tf.sum(tf.squaredDifference(z, c.y)), outputs);
      }
      return tf.div(sum, n) as tf.Scalar;
    };

    return new TfjsObjectiveImpl({
      info,
      chunk,
      loss,
      vars,
      tensors,
      index,
      m,
      n,
      w0,
      chunks,
      chunkLoss,
      owned,
      restore: options.variables !== undefined,
    });
  } catch (e) {
    // A refused input after the private model was made: free it.
    owned?.dispose();
    throw e;
  }
}

/**
 * The largest chunk whose conv filter gradients stay within an adapter's loop limit.
 * tfjs-webgpu's Conv2DBackpropFilter gives each filter element one invocation that loops over
 * batch × output rows × output columns: B·(OH·(OW + 1) + OH + 1) + 1 loop tests in all (the
 * count at which llvmpipe's results went wrong, measured: B = 104 right, 108 wrong for a 5×5
 * conv on 28×28). The other kernels of these layers loop over kernel windows or tiles.
 */
function loopSafeChunk(model: tf.LayersModel, limit: number): number {
  let chunk = Infinity;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const [, oh, ow] = layer.outputShape as number[];
    chunk = Math.min(chunk, Math.floor((limit - 1) / (oh * (ow + 1) + oh + 1)));
  }
  return Math.max(1, chunk);
}

async function flatValues(vars: tf.Variable[]): Promise<Float64Array> {
  const flat = tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(v, [-1]))));
  const values = Float64Array.from(await flat.data());
  flat.dispose();
  return values;
}

interface Parts {
  info: TfjsBackendInfo;
  chunk: number;
  loss: Loss | 'custom';
  vars: tf.Variable[];
  tensors: ParameterTensor[];
  index: Int32Array | null;
  m: number;
  n: number;
  w0: Float64Array;
  chunks: { x: tf.Tensor; y: tf.Tensor; weight: number }[];
  chunkLoss: (c: { x: tf.Tensor; y: tf.Tensor; weight: number }) => tf.Scalar;
  owned: tf.LayersModel | null;
  restore: boolean;
}

class TfjsObjectiveImpl implements TfjsObjective {
  readonly engine = 'tfjs';
  readonly precision = 'f32';
  readonly backend: TfjsBackendName;
  readonly info: TfjsBackendInfo;
  readonly chunk: number;
  readonly lossKind: Loss | 'custom';
  readonly numParams: number;
  readonly numSamples: number;
  readonly tensors: readonly ParameterTensor[];
  readonly transfers: TfjsTransfers = { pointUploads: 0, valuesUp: 0, valuesDown: 0 };
  private readonly p: Parts;
  /** Variable element j ← parameter index[j] (gather), and its scatter indices [j, 1]. */
  private readonly gatherIdx: tf.Tensor1D | null;
  private readonly scatterIdx: tf.Tensor2D | null;
  private readonly sizes: number[];
  private cache: { host: Float32Array; dev: tf.Tensor1D } | null = null;
  private disposed = false;

  constructor(p: Parts) {
    this.p = p;
    this.info = p.info;
    this.backend = p.info.backend;
    this.chunk = p.chunk;
    this.lossKind = p.loss;
    this.numParams = p.m;
    this.numSamples = p.n;
    this.tensors = p.tensors;
    this.sizes = p.vars.map((v) => v.size);
    this.gatherIdx = p.index ? tf.tensor1d(p.index, 'int32') : null;
    this.scatterIdx = p.index ? tf.tensor2d(p.index, [p.index.length, 1], 'int32') : null;
  }

  params(): Float64Array {
    return Float64Array.from(this.p.w0);
  }

  private check(): void {
    if (this.disposed) throw new PacgenError('the tfjs objective has been disposed');
    if (tf.getBackend() !== this.backend) {
      throw new PacgenError(
        `the tfjs objective was made on '${this.backend}' but the active backend is '${tf.getBackend()}'`,
      );
    }
  }

  /** Switches back to this objective's backend if another one became active. */
  private async enter(): Promise<void> {
    if (this.disposed) throw new PacgenError('the tfjs objective has been disposed');
    if (tf.getBackend() !== this.backend) await tf.setBackend(this.backend);
  }

  upload(w: ArrayLike<number>): tf.Tensor1D {
    if (w.length !== this.numParams) {
      throw new PacgenError(
        `vector has length ${w.length}, the objective has ${this.numParams} parameters`,
      );
    }
    const host = Float32Array.from(w);
    for (let i = 0; i < host.length; i++) {
      if (!Number.isFinite(host[i]))
        throw new PacgenError(`value at index ${i} is not finite (in f32)`);
    }
    this.transfers.valuesUp += host.length;
    return tf.tensor1d(host, 'float32');
  }

  /** The device copy of w: the cached one when w equals the last uploaded point in f32. */
  private point(w: ArrayLike<number>): tf.Tensor1D {
    const c = this.cache;
    if (c && c.host.length === w.length) {
      let same = true;
      for (let i = 0; i < w.length; i++) {
        if (Math.fround(w[i]) !== c.host[i]) {
          same = false;
          break;
        }
      }
      if (same) return c.dev;
    }
    const dev = this.upload(w);
    this.cache?.dev.dispose();
    this.cache = { host: Float32Array.from(w), dev };
    this.transfers.pointUploads++;
    return dev;
  }

  /** Writes the flat point w [m] into the variables (on the device). */
  private assign(w: tf.Tensor1D): void {
    tf.tidy(() => {
      const full = this.gatherIdx ? tf.gather(w, this.gatherIdx) : w;
      const parts = this.sizes.length === 1 ? [full] : tf.split(full, this.sizes);
      this.p.vars.forEach((v, k) => v.assign(tf.reshape(parts[k], v.shape)));
    });
  }

  /** L̂ and ∇L̂ at the variables' values, summed over the chunks. */
  private gradAtVars(): { loss: tf.Scalar; grad: tf.Tensor1D } {
    const vars = this.p.vars;
    let loss: tf.Scalar | null = null;
    let acc: tf.Tensor1D | null = null;
    for (const c of this.p.chunks) {
      const prev: tf.Tensor[] = loss && acc ? [loss, acc] : [];
      const next = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => this.p.chunkLoss(c), vars);
        const flat = tf.concat(vars.map((v) => tf.reshape(grads[v.name], [-1]))) as tf.Tensor1D;
        return {
          loss: (loss ? tf.add(loss, value) : value) as tf.Scalar,
          acc: (acc ? tf.add(acc, flat) : flat) as tf.Tensor1D,
        };
      });
      tf.dispose(prev);
      loss = next.loss;
      acc = next.acc;
    }
    if (this.scatterIdx) {
      const summed = tf.tidy(() => tf.scatterND(this.scatterIdx!, acc!, [this.numParams]));
      acc!.dispose();
      acc = summed as tf.Tensor1D;
    }
    return { loss: loss!, grad: acc! };
  }

  lossTensor(w: tf.Tensor1D): tf.Scalar {
    this.check();
    this.assign(w);
    return tf.tidy(() => {
      let total: tf.Scalar = tf.scalar(0);
      for (const c of this.p.chunks) total = tf.add(total, this.p.chunkLoss(c));
      return total;
    });
  }

  gradientTensor(w: tf.Tensor1D): { loss: tf.Scalar; grad: tf.Tensor1D } {
    this.check();
    this.assign(w);
    return this.gradAtVars();
  }

  /** (g(w + tv) − g(w − tv)) for a step tensor or number t. */
  private difference(w: tf.Tensor1D, v: tf.Tensor1D, t: tf.Scalar): tf.Tensor1D {
    const at = (sign: number) => {
      const shifted = tf.tidy(() => tf.add(w, tf.mul(v, tf.mul(t, sign))) as tf.Tensor1D);
      this.assign(shifted);
      shifted.dispose();
      const g = this.gradAtVars();
      g.loss.dispose();
      return g.grad;
    };
    const plus = at(1);
    const minus = at(-1);
    const d = tf.sub(plus, minus) as tf.Tensor1D;
    tf.dispose([plus, minus]);
    return d;
  }

  hvpTensor(w: tf.Tensor1D, v: tf.Tensor1D, request: TfjsHvpRequest = {}): tf.Tensor1D {
    this.check();
    if (w.size !== this.numParams || v.size !== this.numParams) {
      throw new PacgenError(`w and v need ${this.numParams} values, got ${w.size} and ${v.size}`);
    }
    if (request.step !== undefined && (!(request.step > 0) || !Number.isFinite(request.step))) {
      throw new PacgenError(`HVP step must be > 0, got ${request.step}`);
    }
    const t: tf.Scalar =
      request.step !== undefined
        ? tf.scalar(request.step)
        : tf.tidy(() => {
            // hvpStep on the device: t = s·max(1, ‖w ⊙ v‖/‖v‖)/‖v‖, 1 for v = 0.
            const vv = tf.sum(tf.square(v));
            const sigma = tf.maximum(1, tf.sqrt(tf.div(tf.sum(tf.square(tf.mul(w, v))), vv)));
            const s = request.move ?? defaultHvpStep('f32');
            const t = tf.div(tf.mul(s, sigma), tf.sqrt(vv));
            return tf.where(tf.greater(vv, 0), t, tf.scalar(1)) as tf.Scalar;
          });
    const d1 = this.difference(w, v, t);
    let out: tf.Tensor1D;
    if (!request.richardson) {
      out = tf.tidy(() => tf.div(d1, tf.mul(t, 2)) as tf.Tensor1D);
    } else {
      const t2 = tf.mul(t, 2) as tf.Scalar;
      const d2 = this.difference(w, v, t2);
      // D(t) = d1/2t, D(2t) = d2/4t: (4·D(t) − D(2t))/3 = (8·d1 − d2)/(12t).
      out = tf.tidy(() => tf.div(tf.sub(tf.mul(d1, 8), d2), tf.mul(t, 12)) as tf.Tensor1D);
      tf.dispose([t2, d2]);
    }
    tf.dispose([d1, t]);
    return out;
  }

  private async download(t: tf.Tensor): Promise<Float64Array> {
    const values = Float64Array.from(await t.data());
    this.transfers.valuesDown += values.length;
    return values;
  }

  async loss(w: ArrayLike<number>): Promise<number> {
    await this.enter();
    const s = this.lossTensor(this.point(w));
    try {
      return (await this.download(s))[0];
    } finally {
      s.dispose();
    }
  }

  async gradient(w: ArrayLike<number>): Promise<{ loss: number; grad: Float64Array }> {
    await this.enter();
    const r = this.gradientTensor(this.point(w));
    try {
      return { loss: (await this.download(r.loss))[0], grad: await this.download(r.grad) };
    } finally {
      tf.dispose([r.loss, r.grad]);
    }
  }

  async hvp(
    w: ArrayLike<number>,
    v: ArrayLike<number>,
    request: HvpRequest = {},
  ): Promise<Float64Array> {
    await this.enter();
    const wd = this.point(w);
    const v32 = Float32Array.from(v);
    // The engine's default step for f32 (docs/method.md §5); TF.js cannot count kinks.
    const step = request.step ?? hvpStep('f32', v32, w);
    const vd = this.upload(v32);
    try {
      const out = this.hvpTensor(wd, vd, { ...request, step });
      try {
        return await this.download(out);
      } finally {
        out.dispose();
      }
    } finally {
      vd.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    if (this.p.restore) {
      const w = tf.tensor1d(Float32Array.from(this.p.w0));
      this.assign(w);
      w.dispose();
    }
    this.disposed = true;
    this.cache?.dev.dispose();
    this.cache = null;
    tf.dispose([
      ...this.p.chunks.flatMap((c) => [c.x, c.y]),
      ...(this.gatherIdx ? [this.gatherIdx] : []),
      ...(this.scatterIdx ? [this.scatterIdx] : []),
    ]);
    this.p.owned?.dispose();
  }
}
