// Objectives (the interface every @pacgen/metrics estimator works on) that the bench runs the
// PACGen orchestrator over besides core-wasm's own `networkObjective`: the same mean loss in
// TensorFlow.js, with finite-difference HVPs computed exactly as the engine computes them, and
// over core-wasm's data-parallel `ParallelNetwork`.

import * as tf from '@tensorflow/tfjs';
import {
  compileNetwork,
  hvpStep,
  PacgenError,
  sampleCount,
  type NetworkSpec,
  type ParallelNetwork,
  type Samples,
} from '@pacgen/core-wasm';
import type { HvpRequest, Objective } from '@pacgen/metrics';
import { tfjsForward, useBackend, type TfjsBackend } from './engines/tfjs.js';

/** An Objective that holds resources (tensors, workers) until disposed. */
export interface DisposableObjective extends Objective {
  dispose(): void | Promise<void>;
}

export interface TfjsObjectiveOptions {
  backend: TfjsBackend;
  /** Samples per chunk of every pass (the engine's `maxBatch`; default 256). */
  chunk?: number;
}

/**
 * The mean loss of `spec` over (x, y) in TensorFlow.js (f32), at the point `params` (flat, in
 * core-wasm's layout). Per call the weights are written into tf.Variables (as core-wasm's
 * `setParams` writes its engine memory), then every pass runs over the samples in chunks of
 * `chunk`, each chunk's summed loss scaled by 1/n and its gradient (tf.grads) accumulated, as
 * the engine does. `hvp` is the engine's central difference (g(w + tv) − g(w − tv))/2t with w ± tv
 * formed in f32 and t from `hvpStep('f32', v, w)` (v rounded to f32 first) unless given; Richardson
 * as the engine's, (4·D(t) − D(2t))/3. Every intermediate tensor is disposed (tf.tidy).
 * Softmax cross-entropy networks only.
 */
export async function tfjsObjective(
  spec: NetworkSpec,
  params: ArrayLike<number>,
  x: Float32Array,
  y: Int32Array,
  options: TfjsObjectiveOptions,
): Promise<DisposableObjective> {
  if (spec.loss !== 'softmax-cross-entropy') {
    throw new PacgenError('tfjsObjective: softmax-cross-entropy networks only');
  }
  await useBackend(options.backend);
  const compiled = compileNetwork(spec);
  const tensors = compiled.tensors;
  const m = compiled.numParams;
  const n = y.length;
  if (x.length !== n * compiled.inputSize) throw new PacgenError('x and y differ in samples');
  if (params.length !== m) throw new PacgenError(`params have length ${params.length}, not ${m}`);
  const chunk = options.chunk ?? 256;
  const w0 = Float64Array.from(params);

  const vars = tensors.map((t) => tf.variable(tf.zeros(t.shape), false));
  const chunks: { x: tf.Tensor; y: tf.Tensor }[] = [];
  for (let s = 0; s < n; s += chunk) {
    const b = Math.min(chunk, n - s);
    chunks.push(
      tf.tidy(() => ({
        x: tf.tensor(x.subarray(s * compiled.inputSize, (s + b) * compiled.inputSize), [
          b,
          ...compiled.inputShape,
        ]),
        y: tf.oneHot(tf.tensor1d(y.subarray(s, s + b), 'int32'), compiled.outputSize),
      })),
    );
  }
  /** Sum of the chunk's per-sample losses / n: its share of the mean loss. */
  const chunkLoss = (c: { x: tf.Tensor; y: tf.Tensor }, w: tf.Tensor[]) =>
    tf.mul(
      tf.losses.softmaxCrossEntropy(
        c.y,
        tfjsForward(spec, tensors, w, c.x, false),
        undefined,
        0,
        tf.Reduction.SUM,
      ),
      1 / n,
    ) as tf.Scalar;
  const valueAndGrads = chunks.map((c) => tf.valueAndGrads((...w: tf.Tensor[]) => chunkLoss(c, w)));

  /** Writes a flat vector into the variables (rounded to f32, as the engine's copy is). */
  const load = (w: ArrayLike<number>) => {
    if (w.length !== m) throw new PacgenError(`params have length ${w.length}, not ${m}`);
    const w32 = Float32Array.from(w);
    tensors.forEach((t, i) => {
      tf.tidy(() => vars[i].assign(tf.tensor(w32.subarray(t.offset, t.offset + t.size), t.shape)));
    });
  };
  /** ∇L̂ at the given weights, summed over the chunks (tensors the caller disposes), and L̂. */
  const gradAt = (w: tf.Tensor[]): { loss: tf.Scalar; grads: tf.Tensor[] } => {
    let loss = tf.scalar(0);
    let acc = tensors.map((t) => tf.zeros(t.shape));
    for (const vg of valueAndGrads) {
      const next = tf.tidy(() => {
        const r = vg(w);
        return {
          loss: tf.add(loss, r.value) as tf.Scalar,
          acc: acc.map((a, i) => tf.add(a, r.grads[i])),
        };
      });
      tf.dispose([loss, ...acc]);
      loss = next.loss;
      acc = next.acc;
    }
    return { loss, grads: acc };
  };
  /** (g(w + tv) − g(w − tv)) / 2t, tensors the caller disposes. */
  const centralDifference = (v: tf.Tensor[], t: number): tf.Tensor[] => {
    const shifted = (sign: number) => {
      const w = tf.tidy(() => vars.map((p, i) => tf.add(p, tf.mul(v[i], sign * t))));
      const g = gradAt(w);
      tf.dispose([...w, g.loss]);
      return g.grads;
    };
    const plus = shifted(1);
    const minus = shifted(-1);
    const inv = 1 / (2 * t);
    const out = tf.tidy(() => plus.map((g, i) => tf.mul(tf.sub(g, minus[i]), inv)));
    tf.dispose([...plus, ...minus]);
    return out;
  };
  const flat = (parts: tf.Tensor[]): Float64Array => {
    const out = new Float64Array(m);
    parts.forEach((p, i) => out.set(p.dataSync() as Float32Array, tensors[i].offset));
    return out;
  };

  return {
    numParams: m,
    tensors,
    numSamples: n,
    precision: 'f32',
    params: () => Float64Array.from(w0),
    async loss(w) {
      load(w);
      let total = 0;
      for (const c of chunks) {
        const s = tf.tidy(() => chunkLoss(c, vars));
        total += (await s.data())[0];
        s.dispose();
      }
      return total;
    },
    async gradient(w) {
      load(w);
      const { loss, grads } = gradAt(vars);
      const result = { loss: (await loss.data())[0], grad: flat(grads) };
      tf.dispose([loss, ...grads]);
      return result;
    },
    async hvp(w, v, request: HvpRequest = {}) {
      if (v.length !== m) throw new PacgenError(`direction has length ${v.length}, not ${m}`);
      load(w);
      const v32 = Float32Array.from(v);
      const t = request.step ?? hvpStep('f32', v32, w);
      if (!(t > 0) || !Number.isFinite(t)) throw new PacgenError(`HVP step must be > 0, got ${t}`);
      const vt = tensors.map((ti) =>
        tf.tensor(v32.subarray(ti.offset, ti.offset + ti.size), ti.shape),
      );
      let out = centralDifference(vt, t);
      if (request.richardson) {
        const wide = centralDifference(vt, 2 * t);
        const combined = tf.tidy(() =>
          out.map((d, i) => tf.sub(tf.mul(d, 4 / 3), tf.mul(wide[i], 1 / 3))),
        );
        tf.dispose([...out, ...wide]);
        out = combined;
      }
      const result = flat(out);
      tf.dispose([...vt, ...out]);
      return result;
    },
    dispose() {
      tf.dispose([...vars, ...chunks.flatMap((c) => [c.x, c.y])]);
    },
  };
}

/**
 * core-wasm's data-parallel network as an Objective, like `networkObjective` for `Network`:
 * every call writes the point (`setParams`, sent on to the workers with the pass) and awaits
 * the pass split over the threads. Dispose terminates the workers.
 */
export function parallelObjective(
  net: ParallelNetwork,
  options: { samples?: Samples; params?: ArrayLike<number> } = {},
): DisposableObjective {
  if (net.numSamples === 0) throw new PacgenError('the network has no data: call setData first');
  const w0 = Float64Array.from(options.params ?? net.params());
  const samples = options.samples;
  const numSamples = sampleCount(samples, net.numSamples);
  return {
    numParams: net.numParams,
    tensors: net.tensors,
    numSamples,
    precision: net.precision,
    params: () => Float64Array.from(w0),
    async loss(w) {
      net.setParams(w);
      return (await net.evaluate({ samples })).loss;
    },
    async gradient(w) {
      net.setParams(w);
      const r = await net.gradient({ samples });
      return { loss: r.loss, grad: Float64Array.from(r.grad) };
    },
    async hvp(w, v, request: HvpRequest = {}) {
      net.setParams(w);
      return Float64Array.from(await net.hvp(v, { samples, ...request }));
    },
    dispose: () => net.terminate(),
  };
}

/** Durations (ms) of an objective's calls, by kind. */
export interface CallTimes {
  loss: number[];
  gradient: number[];
  hvp: number[];
}

/**
 * Wraps an objective so that each call first waits for its turn (`turn`, e.g. a TurnRing's
 * yield) and is then timed into `times`.
 */
export function timedObjective(
  obj: Objective,
  turn: () => Promise<void>,
): { objective: Objective; times: CallTimes } {
  const times: CallTimes = { loss: [], gradient: [], hvp: [] };
  const timed =
    <A extends unknown[], R>(kind: keyof CallTimes, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      await turn();
      const t0 = performance.now();
      const r = await f(...a);
      times[kind].push(performance.now() - t0);
      return r;
    };
  return {
    times,
    objective: {
      numParams: obj.numParams,
      tensors: obj.tensors,
      numSamples: obj.numSamples,
      precision: obj.precision,
      params: () => obj.params(),
      loss: timed('loss', (w) => obj.loss(w)),
      gradient: timed('gradient', (w) => obj.gradient(w)),
      hvp: timed('hvp', (w, v, r?: HvpRequest) => obj.hvp(w, v, r)),
    },
  };
}
