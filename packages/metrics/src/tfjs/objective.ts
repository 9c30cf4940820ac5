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

import { PacgenError, type Loss, type NetworkSpec, type Samples } from '@pacgen/core-wasm';
import type { HvpRequest, Objective } from '../objective/objective.js';
import { tf, useBackend, type TfjsBackendInfo, type TfjsBackendName } from './backend.js';
import { hostData, type TfjsDataInput, type TfjsDataLimits } from './data-input.js';
import { chunkLossFn, DEFAULT_CHUNK, loopSafeChunk, uploadSamples } from './device-data.js';
import { TfjsObjectiveImpl } from './objective-impl.js';
import {
  parametersFromModel,
  parametersFromSpec,
  parametersFromVariables,
  type TfjsParameters,
} from './parameters.js';

/** Samples the mean is taken over: inputs (sample-major, NHWC) and labels or targets. */
export interface TfjsData {
  /** n × prod(inputShape) inputs (f64 inputs are rounded to f32: tfjs computes in f32). */
  x: Float32Array | Float64Array;
  /**
   * n class labels, or n × k real targets. For softmax cross-entropy, real targets may be
   * one-hot rows (taken as labels) or probability rows (cross-entropy against them).
   */
  y: Int32Array | Float32Array;
  /** Per-sample input shape; default the model's (required with `variables`). */
  inputShape?: number[];
}

/** A loss over one batch: the MEAN over its samples (a scalar). */
export type TfjsLossFn = (x: tf.Tensor, y: tf.Tensor) => tf.Scalar;

export interface TfjsObjectiveOptions extends TfjsDataLimits {
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
  /**
   * The samples: host arrays, tensors {x: [n, …], y: [n] or [n, k]} (int32 y: labels), or a
   * tf.data.Dataset of {xs, ys} batches or [x, y] elements (as model.fitDataset takes), read
   * once within `maxSamples` and `maxValues`. The caller keeps ownership of tensors and dataset.
   */
  data: TfjsDataInput;
  /**
   * Loss of a model or spec on its logits, as core-wasm defines them (per sample: softmax CE;
   * Σ_k softplus(z) − y·z; mean_k (z − y)²), averaged over the samples. Default: the spec's;
   * for a model, the one its output activation implies (softmax → CE, sigmoid → BCE), else CE
   * for integer labels and mse for real targets.
   */
  loss?: Loss;
  /**
   * With `spec`: its buffers (BatchNorm moving mean and variance) laid out as
   * compileNetwork(spec).buffers; default the initial state (means 0, variances 1). Fixed:
   * the model runs in inference mode.
   */
  buffers?: ArrayLike<number>;
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

/** How a gradient on the device is taken. */
export interface TfjsGradientOptions {
  /**
   * Training mode (default false, the Objective's inference mode): dropout draws a fresh mask
   * on every call, batch norm normalises each chunk by its own statistics. The model's moving
   * statistics are put back after the call, so `loss()` stays a fixed function of w. Needs a
   * `model` or `spec` (a custom `lossFn` has no mode). What a training step computes, e.g. to
   * time one against another engine's.
   */
  training?: boolean;
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
  /**
   * L̂(w) and ∇L̂(w) [m], in inference mode unless `options.training` (then the loss and
   * gradient of one training step: see TfjsGradientOptions). Cost: 1 gradient evaluation;
   * nothing leaves the device.
   */
  gradientTensor(
    w: tf.Tensor1D,
    options?: TfjsGradientOptions,
  ): { loss: tf.Scalar; grad: tf.Tensor1D };
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
  const hint = options.model?.inputs[0]?.shape.slice(1);
  const data = await hostData(options.data, {
    maxSamples: options.maxSamples,
    maxValues: options.maxValues,
    inputShape: hint?.every((d) => typeof d === 'number') ? (hint as number[]) : undefined,
  });
  const labels = data.y instanceof Int32Array;
  const p: TfjsParameters = options.spec
    ? await parametersFromSpec(options.spec, options.params, options.loss, options.buffers)
    : options.model
      ? await parametersFromModel(options.model, labels, options.loss)
      : await parametersFromVariables(options.variables as tf.Variable[]);
  try {
    const inputShape = data.inputShape ?? p.inputShape;
    if (!inputShape)
      throw new PacgenError('tfjsObjective: with variables, data.inputShape is needed');
    const m = p.tensors.reduce((a, t) => Math.max(a, t.offset + t.size), 0);
    let w0 = p.w0;
    if (options.params && !options.spec) {
      if (options.params.length !== m) {
        throw new PacgenError(`params have length ${options.params.length}, not ${m}`);
      }
      w0 = Float64Array.from(options.params);
    }
    const forward = p.forward;
    const outputs = forward ? tf.tidy(() => forward(tf.zeros([1, ...inputShape])).size) : 0;
    if (p.owned && info.loopLimit !== null)
      chunk = Math.min(chunk, loopSafeChunk(p.owned, info.loopLimit));
    const { chunks, n } = uploadSamples(
      data,
      options.samples,
      inputShape,
      forward ? { outputs, loss: p.loss } : null,
      chunk,
    );
    return new TfjsObjectiveImpl({
      info,
      chunk,
      loss: p.loss,
      vars: p.vars,
      tensors: p.tensors,
      index: p.index,
      m,
      n,
      w0,
      chunks,
      chunkLoss: chunkLossFn(forward, p.loss, outputs, n, options.lossFn),
      owned: p.owned,
      restore: options.variables !== undefined,
    });
  } catch (e) {
    // A refused input after the private model was made: free it.
    p.owned?.dispose();
    throw e;
  }
}
