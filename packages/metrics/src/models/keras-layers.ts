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
      `${file}: only Sequential models are supported, got class ${describeValue(top.class_name)}`,
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
  if (c.groups !== undefined && c.groups !== 1) {
    throw new PacgenError(`${where}: grouped convolutions are not supported`);
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
]);

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
    throw new PacgenError(
      `${where}: unsupported layer class ${describeValue(l.class_name)} (supported: ${SUPPORTED.join(', ')})`,
    );
  }
  const activation = (v: unknown) => {
    const a = activationOf(v, where);
    s.lastAct = a;
    return a === 'linear' ? undefined : a;
  };
  reader({ c, className: l.class_name, where, name, activation }, s);
  return inputShape;
}
