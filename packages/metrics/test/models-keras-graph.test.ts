// Keras / TF.js functional models: a ResNet-like graph built with the real TF.js Layers runtime
// (CPU backend) read by pacgen, written back and loaded by tf.loadLayersModel, and scored by
// both engines; malformed graphs give one clear error each.

import { join } from 'node:path';
import { Network, Random } from '@pacgen/core-wasm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../src/models/model.js';
import { presetByName } from '../src/models/presets.js';
import { loadTfjsModel, saveTfjsModel } from '../src/models/node.js';
import { fromTfjs, toTfjs, type TfjsModelJson } from '../src/models/tfjs-convert.js';
import { networkObjective } from '../src/objective/network.js';
import { tfjsObjective } from '../src/tfjs/objective.js';
import { fails, useTempDir } from './file-helpers.js';

const dir = useTempDir('pacgen-keras-graph-');
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE = [6, 6, 3];

/**
 * stem conv → BN → ReLU → [conv → BN → ReLU → conv → BN] + stem (residual) → ReLU →
 * [depthwise ×2, stride 2] ‖ [1×1 conv, stride 2] → LayerNorm → global average → dense softmax.
 */
function resnetLike(): tfl.LayersModel {
  const L = tfl.layers;
  const input = tfl.input({ shape: SHAPE, name: 'image' });
  const chain = (x: tfl.SymbolicTensor, ...ls: tfl.layers.Layer[]) =>
    ls.reduce((t, l) => l.apply(t) as tfl.SymbolicTensor, x);
  const stem = chain(
    input,
    L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'stem' }),
    L.batchNormalization({ name: 'bn0' }),
    L.reLU({ name: 'relu0' }),
  );
  const branch = chain(
    stem,
    L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv1' }),
    L.batchNormalization({ name: 'bn1', momentum: 0.9, epsilon: 1e-4 }),
    L.activation({ activation: 'relu', name: 'relu1' }),
    L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'conv2' }),
    L.batchNormalization({ name: 'bn2' }),
  );
  const sum = chain(L.add({ name: 'add' }).apply([branch, stem]) as tfl.SymbolicTensor, L.reLU());
  const dw = L.depthwiseConv2d({
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    depthMultiplier: 2,
    name: 'dw',
  }).apply(sum) as tfl.SymbolicTensor;
  const proj = L.conv2d({ filters: 8, kernelSize: 1, strides: 2, name: 'proj' }).apply(sum);
  const out = chain(
    L.concatenate({ name: 'cat' }).apply([dw, proj as tfl.SymbolicTensor]) as tfl.SymbolicTensor,
    L.layerNormalization({ name: 'ln' }),
    L.globalAveragePooling2d({ name: 'gap' }),
    L.dense({ units: 5, activation: 'softmax', name: 'fc' }),
  );
  const model = tfl.model({ inputs: input, outputs: out });
  // Random weights everywhere, the moving variances positive.
  const r = new Random(7);
  model.setWeights(
    model.weights.map((w) => {
      const n = w.shape.reduce((a, b) => a! * b!, 1)!;
      const v = w.name.includes('moving_variance')
        ? Float32Array.from({ length: n }, () => 0.5 + r.uniform())
        : Float32Array.from({ length: n }, () => 0.6 * (2 * r.uniform() - 1));
      return tf.tensor(v, w.shape as number[]);
    }),
  );
  return model;
}

/** The model.json object and weight bytes tfjs writes for a model. */
async function artifacts(
  model: tfl.LayersModel,
): Promise<{ json: TfjsModelJson; bin: Uint8Array }> {
  let out: { json: TfjsModelJson; bin: Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const bin = new Uint8Array(a.weightData as ArrayBuffer);
      const json = {
        modelTopology: a.modelTopology as Record<string, unknown>,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs! }],
      };
      out = { json, bin };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}

const inputs = (n: number, seed: number) => {
  const r = new Random(seed);
  return Float32Array.from({ length: n * 108 }, () => 2 * r.uniform() - 1);
};

async function tfjsPredict(model: tfl.LayersModel, x: Float32Array): Promise<Float32Array> {
  const t = tf.tensor(x, [x.length / 108, ...SHAPE]);
  const y = model.predict(t) as tf.Tensor;
  const v = (await y.data()) as Float32Array;
  t.dispose();
  y.dispose();
  return v;
}

async function enginePredict(
  m: LoadedModel,
  x: Float32Array,
): Promise<Float32Array | Float64Array> {
  const net = await Network.create(m.spec);
  net.setParams(m.params);
  if (m.buffers) net.setBuffers(m.buffers);
  return net.predict(x, { probabilities: true });
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

describe('Keras / TF.js functional models', () => {
  it('reads a ResNet-like functional model built in TF.js: the same predictions', async () => {
    const model = resnetLike();
    const { json, bin } = await artifacts(model);
    const m = fromTfjs(json, () => bin, { file: 'resnet.json' });
    const types = m.spec.layers.map((l) => l.type);
    for (const t of ['batchnorm', 'add', 'concat', 'layernorm', 'global-avgpool'] as const) {
      expect(types).toContain(t);
    }
    const bn1 = m.spec.layers.find((l) => l.name === 'bn1');
    // Keras momentum 0.9 is the weight of the old statistic: PyTorch's (ours) is 0.1.
    expect(bn1).toMatchObject({ type: 'batchnorm', epsilon: 1e-4 });
    expect((bn1 as { momentum: number }).momentum).toBeCloseTo(0.1, 12);
    expect(m.spec.layers.find((l) => l.name === 'dw')).toMatchObject({ groups: 4, filters: 8 });
    expect(m.spec.layers.find((l) => l.name === 'add')?.inputs).toEqual(['bn2', 'relu0']);
    expect(m.buffers?.length).toBe(2 * (4 + 4 + 4));
    const x = inputs(7, 1);
    const d = maxDiff(await enginePredict(m, x), await tfjsPredict(model, x));
    expect(d).toBeLessThan(1e-5);
    model.dispose();
  });

  it("reads Keras 3's spelling (inbound nodes as calls on keras tensors) as TF.js'", async () => {
    const model = resnetLike();
    const { json, bin } = await artifacts(model);
    model.dispose();
    // The same topology as Keras 3 writes it (config.json of a .keras file).
    const k3 = structuredClone(json) as TfjsModelJson & { modelTopology: Record<string, never> };
    const top = k3.modelTopology as unknown as {
      class_name: string;
      config: { layers: Record<string, unknown>[]; input_layers: unknown; output_layers: unknown };
    };
    top.class_name = 'Functional';
    const tensor = (t: unknown[]) => ({
      class_name: '__keras_tensor__',
      config: { shape: null, dtype: 'float32', keras_history: t.slice(0, 3) },
    });
    for (const l of top.config.layers) {
      const nodes = l.inbound_nodes as unknown[][][];
      if (nodes.length === 0) {
        const c = l.config as Record<string, unknown>;
        c.batch_shape = c.batch_input_shape;
        delete c.batch_input_shape;
        continue;
      }
      const args = nodes[0].map(tensor);
      l.inbound_nodes = [{ args: args.length === 1 ? args : [args], kwargs: {} }];
    }
    top.config.output_layers = (top.config.output_layers as unknown[])[0];
    const a = fromTfjs(json, () => bin);
    const b = fromTfjs(k3, () => bin);
    expect(b).toEqual(a);
  });

  it('writes a graph model that tf.loadLayersModel loads with the same predictions', async () => {
    const model = resnetLike();
    const { json, bin } = await artifacts(model);
    const m = fromTfjs(json, () => bin);
    const out = join(dir(), 'resnet');
    await saveTfjsModel(out, m.spec, m.params, { buffers: m.buffers });
    const back = await loadTfjsModel(out);
    expect(back.spec).toEqual(m.spec);
    expect(back.params).toEqual(m.params);
    expect(back.buffers).toEqual(m.buffers);
    const { modelJson, weightData } = toTfjs(m.spec, m.params, { buffers: m.buffers });
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights as tf.io.WeightsManifestEntry[],
        weightData: weightData.slice().buffer,
      }),
    );
    const x = inputs(5, 2);
    expect(maxDiff(await tfjsPredict(loaded, x), await enginePredict(m, x))).toBeLessThan(1e-5);
    loaded.dispose();
    model.dispose();
  });

  it('pads, BatchNorm without γ and β, linear activations and depthwise ×1 read and write', async () => {
    const L = tfl.layers;
    const input = tfl.input({ shape: [5, 5, 2] });
    const padded = L.zeroPadding2d({ padding: 1 }).apply(input) as tfl.SymbolicTensor;
    const layers: tfl.layers.Layer[] = [
      L.conv2d({ filters: 3, kernelSize: 3, strides: 2, name: 'conv' }),
      L.batchNormalization({ center: false, scale: false, name: 'bn' }),
      L.activation({ activation: 'linear' }),
      L.depthwiseConv2d({ kernelSize: 2, useBias: false, name: 'dw' }),
      L.dropout({ rate: 0.4 }),
      L.flatten(),
      L.dense({ units: 1, activation: 'sigmoid', name: 'out' }),
    ];
    const out = layers.reduce((t, l) => l.apply(t) as tfl.SymbolicTensor, padded);
    const model = tfl.model({ inputs: input, outputs: out });
    const r = new Random(11);
    model.setWeights(
      model.weights.map((w) => {
        const n = w.shape.reduce((a, b) => a! * b!, 1)!;
        const lo = w.name.includes('moving_variance') ? 0.5 : -0.6;
        return tf.tensor(
          Float32Array.from({ length: n }, () => lo + r.uniform()),
          w.shape as number[],
        );
      }),
    );
    const { json, bin } = await artifacts(model);
    const m = fromTfjs(json, () => bin);
    expect(m.spec.loss).toBe('sigmoid-bce');
    expect(m.spec.layers.find((l) => l.name === 'conv')).toMatchObject({ padding: 1 });
    // conv 3×3×2×3 + 3, dw 2×2×1×3 (no bias; no γ, β), dense on the 2×2×3 map 12 + 1.
    expect(m.params.length).toBe(54 + 3 + 12 + 12 + 1);
    const x = Float32Array.from({ length: 4 * 50 }, () => 2 * r.uniform() - 1);
    const t = tf.tensor(x, [4, 5, 5, 2]);
    const y = model.predict(t) as tf.Tensor;
    expect(maxDiff(await y.data(), await enginePredict(m, x))).toBeLessThan(1e-6);
    const { modelJson, weightData } = toTfjs(m.spec, m.params, { buffers: m.buffers });
    const back = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights as tf.io.WeightsManifestEntry[],
        weightData: weightData.slice().buffer,
      }),
    );
    const z = back.predict(t) as tf.Tensor;
    expect(maxDiff(await z.data(), await y.data())).toBeLessThan(1e-6);
    tf.dispose([t, y, z]);
    back.dispose();
    model.dispose();
  });

  it.each(['resnet-mnist', 'resnet20', 'vgg-bn'])(
    'exports the %s preset (random statistics) as a model tf.loadLayersModel predicts alike',
    async (name) => {
      const spec = presetByName(name);
      const net = await Network.create(spec, { precision: 'f32', maxBatch: 2 });
      const params = Float64Array.from(net.initParams(1));
      const r = new Random(2);
      const buffers = net.getBuffers();
      for (const b of net.buffers) {
        const variance = b.name.endsWith('/moving_variance');
        for (let i = b.offset; i < b.offset + b.size; i++)
          buffers[i] = variance ? 0.5 + r.uniform() : 0.3 * (2 * r.uniform() - 1);
      }
      const m: LoadedModel = { spec, params, buffers };
      const size = spec.inputShape.reduce((a, b) => a * b, 1);
      const x = Float32Array.from({ length: 2 * size }, () => 2 * r.uniform() - 1);
      const { modelJson, weightData } = toTfjs(spec, params, { buffers });
      const loaded = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: modelJson.modelTopology,
          weightSpecs: modelJson.weightsManifest[0].weights as tf.io.WeightsManifestEntry[],
          weightData: weightData.slice().buffer,
        }),
      );
      const t = tf.tensor(x, [2, ...spec.inputShape]);
      const y = loaded.predict(t) as tf.Tensor;
      expect(maxDiff(await y.data(), await enginePredict(m, x))).toBeLessThan(1e-6);
      tf.dispose([t, y]);
      loaded.dispose();
    },
  );

  it('scores the graph with both engines: equal loss and gradient (f32)', async () => {
    const model = resnetLike();
    const { json, bin } = await artifacts(model);
    const m = fromTfjs(json, () => bin);
    model.dispose();
    const n = 12;
    const x = inputs(n, 3);
    const y = Int32Array.from({ length: n }, (_, i) => (i * 3) % 5);
    const net = await Network.create(m.spec, { precision: 'f32' });
    net.setParams(m.params);
    net.setBuffers(m.buffers!);
    net.setData(x, y);
    const wasm = await networkObjective(net).gradient(m.params);
    const tfjs = await tfjsObjective({
      spec: m.spec,
      params: m.params,
      buffers: m.buffers,
      data: { x, y },
    });
    const t = await tfjs.gradient(m.params);
    tfjs.dispose();
    expect(Math.abs(t.loss - wasm.loss)).toBeLessThan(1e-5 * Math.max(1, wasm.loss));
    const scale = wasm.grad.reduce((a, g) => Math.max(a, Math.abs(g)), 0);
    expect(maxDiff(t.grad, wasm.grad) / scale).toBeLessThan(1e-5);
  });
});

describe('malformed functional models: one clear error each', () => {
  type Json = TfjsModelJson & {
    modelTopology: {
      config: { layers: { name: string; class_name: string; inbound_nodes: unknown[] }[] };
    };
  };
  async function edited(edit: (json: Json) => void) {
    const model = resnetLike();
    const { json, bin } = await artifacts(model);
    model.dispose();
    edit(json as Json);
    return () => fromTfjs(json, () => bin, { file: 'bad.json' });
  }
  const layer = (json: Json, name: string) =>
    json.modelTopology.config.layers.find((l) => l.name === name)!;

  it('an unknown layer class: named, with how to add or convert it', async () => {
    const read = await edited((j) => (layer(j, 'ln').class_name = 'MyNorm'));
    await fails(read, /layer 14 'ln'/, /unsupported layer class 'MyNorm'/, /READERS/, /ONNX/);
  });

  it('an inbound node naming no layer (dangling)', async () => {
    const read = await edited((j) => (layer(j, 'cat').inbound_nodes = [[['ghost', 0, 0, {}]]]));
    await fails(read, /bad\.json: layer 'cat' reads 'ghost', which is not a layer/);
  });

  it('a cycle', async () => {
    const read = await edited((j) => (layer(j, 'conv1').inbound_nodes = [[['add', 0, 0, {}]]]));
    await fails(read, /cycle/);
  });

  it('a shape mismatch at an add', async () => {
    const read = await edited(
      (j) =>
        (layer(j, 'add').inbound_nodes = [
          [
            ['bn2', 0, 0, {}],
            ['image', 0, 0, {}],
          ],
        ]),
    );
    await fails(read, /bad\.json/, /add/, /shape/);
  });
});
