// Keras layer configs (as TF.js Layers and Keras 2/3 write them) and the engine's layers: the
// activations by Keras name, and one reader per supported layer class turning a config into
// LayerSpecs. Names from files are looked up in Maps, so 'toString' finds nothing.

import {
  PacgenError,
  describeName,
  describeValue,
  type Activation,
  type LayerSpec,
} from '@pacgen/core-wasm';
import { isObject } from './tfjs-format.js';
import type { uniqueNames } from './naming.js';

/** One layer of a Sequential topology. */
export type KerasLayer = { class_name: string; config: Record<string, unknown> };

// Our activations by Keras name. Our GELU is the tanh form; Keras' 'gelu' is the exact erf
// form, and tfjs 4.22 cannot deserialise its 'gelu_new' (it looks up 'geluNew'), so GELU is
// refused on export and read only as 'gelu_new'.
const TO_KERAS: Record<Exclude<Activation, 'leaky-relu' | 'gelu'>, string> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softplus: 'softplus',
  softmax: 'softmax',
};
// A Map, so that a name like 'toString' from a file finds nothing.
const FROM_KERAS = new Map<string, Activation>([
  ...Object.entries(TO_KERAS).map(([ours, keras]) => [keras, ours as Activation] as const),
  ['gelu_new', 'gelu'],
]);

export function kerasActivation(act: Activation, layer: string): string {
  if (act === 'gelu') {
    throw new PacgenError(
      `layer '${layer}': GELU (tanh form) has no TF.js Layers activation that loads ('gelu' is the exact erf form); use another activation to export`,
    );
  }
  return TO_KERAS[act as keyof typeof TO_KERAS];
}

/** Sequential layer configs from a topology (tfjs, Keras 2 and Keras 3 spellings). */
export function sequentialLayers(topology: Record<string, unknown>, file: string): KerasLayer[] {
  const top = isObject(topology.model_config) ? topology.model_config : topology;
  if (top.class_name !== 'Sequential') {
    throw new PacgenError(
      `${file}: only Sequential and functional (Functional, Model) models are supported, got class ${describeValue(top.class_name)}`,
    );
  }
  const config = top.config;
  const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new PacgenError(`${file}: the Sequential model has no layers`);
  }
  return layers.map((l, i) => {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) {
      throw new PacgenError(`${file}: layer ${i} needs class_name and config`);
    }
    return l as KerasLayer;
  });
}

function activationOf(v: unknown, where: string): Activation {
  const name = isObject(v) ? v.class_name : (v ?? 'linear');
  const act = typeof name === 'string' ? FROM_KERAS.get(name) : undefined;
  if (!act) {
    const hint =
      name === 'gelu' ? " (exact GELU; the engine computes the tanh form, 'gelu_new')" : '';
    throw new PacgenError(
      `${where}: unsupported activation ${describeValue(name)}${hint} (supported: ${[...FROM_KERAS.keys()].join(', ')}, and LeakyReLU layers)`,
    );
  }
  return act;
}

const pair = (v: unknown, where: string, what: string): [number, number] => {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x) && x > 0)) {
    throw new PacgenError(
      `${where}: ${what} must be a positive integer or a pair, got ${describeValue(v)}`,
    );
  }
  return [a[0], a[1]];
};

/** What the readers share while reading one Sequential model. */
export interface ReadState {
  layers: LayerSpec[];
  /** ZeroPadding2D's padding, waiting for the Conv2D it belongs to. */
  pad: number | null;
  /** The activation of the last layer that had one. */
  lastAct: Activation | null;
  names: ReturnType<typeof uniqueNames>;
  /** Channels (last dimension) of the layer's input, when known: what a depthwise conv needs. */
  channels: number | null;
  /** Rank of the layer's per-sample input, when known (for an axis given as a number). */
  rank: number | null;
  /** Our tensor names whose Keras weight has another last segment (depthwise_kernel). */
  renamed: Map<string, string>;
}

/** One layer being read: its config, a description for messages, and its unique name. */
interface LayerInput {
  c: Record<string, unknown>;
  className: string;
  where: string;
  name: string;
  /** The activation of a config value, recorded as the last; undefined for linear. */
  activation: (v: unknown) => Activation | undefined;
}

type Reader = (l: LayerInput, s: ReadState) => void;

const readDense: Reader = ({ c, where, name, activation }, s) => {
  if (!Number.isInteger(c.units) || (c.units as number) < 1) {
    throw new PacgenError(`${where}: units must be a positive integer`);
  }
  s.layers.push({
    type: 'dense',
    name,
    units: c.units as number,
    useBias: c.use_bias !== false,
    activation: activation(c.activation),
  });
};

const readConv2d: Reader = ({ c, where, name, activation }, s) => {
  const dil = pair(c.dilation_rate ?? 1, where, 'dilation_rate');
  if (dil[0] !== 1 || dil[1] !== 1)
    throw new PacgenError(`${where}: dilated convolutions are not supported`);
  const groups = c.groups ?? 1;
  if (!Number.isInteger(groups) || (groups as number) < 1) {
    throw new PacgenError(
      `${where}: groups must be a positive integer, got ${describeValue(groups)}`,
    );
  }
  if (c.padding !== 'valid' && c.padding !== 'same' && c.padding !== undefined) {
    throw new PacgenError(`${where}: padding ${describeValue(c.padding)} is not supported`);
  }
  if (s.pad !== null && c.padding === 'same') {
    throw new PacgenError(`${where}: ZeroPadding2D before a 'same' Conv2D is not supported`);
  }
  s.layers.push({
    type: 'conv2d',
    name,
    filters: c.filters as number,
    kernelSize: pair(c.kernel_size, where, 'kernel_size'),
    strides: pair(c.strides ?? 1, where, 'strides'),
    padding: s.pad ?? (c.padding as 'valid' | 'same' | undefined) ?? 'valid',
    useBias: c.use_bias !== false,
    activation: activation(c.activation),
    ...(groups !== 1 && { groups: groups as number }),
  });
  s.pad = null;
};

const readPool: Reader = ({ c, className, where, name }, s) => {
  if (c.padding !== undefined && c.padding !== 'valid') {
    throw new PacgenError(
      `${where}: only 'valid' pooling is supported, got ${describeValue(c.padding)}`,
    );
  }
  const poolSize = pair(c.pool_size ?? 2, where, 'pool_size');
  s.layers.push({
    type: className === 'MaxPooling2D' ? 'maxpool2d' : 'avgpool2d',
    name,
    poolSize,
    strides: c.strides == null ? poolSize : pair(c.strides, where, 'strides'),
  });
};

const readSoftmax: Reader = ({ c, where, name }, s) => {
  if (c.axis !== undefined && c.axis !== -1) {
    throw new PacgenError(`${where}: softmax over axis ${describeValue(c.axis)} is not supported`);
  }
  s.lastAct = 'softmax';
  s.layers.push({ type: 'activation', name, activation: 'softmax' });
};

const readRelu: Reader = ({ c, where, name }, s) => {
  if ((c.max_value ?? null) !== null || (c.threshold ?? 0) !== 0 || (c.negative_slope ?? 0) !== 0) {
    throw new PacgenError(
      `${where}: only a plain ReLU (no max_value, threshold or slope) is supported`,
    );
  }
  s.lastAct = 'relu';
  s.layers.push({ type: 'activation', name, activation: 'relu' });
};

const readLeakyRelu: Reader = ({ c, where, name }, s) => {
  // tfjs and Keras 2 call the slope alpha (default 0.3); Keras 3 negative_slope.
  const alpha = (c.alpha ?? c.negative_slope ?? 0.3) as number;
  if (!Number.isFinite(alpha)) throw new PacgenError(`${where}: alpha must be a number`);
  s.lastAct = 'leaky-relu';
  s.layers.push({ type: 'activation', name, activation: 'leaky-relu', alpha });
};

const readZeroPadding: Reader = ({ c, where, name }, s) => {
  const p = c.padding ?? 1;
  const flat = (Array.isArray(p) ? p.flat() : [p]) as unknown[];
  if (!flat.every((v) => v === flat[0]) || !Number.isInteger(flat[0])) {
    throw new PacgenError(
      `${where}: only equal padding on every side is supported, got ${describeValue(p)}`,
    );
  }
  s.pad = flat[0] as number;
  s.names.release(name);
};

const readDepthwise: Reader = (l, s) => {
  const { c, where } = l;
  const k = c.depth_multiplier ?? 1;
  if (!Number.isInteger(k) || (k as number) < 1) {
    throw new PacgenError(`${where}: depth_multiplier must be a positive integer`);
  }
  // A depthwise conv is a grouped one with one group per input channel, whose kernel
  // [kh, kw, C, k] is ours [kh, kw, 1, C·k] with the same values in the same order.
  const C = s.channels;
  if (C === null) {
    throw new PacgenError(`${where}: needs an image input with a known channel count`);
  }
  readConv2d({ ...l, c: { ...c, filters: C * (k as number), groups: C } }, s);
  s.renamed.set(`${l.name}/kernel`, 'depthwise_kernel');
};

/** Keras' channel axis for a layer that must act on the last one ('axis': -1, or rank − 1). */
function lastAxis(v: unknown, where: string, rank: number | null): void {
  const a = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (a === -1 || a === undefined || (rank !== null && a === rank)) return;
  throw new PacgenError(
    `${where}: only the last (channel) axis is supported, got axis ${describeValue(v)}`,
  );
}

const finite = (v: unknown, dflt: number, where: string, what: string): number => {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new PacgenError(`${where}: ${what} must be a number, got ${describeValue(v)}`);
  }
  return x;
};

const readBatchNorm: Reader = ({ c, where, name }, s) => {
  lastAxis(c.axis, where, s.rank);
  // Keras' momentum is the weight of the old statistic (0.99); ours is PyTorch's, the weight
  // of the batch's (0.01).
  const momentum = 1 - finite(c.momentum, 0.99, where, 'momentum');
  s.layers.push({
    type: 'batchnorm',
    name,
    epsilon: finite(c.epsilon, 1e-3, where, 'epsilon'),
    momentum,
    center: c.center !== false,
    scale: c.scale !== false,
  });
};

const readLayerNorm: Reader = ({ c, where, name }, s) => {
  lastAxis(c.axis, where, s.rank);
  if (c.center === false || c.scale === false) {
    throw new PacgenError(`${where}: layer normalization without center or scale is not supported`);
  }
  s.layers.push({ type: 'layernorm', name, epsilon: finite(c.epsilon, 1e-3, where, 'epsilon') });
};

const readGlobalAvgPool: Reader = ({ c, where, name }, s) => {
  if (c.keepdims === true) throw new PacgenError(`${where}: keepdims is not supported`);
  s.layers.push({ type: 'global-avgpool', name });
};

const readConcat: Reader = ({ c, where, name }, s) => {
  lastAxis(c.axis, where, s.rank);
  s.layers.push({ type: 'concat', name });
};

const readReshape: Reader = ({ c, where, name }, s) => {
  const t = c.target_shape;
  if (!Array.isArray(t) || t.length === 0 || !t.every((d) => Number.isInteger(d) && d > 0)) {
    throw new PacgenError(
      `${where}: target_shape must list positive integers, got ${describeValue(t)}`,
    );
  }
  s.layers.push({ type: 'reshape', name, targetShape: t as number[] });
};

/** The reader of each supported layer class (a Map: class names come from files). */
export const READERS = new Map<string, Reader>([
  ['InputLayer', ({ name }, s) => s.names.release(name)],
  ['Dense', readDense],
  ['Conv2D', readConv2d],
  ['MaxPooling2D', readPool],
  ['AveragePooling2D', readPool],
  ['Flatten', ({ name }, s) => void s.layers.push({ type: 'flatten', name })],
  [
    'Dropout',
    ({ c, name }, s) => void s.layers.push({ type: 'dropout', name, rate: c.rate as number }),
  ],
  [
    'Activation',
    ({ c, name, activation }, s) => {
      const a = activation(c.activation);
      if (a) s.layers.push({ type: 'activation', name, activation: a });
    },
  ],
  ['ReLU', readRelu],
  ['LeakyReLU', readLeakyRelu],
  ['Softmax', readSoftmax],
  ['ZeroPadding2D', readZeroPadding],
  ['DepthwiseConv2D', readDepthwise],
  ['BatchNormalization', readBatchNorm],
  ['LayerNormalization', readLayerNorm],
  ['GlobalAveragePooling2D', readGlobalAvgPool],
  ['Add', ({ name }, s) => void s.layers.push({ type: 'add', name })],
  ['Concatenate', readConcat],
  ['Reshape', readReshape],
]);

/** The channel count and rank a reader may need of a layer's input; null when unknown. */
export interface ChannelInfo {
  channels: number | null;
  rank: number | null;
}

/**
 * The channels and rank of a layer's output from those of its inputs. Only what readers ask
 * about (a depthwise conv's channels, a numeric axis): the engine's compiler checks the full
 * shapes. O(1) per layer.
 */
export function channelsAfter(l: LayerSpec, ins: ChannelInfo[]): ChannelInfo {
  const first = ins[0] ?? { channels: null, rank: null };
  switch (l.type) {
    case 'dense':
      return { channels: l.units, rank: 1 };
    case 'conv2d':
      return { channels: l.filters, rank: 3 };
    case 'flatten':
      return { channels: null, rank: 1 };
    case 'global-avgpool':
      return { channels: first.channels, rank: 1 };
    case 'reshape':
      return { channels: l.targetShape[l.targetShape.length - 1], rank: l.targetShape.length };
    case 'concat': {
      const known = ins.every((i) => i.channels !== null);
      const sum = ins.reduce((a, i) => a + (i.channels ?? 0), 0);
      return { channels: known ? sum : null, rank: first.rank };
    }
    default:
      return { channels: first.channels, rank: first.rank };
  }
}

/** The supported layer classes, for messages. */
const SUPPORTED = [...READERS.keys()];

/**
 * Reads layer `i` of the topology into `s`, checking its name, data format and, when
 * `wantShape` (no earlier layer gave one), its input shape. Returns the input shape it declares.
 */
export function readLayer(
  l: KerasLayer,
  i: number,
  file: string,
  s: ReadState,
  wantShape: boolean,
): number[] | null {
  const c = l.config;
  const where = `${file}: layer ${i} ${describeValue(c.name ?? l.class_name)} (${describeName(l.class_name)})`;
  if (c.name !== undefined && typeof c.name !== 'string') {
    throw new PacgenError(`${where}: the layer name must be a string`);
  }
  let inputShape: number[] | null = null;
  const shape = c.batch_input_shape ?? c.batch_shape;
  if (Array.isArray(shape) && wantShape) {
    const dims = shape.slice(1);
    if (dims.length === 0 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
      throw new PacgenError(
        `${where}: the input shape must be fully known, got ${describeValue(shape)}`,
      );
    }
    inputShape = dims;
    s.channels = dims[dims.length - 1];
    s.rank = dims.length;
  }
  if (c.data_format !== undefined && c.data_format !== 'channels_last') {
    throw new PacgenError(
      `${where}: data_format ${describeValue(c.data_format)} is not supported (channels_last only)`,
    );
  }
  const name = s.names.take(
    ((c.name as string | undefined) ?? `${l.class_name.toLowerCase()}_${i}`).replace(/\//g, '_'),
  );
  if (s.pad !== null && l.class_name !== 'Conv2D') {
    throw new PacgenError(`${where}: ZeroPadding2D must be followed by a Conv2D layer`);
  }
  const reader = READERS.get(l.class_name);
  if (!reader) {
    // Without the class in `where` (it is named once): the message stays under 500 characters.
    throw new PacgenError(
      `${file}: layer ${i} ${describeValue(c.name ?? l.class_name)}: unsupported layer class ${describeValue(l.class_name)} (supported: ${SUPPORTED.join(', ')}; others: add a reader to READERS in models/keras-layers.ts, or export to ONNX)`,
    );
  }
  const activation = (v: unknown) => {
    const a = activationOf(v, where);
    s.lastAct = a;
    return a === 'linear' ? undefined : a;
  };
  const before = s.layers.length;
  reader({ c, className: l.class_name, where, name, activation }, s);
  if (s.layers.length > before) {
    ({ channels: s.channels, rank: s.rank } = channelsAfter(s.layers[before], [s]));
  }
  return inputShape;
}
