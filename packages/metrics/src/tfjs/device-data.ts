// The samples of a TF.js objective on the device: rows selected on the CPU, checked against the
// model's outputs and loss, uploaded once in chunks, and each chunk's share of the mean loss.

import { PacgenError, sampleRange, type Loss, type Samples } from '@pacgen/core-wasm';
import { tf, type TfjsBackendName } from './backend.js';
import type { TfjsData } from './objective.js';
import type { TfjsForward } from './parameters.js';
import { crossEntropyTargets } from './targets.js';

/** Samples per chunk by backend (GPU backends take larger chunks). */
export const DEFAULT_CHUNK: Record<TfjsBackendName, number> = {
  cpu: 256,
  wasm: 256,
  webgpu: 2048,
  webgl: 2048,
};

/** A chunk of samples on the device and its weight b/n in the mean. */
export interface DeviceChunk {
  x: tf.Tensor;
  y: tf.Tensor;
  weight: number;
}

/** Rows of a sample selection (core-wasm's `Samples`) among n. */
export function selectRows(samples: Samples | undefined, n: number): Int32Array | null {
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
  const { start, count } = sampleRange(samples, n);
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
 * Uploads the selected samples in chunks of `chunk` (targets one-hot for a model with labels) and
 * checks them against the loss: one integer label per sample in range for softmax cross-entropy,
 * `outputs` real targets otherwise. Returns the chunks and n.
 */
export function uploadSamples(
  data: TfjsData,
  samples: Samples | undefined,
  inputShape: readonly number[],
  model: { outputs: number; loss: Loss | 'custom' } | null,
  chunk: number,
): { chunks: DeviceChunk[]; n: number } {
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
  let yWidth = data.y.length / nAll;
  const rows = selectRows(samples, nAll);
  const picked = pick(data.x, rows, inputSize);
  const x = picked instanceof Float32Array ? picked : Float32Array.from(picked);
  let y = pick(data.y, rows, yWidth);
  if (model?.loss === 'softmax-cross-entropy' && !(y instanceof Int32Array)) {
    // One-hot rows become labels; probability rows stay (cross-entropy against them).
    y = crossEntropyTargets(y, yWidth, model.outputs);
    if (y instanceof Int32Array) yWidth = 1;
  }
  const labels = y instanceof Int32Array;
  const n = x.length / inputSize;
  if (model) checkTargets(y, labels, yWidth, model.outputs, model.loss);
  const outputs = model?.outputs ?? 0;
  const chunks: DeviceChunk[] = [];
  for (let s = 0; s < n; s += chunk) {
    const b = Math.min(chunk, n - s);
    const xc = x.subarray(s * inputSize, (s + b) * inputSize);
    const yc = y.subarray(s * yWidth, (s + b) * yWidth);
    chunks.push(
      tf.tidy(() => ({
        x: tf.tensor(xc, [b, ...inputShape], 'float32'),
        y:
          yc instanceof Int32Array
            ? model
              ? tf.oneHot(tf.tensor1d(yc, 'int32'), outputs).toFloat()
              : yWidth === 1
                ? tf.tensor1d(yc, 'int32')
                : tf.tensor2d(yc, [b, yWidth], 'int32')
            : tf.tensor2d(yc, [b, yWidth], 'float32'),
        weight: b / n,
      })),
    );
  }
  return { chunks, n };
}

function checkTargets(
  y: Float32Array | Float64Array | Int32Array,
  labels: boolean,
  yWidth: number,
  outputs: number,
  loss: Loss | 'custom',
): void {
  if (loss === 'softmax-cross-entropy' && !(labels ? yWidth === 1 : yWidth === outputs)) {
    throw new PacgenError(
      `softmax cross-entropy needs one integer class label (Int32Array) or ${outputs} probabilities per sample`,
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

/**
 * The chunk's share of the mean loss, Σ_samples loss / n (or the custom loss's mean × b/n), for
 * the model's `forward` with its `outputs` and `loss`; `training` runs the forward pass in
 * training mode (a custom loss function has no mode: the objective refuses it there).
 */
export function chunkLossFn(
  forward: TfjsForward | null,
  loss: Loss | 'custom',
  outputs: number,
  n: number,
  lossFn: ((x: tf.Tensor, y: tf.Tensor) => tf.Scalar) | undefined,
): (c: DeviceChunk, training?: boolean) => tf.Scalar {
  return (c, training = false) => {
    if (!forward) return tf.mul(lossFn!(c.x, c.y), c.weight) as tf.Scalar;
    const z = tf.reshape(forward(c.x, training), [c.x.shape[0], -1]);
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
}

/**
 * The largest chunk whose conv filter gradients stay within an adapter's loop limit.
 * tfjs-webgpu's Conv2DBackpropFilter gives each filter element one invocation that loops over
 * batch × output rows × output columns: B·(OH·(OW + 1) + OH + 1) + 1 loop tests in all (the
 * count at which llvmpipe's results went wrong, measured: B = 104 right, 108 wrong for a 5×5
 * conv on 28×28). The other kernels of these layers loop over kernel windows or tiles.
 */
export function loopSafeChunk(model: tf.LayersModel, limit: number): number {
  let chunk = Infinity;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const [, oh, ow] = layer.outputShape as number[];
    chunk = Math.min(chunk, Math.floor((limit - 1) / (oh * (ow + 1) + oh + 1)));
  }
  return Math.max(1, chunk);
}
