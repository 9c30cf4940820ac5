// The TensorFlow.js Objective on the cpu and wasm backends: parity with core-wasm f32 for every
// estimator, bounded memory, what moves per call, the three ways to give a model, shared
// parameters, and the optimizers through a gradient oracle. (webgpu: tfjs-webgpu.test.ts.)

import { Network, Random } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { emptyHealth, hessianDiagonal, networkObjective } from '../src/index.js';
import { fromTfjs, toyNet } from '../src/entries/models.js';
import {
  adam,
  fromTransformation,
  perturbedOpt,
  type GradientOracle,
  type Optimizer,
} from '../src/entries/train.js';
import { tf, tfjsObjective, useBackend, type TfjsBackendName } from '../src/tfjs/index.js';
import {
  expectParity,
  PARITY_CASES,
  problem,
  quantities,
  rademacher,
  relErr,
  SMALL_CNN,
  SMALL_MLP,
} from './tfjs-helpers.js';

describe.each(['cpu', 'wasm'] as TfjsBackendName[])('tfjs %s against core-wasm f32', (backend) => {
  it.each(PARITY_CASES)(
    '%s: loss, gradient, HVP, Hutchinson diagonal, top eigenvalue, ρ, Ψ and Ψ* agree',
    async (_, spec, move, scale) => {
      const p = await problem(spec, 48);
      const obj = await tfjsObjective({ spec, params: p.w, data: p, backend });
      try {
        expect(obj.info.backend).toBe(backend);
        expect(obj.numParams).toBe(p.core.numParams);
        expect(obj.tensors).toEqual(p.core.tensors);
        const want = await quantities(p.core, p.w, move);
        expect(want.productsWithCrossings).toBe(0);
        expectParity(await quantities(obj, p.w, move), want, backend, scale);
      } finally {
        obj.dispose();
      }
    },
  );
});

it('at the default move core-wasm sees the CNN’s kinks and shrinks; TF.js cannot count them', async () => {
  const p = await problem(SMALL_CNN, 48);
  const obj = await tfjsObjective({ spec: SMALL_CNN, params: p.w, data: p, backend: 'cpu' });
  try {
    const options = { method: 'hutchinson', probes: 8, seed: 3 } as const;
    const core = (await hessianDiagonal(p.core, p.w, options)).health;
    expect(core.counted).toBe(true);
    expect(core.hvpsWithCrossings).toBeGreaterThan(0);
    expect(core.stepShrinks).toBeGreaterThanOrEqual(core.hvpsWithCrossings);
    const tfjs = (await hessianDiagonal(obj, p.w, options)).health;
    expect(tfjs).toEqual({ ...emptyHealth(), hvps: 8, counted: false });
  } finally {
    obj.dispose();
  }
});

describe('tfjs objective on the device', () => {
  it('leaks no tensor over 100 HVPs, and uploads w once for 100 probes at it', async () => {
    const p = await problem(SMALL_MLP, 32);
    const obj = await tfjsObjective({ spec: SMALL_MLP, params: p.w, data: p, backend: 'cpu' });
    const m = obj.numParams;
    await obj.hvp(p.w, rademacher(m, 0)); // warm-up: caches w on the device
    const before = tf.memory().numTensors;
    const up = { ...obj.transfers };
    for (let k = 0; k < 100; k++) await obj.hvp(p.w, rademacher(m, k), { richardson: k % 2 === 0 });
    expect(tf.memory().numTensors).toBe(before);
    // Per probe: v up and Hv down, nothing else; w stays on the device.
    expect(obj.transfers.pointUploads).toBe(up.pointUploads);
    expect(obj.transfers.valuesUp - up.valuesUp).toBe(100 * m);
    expect(obj.transfers.valuesDown - up.valuesDown).toBe(100 * m);

    // The tensor path: nothing moves at all.
    const w = obj.upload(p.w);
    const v = obj.upload(rademacher(m, 1));
    const start = tf.memory().numTensors;
    const moved = { ...obj.transfers };
    for (let k = 0; k < 100; k++) obj.hvpTensor(w, v).dispose();
    expect(tf.memory().numTensors).toBe(start);
    expect(obj.transfers).toEqual(moved);
    tf.dispose([w, v]);
    obj.dispose();
    // Disposing frees the data, the model and the cached point.
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('the tensor path equals the plain one; Richardson agrees with core-wasm', async () => {
    const p = await problem(SMALL_MLP, 32);
    const obj = await tfjsObjective({ spec: SMALL_MLP, params: p.w, data: p, backend: 'cpu' });
    const v = rademacher(obj.numParams, 9);
    const plain = await obj.hvp(p.w, v);
    const [w, vt] = [obj.upload(p.w), obj.upload(v)];
    // Step from max|v| computed on the device: the same t as the engine's default.
    const onDevice = obj.hvpTensor(w, vt);
    expect(relErr(await onDevice.data(), plain)).toBeLessThan(1e-6);
    const g = obj.gradientTensor(w);
    expect((await g.loss.data())[0]).toBeCloseTo(await p.core.loss(p.w), 6);
    tf.dispose([w, vt, onDevice, g.loss, g.grad]);
    const rich = await obj.hvp(p.w, v, { richardson: true });
    expect(relErr(rich, await p.core.hvp(p.w, v, { richardson: true }))).toBeLessThan(3e-4);
    obj.dispose();
  });

  it('runs a user LayersModel (softmax output) as core-wasm runs the same weights, leaving it untouched', async () => {
    await useBackend('cpu');
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [5], units: 7, activation: 'tanh', name: 'h' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
      ],
    });
    // The same model in core-wasm, through its TF.js Layers artifacts.
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const a = artifacts as unknown as tf.io.ModelArtifacts;
    const loaded = fromTfjs(
      {
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }],
      },
      () => new Uint8Array(a.weightData as ArrayBuffer),
    );
    expect(loaded.spec.loss).toBe('softmax-cross-entropy');
    const rng = new Random(3);
    const x = Float32Array.from({ length: 40 * 5 }, () => rng.normal());
    const y = Int32Array.from({ length: 40 }, () => Math.floor(rng.uniform() * 3));
    const net = await Network.create(loaded.spec, { precision: 'f32' });
    net.setParams(loaded.params);
    net.setData(x, y);
    const core = networkObjective(net);

    const before = model.getWeights().map((t) => Array.from(t.dataSync()));
    const obj = await tfjsObjective({ model, data: { x, y } });
    expect(obj.lossKind).toBe('softmax-cross-entropy');
    expect(obj.tensors.map((t) => t.name)).toEqual([
      'h/kernel',
      'h/bias',
      'out/kernel',
      'out/bias',
    ]);
    const w = obj.params();
    expect(relErr(w, loaded.params)).toBe(0);
    const shifted = w.map((x, i) => x + 0.01 * Math.sin(i));
    const [g, gc] = [await obj.gradient(shifted), await core.gradient(shifted)];
    expect(Math.abs(g.loss - gc.loss) / gc.loss).toBeLessThan(2e-6);
    expect(relErr(g.grad, gc.grad)).toBeLessThan(3e-6);
    const v = rademacher(w.length, 2);
    expect(relErr(await obj.hvp(w, v), await core.hvp(w, v))).toBeLessThan(3e-4);
    obj.dispose();
    // The user's model keeps its weights and still ends in a softmax.
    expect(model.getWeights().map((t) => Array.from(t.dataSync()))).toEqual(before);
    const probs = model.predict(tf.ones([1, 5])) as tf.Tensor;
    expect((await probs.sum().data())[0]).toBeCloseTo(1, 5);
    probs.dispose();
    model.dispose();
  });

  it('takes variables and a loss function: least squares, Hessian XᵀX/n; dispose restores them', async () => {
    await useBackend('wasm');
    const rng = new Random(4);
    const n = 30;
    const d = 4;
    const x = Float32Array.from({ length: n * d }, () => rng.normal());
    const y = Float32Array.from({ length: n }, () => rng.normal());
    const w = tf.variable(tf.tensor1d([0.5, -0.25, 1, 0.1]), true, 'ls_w');
    const obj = await tfjsObjective({
      variables: [w],
      lossFn: (xb, yb) =>
        tf.mean(tf.mul(0.5, tf.square(tf.sub(tf.matMul(xb, tf.reshape(w, [d, 1])), yb)))),
      data: { x, y, inputShape: [d] },
      chunk: 7, // five chunks: the mean is accumulated over them
    });
    expect(obj.lossKind).toBe('custom');
    const w0 = obj.params();
    const v = Float64Array.from([1, -2, 0.5, 3]);
    const hv = await obj.hvp(Float64Array.from([2, 2, 2, 2]), v);
    // Exact: (XᵀX/n)·v in f64. A quadratic has no truncation error, so only f32 rounding remains.
    const exact = new Float64Array(d);
    for (let s = 0; s < n; s++) {
      let xv = 0;
      for (let j = 0; j < d; j++) xv += x[s * d + j] * v[j];
      for (let i = 0; i < d; i++) exact[i] += (x[s * d + i] * xv) / n;
    }
    expect(relErr(hv, exact)).toBeLessThan(1e-3);
    // The loss is the mean over all n samples, whatever the chunks.
    let sse = 0;
    for (let s = 0; s < n; s++) {
      let r = -y[s];
      for (let j = 0; j < d; j++) r += x[s * d + j] * w0[j];
      sse += 0.5 * r * r;
    }
    expect(await obj.loss(w0)).toBeCloseTo(sse / n, 5);
    obj.dispose();
    expect(Array.from(await w.data())).toEqual(Array.from(Float32Array.from(w0)));
    w.dispose();
  });

  it('handles shared parameters: the toy network (sigmoid BCE) agrees with core-wasm', async () => {
    const spec = toyNet({ depth: 3 });
    const rng = new Random(6);
    const n = 64;
    const x = Float32Array.from({ length: 2 * n }, () => rng.normal());
    const y = Float32Array.from({ length: n }, (_, s) => (x[2 * s] * x[2 * s + 1] > 0 ? 1 : 0));
    const net = await Network.create(spec, { precision: 'f32' });
    const w = Float64Array.from([0.8, -0.6]);
    net.setParams(w);
    net.setData(x, y);
    const core = networkObjective(net);
    const obj = await tfjsObjective({ spec, params: w, data: { x, y }, backend: 'cpu' });
    expect(obj.numParams).toBe(2);
    const [g, gc] = [await obj.gradient(w), await core.gradient(w)];
    expect(Math.abs(g.loss - gc.loss) / gc.loss).toBeLessThan(2e-6);
    expect(relErr(g.grad, gc.grad)).toBeLessThan(3e-6);
    expect(relErr(await obj.hvp(w, [1, 0]), await core.hvp(w, [1, 0]))).toBeLessThan(3e-4);
    obj.dispose();
  });

  it('runs the optimizers unchanged through a gradient oracle (adam, perturbedOpt)', async () => {
    const p = await problem(SMALL_MLP, 32);
    const obj = await tfjsObjective({ spec: SMALL_MLP, params: p.w, data: p, backend: 'wasm' });
    const run = async (opt: Optimizer, oracle: GradientOracle) => {
      let w = Float64Array.from(p.w);
      let state = opt.init(w);
      const losses: number[] = [];
      for (let k = 0; k < 5; k++) {
        const r = await opt.step(w, state, oracle, { precision: 'f32', trainSamples: 32 });
        w = w.map((x, i) => x + r.updates[i]);
        state = r.state;
        losses.push(r.loss);
      }
      return { w, losses };
    };
    const tfjsOracle: GradientOracle = (w) => obj.gradient(w);
    const coreOracle: GradientOracle = (w) => p.core.gradient(w);
    const make = [
      () => fromTransformation(adam({ learningRate: 0.05 })),
      () => perturbedOpt({ inner: adam({ learningRate: 0.05 }), seed: 3, curvature: 'secant' }),
    ];
    for (const opt of make) {
      const a = await run(opt(), tfjsOracle);
      const b = await run(opt(), coreOracle);
      expect(a.losses[4]).toBeLessThan(a.losses[0]);
      // Same trajectory to f32 rounding (Adam divides by √v: near-zero gradient entries carry
      // relative noise, so compare the parameters, not the updates).
      expect(relErr(a.w, b.w)).toBeLessThan(1e-5);
      a.losses.forEach((l, i) =>
        expect(Math.abs(l - b.losses[i]) / b.losses[i]).toBeLessThan(1e-5),
      );
    }
    obj.dispose();
  });

  it('refuses bad input with a clear error', async () => {
    const p = await problem(SMALL_MLP, 8);
    await expect(tfjsObjective({ spec: SMALL_MLP, data: p })).rejects.toThrow(/needs its params/);
    const before = tf.memory().numTensors;
    await expect(
      tfjsObjective({
        spec: SMALL_MLP,
        params: p.w,
        data: { x: p.x, y: new Int32Array([9, 0, 0, 0, 0, 0, 0, 0]) },
      }),
    ).rejects.toThrow(/label 9 of sample 0 is outside \[0, 4\)/);
    expect(tf.memory().numTensors).toBe(before); // the private model was freed
    await expect(tfjsObjective({ data: p } as never)).rejects.toThrow(/exactly one of model, spec/);
    const obj = await tfjsObjective({ spec: SMALL_MLP, params: p.w, data: p, backend: 'cpu' });
    await expect(obj.gradient([1, 2])).rejects.toThrow(/length 2, the objective has 92/);
    const bad = Float64Array.from(p.w);
    bad[3] = NaN;
    await expect(obj.loss(bad)).rejects.toThrow(/index 3 is not finite/);
    obj.dispose();
    await expect(obj.loss(p.w)).rejects.toThrow(/disposed/);
  });
});
