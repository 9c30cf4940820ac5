// Named network presets (the paper's networks and small baselines) as NetworkSpecs.

import { PacgenError, type Activation, type LayerSpec, type NetworkSpec } from '@pacgen/core-wasm';
import {
  resnet20,
  resnetMnist,
  vggBn,
  wideResnet,
  type ResNetOptions,
  type VggBnOptions,
  type WideResNetOptions,
} from './graph-presets.js';

export interface MlpOptions {
  /** Per-sample input shape (default [784]); image shapes get a flatten layer first. */
  inputShape?: number[];
  /** Hidden layer widths (default [128, 64]). */
  hidden?: number[];
  /** Hidden activation (default 'relu'). */
  activation?: Activation;
  /** Output units (default 10). */
  numClasses?: number;
  /** Dropout rate after each hidden layer (default 0: none). */
  dropout?: number;
}

/** A fully connected classifier: [flatten] → (dense → act [→ dropout])* → dense, softmax CE. */
export function mlp(opts: MlpOptions = {}): NetworkSpec {
  const inputShape = opts.inputShape ?? [784];
  const hidden = opts.hidden ?? [128, 64];
  const activation = opts.activation ?? 'relu';
  const dropout = opts.dropout ?? 0;
  const layers: LayerSpec[] = inputShape.length > 1 ? [{ type: 'flatten', name: 'flatten' }] : [];
  hidden.forEach((units, i) => {
    layers.push({ type: 'dense', units, activation, name: `dense_${i + 1}` });
    if (dropout > 0) layers.push({ type: 'dropout', rate: dropout, name: `dropout_${i + 1}` });
  });
  layers.push({ type: 'dense', units: opts.numClasses ?? 10, name: `dense_${hidden.length + 1}` });
  return { inputShape, layers, loss: 'softmax-cross-entropy' };
}

export interface MnistCnnOptions {
  /** Dropout rate of both dropout layers (default 0.5). */
  dropout?: number;
  numClasses?: number;
}

/**
 * The PyTorch MNIST example network on NHWC [28, 28, 1]: conv(1→10, 5) → maxpool 2 → relu →
 * conv(10→20, 5) → dropout → maxpool 2 → relu → flatten → dense(320→50) → relu → dropout →
 * dense(50→10); 21,840 parameters. (PyTorch's Dropout2d drops whole channels; ours drops units.)
 */
export function mnistCnn(opts: MnistCnnOptions = {}): NetworkSpec {
  const rate = opts.dropout ?? 0.5;
  return {
    inputShape: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 10, kernelSize: 5, name: 'conv1' },
      { type: 'maxpool2d', poolSize: 2, name: 'pool1' },
      { type: 'activation', activation: 'relu', name: 'relu1' },
      { type: 'conv2d', filters: 20, kernelSize: 5, name: 'conv2' },
      { type: 'dropout', rate, name: 'conv2_drop' },
      { type: 'maxpool2d', poolSize: 2, name: 'pool2' },
      { type: 'activation', activation: 'relu', name: 'relu2' },
      { type: 'flatten', name: 'flatten' },
      { type: 'dense', units: 50, name: 'fc1' },
      { type: 'activation', activation: 'relu', name: 'relu3' },
      { type: 'dropout', rate, name: 'fc1_drop' },
      { type: 'dense', units: opts.numClasses ?? 10, name: 'fc2' },
    ],
    loss: 'softmax-cross-entropy',
  };
}

export interface CifarCnnOptions {
  /** Filters of the three 3×3 conv layers (default [32, 64, 64]). */
  filters?: [number, number, number];
  /** Width of the hidden dense layer (default 64). */
  dense?: number;
  /** Dropout before the output layer (default 0: none). */
  dropout?: number;
  /** 10 (CIFAR-10, default) or 100. */
  numClasses?: number;
}

/**
 * The small CNN of the TensorFlow CIFAR-10 tutorial on [32, 32, 3]: conv 3×3 → relu → maxpool 2
 * → conv → relu → maxpool 2 → conv → relu → flatten → dense → relu → dense; 122,570 parameters
 * with the defaults.
 */
export function cifarCnn(opts: CifarCnnOptions = {}): NetworkSpec {
  const [f1, f2, f3] = opts.filters ?? [32, 64, 64];
  const layers: LayerSpec[] = [
    { type: 'conv2d', filters: f1, kernelSize: 3, activation: 'relu', name: 'conv1' },
    { type: 'maxpool2d', poolSize: 2, name: 'pool1' },
    { type: 'conv2d', filters: f2, kernelSize: 3, activation: 'relu', name: 'conv2' },
    { type: 'maxpool2d', poolSize: 2, name: 'pool2' },
    { type: 'conv2d', filters: f3, kernelSize: 3, activation: 'relu', name: 'conv3' },
    { type: 'flatten', name: 'flatten' },
    { type: 'dense', units: opts.dense ?? 64, activation: 'relu', name: 'fc1' },
  ];
  if (opts.dropout) layers.push({ type: 'dropout', rate: opts.dropout, name: 'fc1_drop' });
  layers.push({ type: 'dense', units: opts.numClasses ?? 10, name: 'fc2' });
  return { inputShape: [32, 32, 3], layers, loss: 'softmax-cross-entropy' };
}

export interface ToyNetOptions {
  /** Number of layers including the output (default 5). */
  depth?: number;
}

/**
 * The toy network of docs/reproduction.md §1: two parameters (w1, w2) shared by every layer. Hidden layers
 * h ← sigmoid(W h) with W = [[w1, w2], [w2, w1]] (no biases); output sigmoid(w1·h1 + w2·h2);
 * sigmoid-bce loss. The free parameter tensor is `w` = [w1, w2].
 */
export function toyNet(opts: ToyNetOptions = {}): NetworkSpec {
  const depth = opts.depth ?? 5;
  if (!Number.isInteger(depth) || depth < 1) {
    throw new PacgenError(`toy network depth must be a positive integer, got ${depth}`);
  }
  const hidden: LayerSpec[] = [];
  for (let i = 1; i < depth; i++) {
    hidden.push({ type: 'dense', units: 2, useBias: false, name: `hidden_${i}` });
    hidden.push({ type: 'activation', activation: 'sigmoid', name: `sigmoid_${i}` });
  }
  // Dense kernels are [in, out] row-major: W[i][o] with W symmetric, so [w1, w2, w2, w1].
  const map = [
    ...Array(depth - 1)
      .fill([0, 1, 1, 0])
      .flat(),
    0,
    1,
  ];
  return {
    inputShape: [2],
    layers: [
      ...hidden,
      { type: 'dense', units: 1, useBias: false, name: 'output' },
      { type: 'activation', activation: 'sigmoid', name: 'output_sigmoid' },
    ],
    loss: 'sigmoid-bce',
    shared: { tensors: [{ name: 'w', shape: [2] }], map },
  };
}

/** Options of every preset, by name. */
export interface PresetOptions {
  mlp: MlpOptions;
  'mnist-cnn': MnistCnnOptions;
  'cifar-cnn': CifarCnnOptions;
  toy: ToyNetOptions;
  resnet20: Omit<ResNetOptions, 'blocks' | 'inputShape'>;
  'resnet-mnist': Omit<ResNetOptions, 'inputShape'>;
  'wrn-16-4': Omit<WideResNetOptions, 'depth' | 'width'>;
  'vgg-bn': VggBnOptions;
}

export type PresetName = keyof PresetOptions;

const PRESETS: { [K in PresetName]: (o: PresetOptions[K]) => NetworkSpec } = {
  mlp,
  'mnist-cnn': mnistCnn,
  'cifar-cnn': cifarCnn,
  toy: toyNet,
  resnet20,
  'resnet-mnist': resnetMnist,
  'wrn-16-4': (o) => wideResnet({ ...o, depth: 16, width: 4 }),
  'vgg-bn': vggBn,
};

/** The names `presetByName` accepts. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** A preset network by name; throws a PacgenError listing the valid names for an unknown one. */
export function presetByName<K extends PresetName>(
  name: K,
  options?: PresetOptions[K],
): NetworkSpec;
export function presetByName(name: string, options?: object): NetworkSpec;
export function presetByName(name: string, options: object = {}): NetworkSpec {
  if (!Object.prototype.hasOwnProperty.call(PRESETS, name)) {
    throw new PacgenError(`unknown model preset '${name}' (valid: ${PRESET_NAMES.join(', ')})`);
  }
  return (PRESETS[name as PresetName] as (o: object) => NetworkSpec)(options);
}
