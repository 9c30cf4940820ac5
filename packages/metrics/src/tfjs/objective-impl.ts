// The TF.js objective's methods: the point cached on the device, the variables assigned from a flat
// vector, gradients summed over the chunks, and Hessian-vector products by central differences
// formed on the device (what each call moves: see objective.ts).

import { defaultHvpStep, hvpStep, PacgenError, type Loss } from '@pacgen/core-wasm';
import type { HvpRequest, ParameterTensor } from '../objective/objective.js';
import { NON_FINITE } from '../error-codes.js';
import { tf, type TfjsBackendInfo, type TfjsBackendName } from './backend.js';
import type { DeviceChunk } from './device-data.js';
import type {
  TfjsGradientOptions,
  TfjsHvpRequest,
  TfjsObjective,
  TfjsTransfers,
} from './objective.js';

export interface Parts {
  info: TfjsBackendInfo;
  chunk: number;
  loss: Loss | 'custom';
  vars: tf.Variable[];
  tensors: ParameterTensor[];
  index: Int32Array | null;
  m: number;
  n: number;
  w0: Float64Array;
  chunks: DeviceChunk[];
  chunkLoss: (c: DeviceChunk, training?: boolean) => tf.Scalar;
  owned: tf.LayersModel | null;
  restore: boolean;
}

export class TfjsObjectiveImpl implements TfjsObjective {
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
  /** The model's moving statistics, kept at the first training-mode call to be put back. */
  private buffers: tf.Tensor[] | null = null;
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
        throw new PacgenError(`value at index ${i} is not finite (in f32)`, { code: NON_FINITE });
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

  /** L̂ and ∇L̂ at the variables' values, summed over the chunks (training mode on request). */
  private gradAtVars(training = false): { loss: tf.Scalar; grad: tf.Tensor1D } {
    const vars = this.p.vars;
    let loss: tf.Scalar | null = null;
    let acc: tf.Tensor1D | null = null;
    for (const c of this.p.chunks) {
      const prev: tf.Tensor[] = loss && acc ? [loss, acc] : [];
      const next = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => this.p.chunkLoss(c, training), vars);
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

  gradientTensor(
    w: tf.Tensor1D,
    options: TfjsGradientOptions = {},
  ): { loss: tf.Scalar; grad: tf.Tensor1D } {
    this.check();
    if (!options.training) {
      this.assign(w);
      return this.gradAtVars();
    }
    if (!this.p.owned) {
      throw new PacgenError(
        'training mode needs a model or a spec: a custom lossFn has no layers to switch',
      );
    }
    // Batch norm in training mode moves its running statistics (tfjs-layers assigns them in
    // the forward pass): keep them once, put them back after every call.
    const moving = this.p.owned.nonTrainableWeights;
    this.buffers ??= moving.map((v) => v.read().clone());
    this.assign(w);
    try {
      return this.gradAtVars(true);
    } finally {
      moving.forEach((v, k) => v.write(this.buffers![k]));
    }
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
      ...(this.buffers ?? []),
    ]);
    this.p.owned?.dispose();
  }
}
