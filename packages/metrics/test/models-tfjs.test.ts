// Round trips with the real TensorFlow.js Layers runtime (CPU backend).

import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network, Random, type NetworkSpec } from '@pacgen/core-wasm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyNet, type LoadedModel } from '../src/entries/models.js';
import { loadTfjsModel, saveTfjsModel } from '../src/entries/node.js';
import { fails } from './file-helpers.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'pacgen-tfjs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const random = (n: number, seed: number, scale = 0.5) => {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * r.uniform() - 1));
};

/** A file:// IOHandler for tf.loadLayersModel, built from the files in `folder`. */
function fileHandler(folder: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
      const groups = json.weightsManifest as {
        paths: string[];
        weights: tf.io.WeightsManifestEntry[];
      }[];
      const parts = await Promise.all(
        groups.flatMap((g) => g.paths).map((p) => readFile(join(folder, p))),
      );
      const data = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: groups.flatMap((g) => g.weights),
        weightData: data.buffer,
        format: json.format,
      };
    },
  };
}

/** Saves tfjs artifacts the way tfjs-node's file:// handler lays them out. */
async function saveWithTfjs(model: tfl.LayersModel, folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = Array.isArray(a.weightData)
        ? Buffer.concat(a.weightData.map((b) => Buffer.from(b)))
        : Buffer.from(a.weightData as ArrayBuffer);
      await writeFile(join(folder, 'weights.bin'), data);
      const json = {
        modelTopology: a.modelTopology,
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
        weightsManifest: [{ paths: ['./weights.bin'], weights: a.weightSpecs }],
      };
      await writeFile(join(folder, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function tfjsPredict(model: tfl.LayersModel, x: Float32Array, shape: number[]) {
  const input = tf.tensor(x, [x.length / shape.reduce((a, b) => a * b, 1), ...shape]);
  const out = model.predict(input) as tf.Tensor;
  const values = await out.data();
  input.dispose();
  out.dispose();
  return values;
}

async function ourPredict(model: LoadedModel, x: Float32Array) {
  const net = await Network.create(model.spec);
  net.setParams(model.params);
  return net.predict(x, { probabilities: true });
}

const convNet: NetworkSpec = {
  inputShape: [9, 10, 2],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' },
    {
      type: 'conv2d',
      filters: 3,
      kernelSize: [2, 3],
      strides: [1, 2],
      padding: 1,
      activation: 'tanh',
    },
    { type: 'maxpool2d', poolSize: 2 },
    { type: 'activation', activation: 'leaky-relu', alpha: 0.2 },
    { type: 'avgpool2d', poolSize: [2, 1], strides: [1, 1] },
    { type: 'dropout', rate: 0.3 },
    { type: 'flatten' },
    { type: 'dense', units: 6, activation: 'sigmoid' },
    { type: 'dense', units: 5, activation: 'softplus' },
    { type: 'dense', units: 4 },
  ],
  loss: 'softmax-cross-entropy',
};

describe('TF.js Layers: ours → tf.loadLayersModel', () => {
  const cases: [string, NetworkSpec][] = [
    ['conv net, softmax output', convNet],
    [
      'sigmoid-bce output',
      {
        inputShape: [5],
        layers: [
          { type: 'dense', units: 3, activation: 'sigmoid' },
          { type: 'dense', units: 1 },
        ],
        loss: 'sigmoid-bce',
      },
    ],
    [
      'mse, linear output, no biases',
      {
        inputShape: [4],
        layers: [
          { type: 'dense', units: 3, useBias: false, activation: 'relu' },
          { type: 'dense', units: 2 },
        ],
        loss: 'mse',
      },
    ],
    ['toy network (shared parameters written per layer)', toyNet()],
  ];
  it.each(cases)('%s: predictions agree within 1e-5', async (_, spec) => {
    const net = await Network.create(spec);
    net.setParams(random(net.numParams, 1, spec.shared ? 2 : 0.5));
    const folder = join(dir, `ours-${spec.layers.length}-${spec.loss}`);
    const saved = await saveTfjsModel(folder, spec, net.params);
    // The model's two files, and pacgen's ownership manifest (io/atomic.ts).
    expect((await readdir(folder)).sort()).toEqual([
      '.pacgen-output.json',
      'group1-shard1of1.bin',
      'model.json',
    ]);
    expect(saved.weights[0]).toBe(join(folder, 'group1-shard1of1.bin'));
    const model = await tfl.loadLayersModel(fileHandler(folder));
    const inputShape = spec.inputShape;
    const x = random(7 * inputShape.reduce((a, b) => a * b, 1), 2, 2);
    const theirs = await tfjsPredict(model, x, inputShape);
    const ours = net.predict(x, { probabilities: true });
    expect(maxDiff(theirs, ours)).toBeLessThan(1e-5);
    // And back: the same network and (f32) parameters.
    const back = await loadTfjsModel(folder);
    expect(maxDiff(await ourPredict(back, x), ours)).toBeLessThan(1e-6);
    if (!spec.shared) expect(Array.from(back.params)).toEqual(Array.from(net.params));
    expect(back.spec.loss).toBe(spec.loss);
  });

  it('the Keras topology: class names, batch_input_shape, padding layer, fused output activation', async () => {
    const json = JSON.parse(
      await readFile(join(dir, `ours-10-softmax-cross-entropy`, 'model.json'), 'utf8'),
    );
    const layers = json.modelTopology.config.layers as {
      class_name: string;
      config: Record<string, unknown>;
    }[];
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(layers.map((l) => l.class_name)).toEqual([
      'Conv2D',
      'ZeroPadding2D',
      'Conv2D',
      'MaxPooling2D',
      'LeakyReLU',
      'AveragePooling2D',
      'Dropout',
      'Flatten',
      'Dense',
      'Dense',
      'Dense',
    ]);
    expect(layers[0].config.batch_input_shape).toEqual([null, 9, 10, 2]);
    expect(layers.map((l) => l.config.activation).filter(Boolean)).toEqual([
      'relu',
      'tanh',
      'sigmoid',
      'softplus',
      'softmax',
    ]);
    expect(json.weightsManifest[0].weights[0]).toEqual({
      name: 'c1/kernel',
      shape: [3, 3, 2, 4],
      dtype: 'float32',
    });
  });
});

/** The parts of a saved model.json the tests edit. */
interface ModelJson {
  modelTopology: {
    class_name: string;
    config: { layers: { class_name: string; config: Record<string, unknown> }[] };
  };
  weightsManifest: {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string }[];
  }[];
}

function tfjsModel(): tfl.Sequential {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [8, 7, 3],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 5, kernelSize: 2, activation: 'tanh', useBias: false }),
      tfl.layers.averagePooling2d({ poolSize: [1, 2], strides: 1 }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.25 }),
      tfl.layers.dense({ units: 7, activation: 'sigmoid' }),
      tfl.layers.leakyReLU({ alpha: 0.1 }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.setWeights(m.getWeights().map((w, i) => tf.tensor(random(w.size, 10 + i), w.shape)));
  return m;
}

describe('TF.js Layers: tfjs model.save → ours', () => {
  let model: tfl.Sequential;
  let folder: string;
  const x = random(5 * 8 * 7 * 3, 3, 1);
  beforeAll(async () => {
    model = tfjsModel();
    folder = join(dir, 'theirs');
    await saveWithTfjs(model, folder);
  });

  it('loads and predicts the same within 1e-5', async () => {
    const ours = await loadTfjsModel(folder);
    expect(ours.spec.loss).toBe('softmax-cross-entropy');
    expect(ours.spec.inputShape).toEqual([8, 7, 3]);
    expect(maxDiff(await ourPredict(ours, x), await tfjsPredict(model, x, [8, 7, 3]))).toBeLessThan(
      1e-5,
    );
  });

  it('a Keras model as tensorflowjs_converter writes it (model_config, InputLayer, prefixed names)', async () => {
    const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
    const layers = json.modelTopology.config.layers;
    const shape = layers[0].config.batch_input_shape;
    delete layers[0].config.batch_input_shape;
    json.modelTopology = {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: shape, name: 'input_1' } },
            ...layers,
          ],
        },
      },
    };
    for (const w of json.weightsManifest[0].weights) w.name = `sequential/${w.name}`;
    const keras = join(dir, 'keras');
    await mkdir(keras);
    await writeFile(join(keras, 'model.json'), JSON.stringify(json));
    await writeFile(join(keras, 'weights.bin'), await readFile(join(folder, 'weights.bin')));
    const ours = await loadTfjsModel(join(keras, 'model.json'));
    expect(maxDiff(await ourPredict(ours, x), await tfjsPredict(model, x, [8, 7, 3]))).toBeLessThan(
      1e-5,
    );
  });

  /** Writes a modified copy of the saved model and returns its folder. */
  async function variant(
    name: string,
    edit: (json: ModelJson, bin: Buffer) => Buffer | void,
  ): Promise<string> {
    const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
    const bin = await readFile(join(folder, 'weights.bin'));
    const out = join(dir, 'bad', name);
    await mkdir(out, { recursive: true });
    const newBin = edit(json, bin) ?? bin;
    await writeFile(join(out, 'model.json'), JSON.stringify(json));
    await writeFile(join(out, 'weights.bin'), newBin);
    return out;
  }

  it('unsupported layers and activations are named', async () => {
    const insert = (cls: string) => (j: ModelJson) => {
      j.modelTopology.config.layers.splice(2, 0, {
        class_name: cls,
        config: { name: `my_${cls}` },
      });
    };
    await fails(
      loadTfjsModel(await variant('gru', insert('GRU'))),
      /model\.json: layer 2 'my_GRU': unsupported layer class 'GRU'/,
    );
    await fails(
      loadTfjsModel(await variant('lstm', insert('LSTM'))),
      /unsupported layer class 'LSTM'/,
    );
    await fails(
      loadTfjsModel(
        await variant('selu', (j) => {
          j.modelTopology.config.layers[6].config.activation = 'selu';
        }),
      ),
      /unsupported activation 'selu'/,
    );
    await fails(
      loadTfjsModel(
        await variant('subclassed', (j) => {
          j.modelTopology.class_name = 'MyModel';
        }),
      ),
      /only Sequential and functional \(Functional, Model\) models are supported, got class 'MyModel'/,
    );
  });

  it('manifest paths that escape the folder are refused', async () => {
    for (const [i, p] of [
      '../weights.bin',
      '/etc/passwd',
      'C:\\weights.bin',
      '%2e%2e/weights.bin',
      'a/../../x.bin',
    ].entries()) {
      const f = await variant(`escape${i}`, (j) => {
        j.weightsManifest[0].paths = [p];
      });
      await fails(loadTfjsModel(f), /escapes the model's folder/);
    }
    const f = await variant('link', (j) => {
      j.weightsManifest[0].paths = ['link.bin'];
    });
    await symlink(join(folder, 'weights.bin'), join(f, 'link.bin'));
    await fails(loadTfjsModel(f), /weight path 'link\.bin' escapes the model's folder/);
  });

  it('truncated shards, wrong shapes, bad JSON, missing files, bad dtypes', async () => {
    await fails(
      loadTfjsModel(await variant('trunc', (_, bin) => bin.subarray(0, bin.length - 8))),
      /model\.json: weight files weights\.bin hold \d+ bytes but the manifest's 7 weights need \d+ \(truncated\)/,
    );
    await fails(
      loadTfjsModel(
        await variant('shape', (j) => {
          j.weightsManifest[0].weights[0].shape = [4, 3, 3, 3];
        }),
      ),
      /weight '.*kernel' has shape \[4, 3, 3, 3\] but 'conv2d.*\/kernel' of the architecture needs \[3, 3, 3, 4\]/,
    );
    await fails(
      loadTfjsModel(
        await variant('extra', (j, bin) => {
          j.weightsManifest[0].weights.push({ name: 'extra/bias', shape: [2], dtype: 'float32' });
          return Buffer.concat([bin, Buffer.alloc(8)]);
        }),
      ),
      /weights not used by any layer: extra\/bias/,
    );
    await fails(
      loadTfjsModel(
        await variant('dtype', (j) => {
          j.weightsManifest[0].weights[0].dtype = 'float16';
        }),
      ),
      /has dtype float16; only float32/,
    );
    const f = await variant('json', () => undefined);
    await writeFile(join(f, 'model.json'), '{"modelTopology": ');
    await fails(loadTfjsModel(f), /model\.json: malformed JSON/);
    const g = await variant('missing', (j) => {
      j.weightsManifest[0].paths = ['gone.bin'];
    });
    await fails(loadTfjsModel(g), /gone\.bin: cannot read the weight file .*: no such file/);
    await fails(
      loadTfjsModel(join(dir, 'nowhere')),
      /nowhere: cannot read the model\.json: no such file/,
    );
  });
});

describe('saveTfjsModel writes atomically', () => {
  const spec: NetworkSpec = { inputShape: [3], layers: [{ type: 'dense', units: 2 }], loss: 'mse' };
  const params = new Float32Array(8).fill(0.5);

  it('leaves nothing behind on a failure, and replaces only a TF.js model folder', async () => {
    const parent = join(dir, 'atomic');
    await mkdir(parent);
    await expect(saveTfjsModel(join(parent, 'm'), spec, new Float32Array(3))).rejects.toThrow(
      /parameter vector has length 3, the network has 8/,
    );
    expect(await readdir(parent)).toEqual([]);
    const gelu: NetworkSpec = {
      ...spec,
      layers: [{ type: 'dense', units: 2, activation: 'gelu' }],
    };
    await fails(saveTfjsModel(join(parent, 'm'), gelu, params), /GELU \(tanh form\) has no TF\.js/);
    expect(await readdir(parent)).toEqual([]);
    await saveTfjsModel(join(parent, 'm'), spec, params);
    expect(await readdir(parent)).toEqual(['m']);
    await fails(saveTfjsModel(join(parent, 'm'), spec, params), /folder exists and is not empty/);
    await saveTfjsModel(
      join(parent, 'm'),
      spec,
      params.map((v) => v * 2),
      { overwrite: true },
    );
    expect(await readdir(parent)).toEqual(['m']);
    expect((await loadTfjsModel(join(parent, 'm'))).params[0]).toBe(1);
    await writeFile(join(parent, 'm', 'notes.txt'), 'mine');
    await fails(
      saveTfjsModel(join(parent, 'm'), spec, params, { overwrite: true }),
      /will not replace a folder holding files pacgen did not write \(notes\.txt\)/,
    );
    expect((await readdir(join(parent, 'm'))).sort()).toEqual([
      '.pacgen-output.json',
      'group1-shard1of1.bin',
      'model.json',
      'notes.txt',
    ]);
    expect(await readdir(parent)).toEqual(['m']);
  });
});
