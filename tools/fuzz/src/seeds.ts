// The seed corpus: valid inputs of every parser, made by pacgen's own writers (writeIdx,
// writeSafetensors, toTfjs, a real training run's checkpoint, a real sweep's files) so that the
// seeds follow the formats as they change. Built once per run (a few seconds: it trains a tiny
// network and runs a one-point sweep) and handed to every worker.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Random, compileNetwork, type NetworkSpec } from '@pacgen/core-wasm';
import { toyGaussianMixture, writeIdx, type IdxArray } from '@pacgen/metrics/data';
import { runName, runSweep, sweepOptimizer, type SweepPoint } from '@pacgen/metrics/experiments';
import { toTfjs, writeSafetensors } from '@pacgen/metrics/models';
import { toOnnx } from '@pacgen/metrics/onnx';
import { memoryCheckpointStore, parseState, train } from '@pacgen/metrics/train';

/** One valid input: the files a parser reads, and what the caller of the parser knows. */
export interface Seed {
  files: Uint8Array[];
  context?: unknown;
}

/** Seeds by target name. */
export type Corpus = Record<string, Seed[]>;

const text = (s: string) => new TextEncoder().encode(s);
const bytesOf = (a: Float32Array | Float64Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function idxSeeds(): Uint8Array[] {
  const r = new Random(1);
  const arrays: IdxArray[] = [
    { dtype: 'uint8', shape: [5, 4, 4], data: Uint8Array.from({ length: 80 }, () => r.int(256)) },
    { dtype: 'int8', shape: [6], data: Int8Array.from([0, 1, 2, 1, 0, 2]) },
    { dtype: 'int16', shape: [3, 2], data: Int16Array.from([1, -2, 3, -4, 5, -6]) },
    { dtype: 'int32', shape: [5], data: Int32Array.from([0, 1, 2, 3, 1]) },
    {
      dtype: 'float32',
      shape: [2, 3, 2, 1],
      data: Float32Array.from({ length: 12 }, r.normal.bind(r)),
    },
    { dtype: 'float64', shape: [2, 3], data: Float64Array.from([0.5, 1, 2, 3, 4, 5]) },
  ];
  return arrays.map(writeIdx);
}

function cifarSeeds(): Uint8Array[] {
  const r = new Random(2);
  const records = (n: number, labels: number) =>
    Uint8Array.from({ length: n * (labels + 3072) }, (_, i) =>
      i % (labels + 3072) < labels ? r.int(10) : r.int(256),
    );
  return [records(3, 1), records(2, 2)];
}

function safetensorsSeeds(): Uint8Array[] {
  const r = new Random(3);
  const f32 = (n: number) => Float32Array.from({ length: n }, () => r.normal());
  const plain = writeSafetensors(
    [
      { name: 'a', shape: [2, 3], data: f32(6) },
      { name: 'b', shape: [3], data: Float64Array.from([1, 2, 3]) },
      { name: 'scalar', shape: [], data: f32(1) },
    ],
    { format: 'pt', note: 'seed' },
  );
  // Every dtype the reader decodes, written by hand (pacgen writes F32 and F64 only).
  const dtypes: [string, number, number[]][] = [
    ['F16', 2, [2]],
    ['BF16', 2, [2]],
    ['I64', 8, [1]],
    ['I32', 4, [2]],
    ['I16', 2, [1]],
    ['I8', 1, [3]],
    ['U8', 1, [2]],
    ['BOOL', 1, [1]],
  ];
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [dtype, size, shape] of dtypes) {
    const n = shape.reduce((a, b) => a * b, 1) * size;
    header[dtype.toLowerCase()] = { dtype, shape, data_offsets: [off, off + n] };
    off += n;
  }
  return [
    plain,
    safetensorsFile(
      JSON.stringify(header),
      Uint8Array.from({ length: off }, (_, i) => i),
    ),
  ];
}

/** A safetensors file from header text and data bytes. */
function safetensorsFile(header: string, data: Uint8Array): Uint8Array {
  const h = text(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const TFJS_SPECS: NetworkSpec[] = [
  {
    inputShape: [4],
    layers: [
      { type: 'dense', units: 3, activation: 'relu', name: 'hidden' },
      { type: 'dropout', rate: 0.2 },
      { type: 'dense', units: 2 },
    ],
    loss: 'softmax-cross-entropy',
  },
  {
    inputShape: [6, 5, 2],
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh' },
      { type: 'conv2d', filters: 2, kernelSize: [2, 1], padding: 1 },
      { type: 'maxpool2d', poolSize: 2 },
      { type: 'activation', activation: 'leaky-relu', alpha: 0.2 },
      { type: 'avgpool2d', poolSize: [2, 1], strides: [1, 1] },
      { type: 'flatten' },
      { type: 'dense', units: 1, activation: 'sigmoid' },
    ],
    loss: 'sigmoid-bce',
  },
  // A graph, written as a functional model with its BatchNorm buffers.
  {
    inputShape: [4, 4, 2],
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 3, padding: 'same', useBias: false, name: 'c' },
      { type: 'batchnorm', name: 'bn', momentum: 0.05 },
      { type: 'add', inputs: ['bn', 'input'], name: 'sum' },
      { type: 'conv2d', filters: 4, kernelSize: 3, padding: 1, groups: 2, name: 'g' },
      { type: 'concat', inputs: ['g', 'sum'] },
      { type: 'layernorm', epsilon: 1e-3 },
      { type: 'global-avgpool' },
      { type: 'dense', units: 3 },
    ],
    loss: 'softmax-cross-entropy',
  },
];

function tfjsSeeds(): Seed[] {
  const seeds = TFJS_SPECS.map((spec, k) => {
    const r = new Random(10 + k);
    const compiled = compileNetwork(spec);
    const params = Float64Array.from({ length: compiled.numParams }, () => r.normal());
    const buffers = Float64Array.from({ length: compiled.numBuffers }, () => 0.5 + r.uniform());
    const { modelJson, weightData } = toTfjs(spec, params, { buffers });
    return { files: [text(JSON.stringify(modelJson)), weightData] };
  });
  // Keras 3's functional spelling: inbound nodes as calls whose arguments are keras tensors.
  const tensor = (name: string) => ({
    class_name: '__keras_tensor__',
    config: { shape: [null, 2], dtype: 'float32', keras_history: [name, 0, 0] },
  });
  const call = (...names: string[]) => [
    { args: names.length === 1 ? [tensor(names[0])] : [names.map(tensor)], kwargs: {} },
  ];
  const keras3 = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Functional',
      config: {
        name: 'functional',
        layers: [
          {
            class_name: 'InputLayer',
            name: 'x',
            config: { name: 'x', batch_shape: [null, 2] },
            inbound_nodes: [],
          },
          {
            class_name: 'Dense',
            name: 'd',
            config: { name: 'd', units: 2, activation: 'relu' },
            inbound_nodes: call('x'),
          },
          { class_name: 'Add', name: 'a', config: { name: 'a' }, inbound_nodes: call('d', 'x') },
          {
            class_name: 'Dense',
            name: 'out',
            config: { name: 'out', units: 2, activation: 'softmax' },
            inbound_nodes: call('a'),
          },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: ['out', 0, 0],
      },
    },
    weightsManifest: [
      {
        paths: ['w.bin'],
        weights: ['d/kernel', 'd/bias', 'out/kernel', 'out/bias'].map((name) => ({
          name,
          shape: name.endsWith('kernel') ? [2, 2] : [2],
          dtype: 'float32',
        })),
      },
    ],
  };
  seeds.push({
    files: [
      text(JSON.stringify(keras3)),
      bytesOf(Float32Array.from({ length: 12 }, (_, i) => i / 10 - 0.5)),
    ],
  });
  // As tensorflowjs_converter writes a Keras model: model_config, an InputLayer, prefixed names.
  const keras = {
    format: 'layers-model',
    modelTopology: {
      model_config: {
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: [
            { class_name: 'InputLayer', config: { name: 'input', batch_shape: [null, 3] } },
            { class_name: 'Dense', config: { name: 'dense', units: 2, activation: 'softmax' } },
          ],
        },
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'sequential/dense/kernel', shape: [3, 2], dtype: 'float32' },
          { name: 'sequential/dense/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ],
  };
  seeds.push({
    files: [text(JSON.stringify(keras)), bytesOf(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]))],
  });
  return seeds;
}

function layerListSeeds(): Seed[] {
  const r = new Random(20);
  const t = (name: string, shape: number[]) => ({
    name,
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()),
  });
  const conv = {
    inputShape: [1, 6, 6],
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 3, key: 'conv1' },
      { type: 'relu' },
      { type: 'maxpool2d', kernelSize: 2 },
      { type: 'flatten' },
      { type: 'dropout', p: 0.1 },
      { type: 'linear', units: 3, key: 'fc' },
      { type: 'log-softmax' },
    ],
  };
  const convWeights = [
    t('conv1.weight', [2, 1, 3, 3]),
    t('conv1.bias', [2]),
    t('fc.weight', [3, 8]),
    t('fc.bias', [3]),
  ];
  const seq = {
    inputShape: [4],
    prefix: 'net.',
    loss: 'mse',
    layers: [
      { type: 'linear', units: 3 },
      { type: 'leaky-relu', negativeSlope: 0.1 },
      { type: 'gelu', approximate: 'tanh' },
      { type: 'identity' },
      { type: 'linear', units: 1, bias: false },
    ],
  };
  const seqWeights = [t('net.0.weight', [3, 4]), t('net.0.bias', [3]), t('net.4.weight', [1, 3])];
  // A residual block with BatchNorm: named layers read by name; running statistics as buffers.
  const graph = {
    inputShape: [2, 4, 4],
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 3, padding: 1, bias: false, key: 'conv' },
      { type: 'batchnorm2d', key: 'bn', name: 'bn' },
      { type: 'add', inputs: ['bn', 'input'] },
      { type: 'relu', name: 'block' },
      { type: 'conv2d', filters: 2, kernelSize: 1, groups: 2, key: 'dw', name: 'dw' },
      { type: 'concat', inputs: ['block', 'dw'] },
      { type: 'global-avgpool' },
      { type: 'linear', units: 3, key: 'fc' },
    ],
  };
  const graphWeights = [
    t('conv.weight', [2, 2, 3, 3]),
    t('bn.weight', [2]),
    t('bn.bias', [2]),
    t('bn.running_mean', [2]),
    { name: 'bn.running_var', shape: [2], data: Float32Array.from([0.5, 2]) },
    t('dw.weight', [2, 1, 1, 1]),
    t('dw.bias', [2]),
    t('fc.weight', [3, 4]),
    t('fc.bias', [3]),
  ];
  return [
    { files: [text(JSON.stringify(conv)), writeSafetensors(convWeights)] },
    { files: [text(JSON.stringify(seq)), writeSafetensors(seqWeights)] },
    { files: [text(JSON.stringify(graph)), writeSafetensors(graphWeights)] },
  ];
}

const TOY_SPEC: NetworkSpec = {
  inputShape: [2],
  layers: [
    { type: 'dense', units: 4, activation: 'tanh' },
    { type: 'dense', units: 1 },
  ],
  loss: 'sigmoid-bce',
};

/** Checkpoints of real two-epoch runs (with Ψ rows) under two optimizers. */
async function checkpointSeeds(): Promise<Seed[]> {
  const data = toyGaussianMixture({ train: 40, test: 20, seed: 1 });
  const seeds: Seed[] = [];
  for (const optimizer of ['adam', 'perturbed'] as const) {
    const point: SweepPoint = { optimizer, batchSize: 10, learningRate: 0.05, seed: 1 };
    const store = memoryCheckpointStore();
    await train({
      spec: TOY_SPEC,
      precision: 'f64',
      data,
      optimizer: sweepOptimizer(point, 0.05),
      batchSize: 10,
      epochs: 2,
      seed: 1,
      psiEvery: 1,
      psi: { diagonal: { method: 'hutchinson', probes: 2 }, rho: { probes: 1 } },
      checkpoint: store,
    });
    const ck = parseState(store.text!) as {
      fingerprint: Record<string, unknown>;
      params: Float64Array;
    };
    const template = sweepOptimizer(point, 0.05).init(ck.params);
    const expectation = {
      fingerprint: ck.fingerprint,
      numParams: ck.params.length,
      optimizerState: template,
    };
    seeds.push({ files: [text(store.text!)], context: { point, expectation } });
  }
  return seeds;
}

/** sweep.json and runs/NAME.json of a real one-point sweep on toy data. */
async function sweepSeeds(): Promise<{ sweep: Seed[]; run: Seed[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'pacgen-fuzz-seed-'));
  try {
    const data = toyGaussianMixture({ train: 40, test: 20, seed: 2 });
    const point: SweepPoint = { optimizer: 'sgd', batchSize: 10, learningRate: 0.1, seed: 1 };
    const result = await runSweep({
      grid: { batchSizes: [10], learningRates: [0.1], optimizers: ['sgd'], seeds: [1] },
      model: { name: 'toy-mlp', spec: TOY_SPEC },
      data: { name: 'toy', ...data },
      outDir: dir,
      maxEpochs: 2,
      precision: 'f64',
      budget: {
        trainSubset: 40,
        testSubset: 20,
        psiSamples: 20,
        probes: 2,
        rhoProbes: 1,
        psiEvery: 1,
        lanczosIterations: 3,
        sharpnessSteps: 1,
        flatnessSamples: 1,
        flatnessIterations: 2,
      },
    });
    const name = runName(point);
    const sweep = await readFile(join(dir, 'sweep.json'));
    const run = await readFile(join(dir, 'runs', `${name}.json`));
    const context = { name, point, settings: result.settings };
    return {
      sweep: [{ files: [new Uint8Array(sweep)], context: { settings: result.settings } }],
      run: [{ files: [new Uint8Array(run)], context }],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * ONNX seeds: files torch.onnx.export wrote (the metrics fixtures: shape arithmetic before a
 * Reshape, a zero Pad, a decomposed GELU, BatchNorm with a residual add and global pooling) and
 * a graph written by pacgen's exporter.
 */
async function onnxSeeds(): Promise<Uint8Array[]> {
  const fixtures = new URL('../../../packages/metrics/test/fixtures/onnx/', import.meta.url);
  const names = [
    'view-op13.onnx',
    'avgpool-op17.onnx',
    'gelu-tanh-op17.onnx',
    'resnet-bn-f64.onnx',
  ];
  const files = await Promise.all(
    names.map(async (n) => new Uint8Array(await readFile(new URL(n, fixtures)))),
  );
  const spec: NetworkSpec = {
    inputShape: [4, 4, 2],
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 3, padding: 'same', strides: 2, name: 'c' },
      { type: 'batchnorm', name: 'bn' },
      { type: 'concat', inputs: ['bn', 'c'], name: 'cat' },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'gelu' },
    ],
    loss: 'softmax-cross-entropy',
  };
  const compiled = compileNetwork(spec);
  const r = new Random(15);
  const params = Float64Array.from({ length: compiled.numParams }, () => r.normal());
  const buffers = Float64Array.from({ length: compiled.numBuffers }, () => 0.5 + r.uniform());
  return [...files, toOnnx(spec, params, { buffers })];
}

/** Builds the seeds of every target. */
export async function buildCorpus(): Promise<Corpus> {
  const idx = idxSeeds();
  const { sweep, run } = await sweepSeeds();
  return {
    idx: idx.map((f) => ({ files: [f] })),
    // Half gzipped, half raw: the target gzips a raw input, so mutations reach both layers.
    'idx-gzip': idx.map((f, i) => ({ files: [i % 2 ? f : new Uint8Array(gzipSync(f))] })),
    cifar: cifarSeeds().map((f) => ({ files: [f] })),
    safetensors: safetensorsSeeds().map((f) => ({ files: [f] })),
    tfjs: tfjsSeeds(),
    'layer-list': layerListSeeds(),
    onnx: (await onnxSeeds()).map((f) => ({ files: [f] })),
    checkpoint: await checkpointSeeds(),
    'run-json': run,
    'sweep-json': sweep,
  };
}
