// The TensorFlow.js Layers format (model.json + float32 weight shards), which is also what
// tensorflowjs_converter makes of a Keras Sequential model. Browser-safe: works on bytes and
// objects; node.ts reads and writes the files.

import {
  PacgenError,
  describeName,
  describeValue,
  type Activation,
  type LayerSpec,
  type Loss,
  type NetworkSpec,
} from '@pacgen/core-wasm';
import {
  checkRelativePath,
  compileFromFile,
  compileWithParams,
  listNames,
  MAX_TENSOR_RANK,
  prod,
  type LoadedModel,
} from './model.js';
import { uniqueNames, weightMatcher } from './naming.js';

/** The weight file `toTfjs` writes. */
export const TFJS_SHARD_NAME = 'group1-shard1of1.bin';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/** The parts of model.json we read and write. */
export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest: TfjsWeightGroup[];
  userDefinedMetadata?: Record<string, unknown>;
}

type KerasLayer = { class_name: string; config: Record<string, unknown> };

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

function kerasActivation(act: Activation, layer: string): string {
  if (act === 'gelu') {
    throw new PacgenError(
      `layer '${layer}': GELU (tanh form) has no TF.js Layers activation that loads ('gelu' is the exact erf form); use another activation to export`,
    );
  }
  return TO_KERAS[act as keyof typeof TO_KERAS];
}

/**
 * Converts a network and its parameters to a TF.js Layers model: a Sequential topology with
 * Keras class names (Conv2D, Dense, MaxPooling2D, …) and one float32 little-endian shard. The
 * activation fused into the loss becomes the last layer's activation (e.g. softmax), so the
 * model predicts probabilities. Tied or shared parameters are written out per layer; explicit
 * conv padding becomes a ZeroPadding2D layer. GELU is refused (no TF.js activation matches
 * the engine's tanh form and loads).
 */
export function toTfjs(
  spec: NetworkSpec,
  params: ArrayLike<number>,
  opts: { modelName?: string } = {},
): { modelJson: TfjsModelJson; weightData: Uint8Array } {
  const { compiled, weights } = compileWithParams(spec, params);
  // Activation names by layer name, as compileNetwork expands them.
  const acts = new Map<string, { act: Activation; alpha: number }>();
  spec.layers.forEach((l, i) => {
    const name = l.name ?? `${l.type}_${i}`;
    if ((l.type === 'dense' || l.type === 'conv2d') && l.activation && l.activation !== 'linear') {
      acts.set(`${name}_act`, { act: l.activation, alpha: 0.01 });
    } else if (l.type === 'activation') {
      acts.set(name, { act: l.activation, alpha: l.alpha ?? 0.01 });
    }
  });

  const layers: KerasLayer[] = [];
  const specs: { name: string; shape: number[]; offset: number }[] = [];
  const names = uniqueNames();
  const unique = (base: string) => names.take(base.replace(/[^A-Za-z0-9_.-]/g, '_') || 'layer');
  for (const l of compiled.layers) {
    const name = unique(l.name);
    const last = layers[layers.length - 1];
    switch (l.type) {
      case 'dense': {
        layers.push({
          class_name: 'Dense',
          config: { name, units: l.outSize, activation: 'linear', use_bias: l.biasOffset >= 0 },
        });
        specs.push({
          name: `${name}/kernel`,
          shape: [l.inSize, l.outSize],
          offset: l.weightOffset,
        });
        if (l.biasOffset >= 0)
          specs.push({ name: `${name}/bias`, shape: [l.outSize], offset: l.biasOffset });
        break;
      }
      case 'conv2d': {
        const [H, W, C, KH, KW, CO, sh, sw, pt, pl, OH, OW] = l.ints;
        const sameH = Math.ceil(H / sh);
        const sameW = Math.ceil(W / sw);
        const isSame =
          OH === sameH &&
          OW === sameW &&
          pt === Math.floor(Math.max((sameH - 1) * sh + KH - H, 0) / 2) &&
          pl === Math.floor(Math.max((sameW - 1) * sw + KW - W, 0) / 2);
        let padding = 'valid';
        if (pt > 0 || pl > 0) {
          if (isSame) padding = 'same';
          else {
            // Explicit padding: Keras has no such Conv2D option, so pad first.
            layers.push({
              class_name: 'ZeroPadding2D',
              config: {
                name: unique(`${name}_pad`),
                padding: [
                  [pt, pt],
                  [pl, pl],
                ],
                data_format: 'channels_last',
              },
            });
          }
        }
        layers.push({
          class_name: 'Conv2D',
          config: {
            name,
            filters: CO,
            kernel_size: [KH, KW],
            strides: [sh, sw],
            padding,
            data_format: 'channels_last',
            dilation_rate: [1, 1],
            activation: 'linear',
            use_bias: l.biasOffset >= 0,
          },
        });
        specs.push({ name: `${name}/kernel`, shape: [KH, KW, C, CO], offset: l.weightOffset });
        if (l.biasOffset >= 0)
          specs.push({ name: `${name}/bias`, shape: [CO], offset: l.biasOffset });
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const [, , , KH, KW, , sh, sw] = l.ints;
        layers.push({
          class_name: l.type === 'maxpool2d' ? 'MaxPooling2D' : 'AveragePooling2D',
          config: {
            name,
            pool_size: [KH, KW],
            strides: [sh, sw],
            padding: 'valid',
            data_format: 'channels_last',
          },
        });
        break;
      }
      case 'flatten':
        layers.push({ class_name: 'Flatten', config: { name } });
        break;
      case 'dropout':
        layers.push({ class_name: 'Dropout', config: { name, rate: l.hyper } });
        break;
      case 'activation': {
        const a = acts.get(l.name);
        if (!a) throw new PacgenError(`internal: activation layer '${l.name}' has no activation`);
        if (a.act === 'leaky-relu') {
          layers.push({ class_name: 'LeakyReLU', config: { name, alpha: a.alpha } });
        } else if (
          (last?.class_name === 'Dense' || last?.class_name === 'Conv2D') &&
          last.config.activation === 'linear'
        ) {
          last.config.activation = kerasActivation(a.act, l.name);
          names.release(name);
        } else {
          layers.push({
            class_name: 'Activation',
            config: { name, activation: kerasActivation(a.act, l.name) },
          });
        }
        break;
      }
    }
  }
  const out = compiled.outputActivation;
  if (out) {
    const last = layers[layers.length - 1];
    if (
      (last.class_name === 'Dense' || last.class_name === 'Conv2D') &&
      last.config.activation === 'linear'
    ) {
      last.config.activation = out;
    } else {
      layers.push({
        class_name: 'Activation',
        config: { name: unique(`output_${out}`), activation: out },
      });
    }
  }
  layers[0].config.batch_input_shape = [null, ...compiled.inputShape];
  layers[0].config.dtype = 'float32';

  const total = specs.reduce((a, s) => a + prod(s.shape), 0);
  const weightData = new Uint8Array(total * 4);
  const view = new DataView(weightData.buffer);
  let o = 0;
  for (const s of specs) {
    const n = prod(s.shape);
    for (let i = 0; i < n; i++, o += 4) view.setFloat32(o, weights[s.offset + i], true);
  }
  const modelJson: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: 'pacgen',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: opts.modelName ?? 'sequential', layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      {
        paths: [TFJS_SHARD_NAME],
        weights: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' })),
      },
    ],
    userDefinedMetadata: { pacgen: { loss: spec.loss } },
  };
  return { modelJson, weightData };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the structure of a model.json object (a Sequential Layers model with a weights
 * manifest) and returns it typed; `file` names it in errors.
 */
export function parseTfjsModelJson(json: unknown, file = 'model.json'): TfjsModelJson {
  if (!isObject(json) || !isObject(json.modelTopology)) {
    throw new PacgenError(
      `${file}: not a TF.js Layers model.json (no modelTopology object; graph models from tf.saved_model are not supported)`,
    );
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new PacgenError(`${file}: weightsManifest is missing or not an array`);
  }
  // Where each weight name was first seen: a repeated name would load into the wrong layer.
  const seen = new Map<string, string>();
  manifest.forEach((g, i) => {
    if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new PacgenError(`${file}: weightsManifest[${i}] needs 'paths' and 'weights' arrays`);
    }
    g.paths.forEach((p) => checkRelativePath(p, file));
    g.weights.forEach((w, j) => {
      const at = `weightsManifest[${i}].weights[${j}]`;
      if (
        !isObject(w) ||
        typeof w.name !== 'string' ||
        !Array.isArray(w.shape) ||
        w.shape.length > MAX_TENSOR_RANK ||
        !w.shape.every((d) => Number.isInteger(d) && d >= 0)
      ) {
        throw new PacgenError(
          `${file}: ${at} needs a name and a shape of at most ${MAX_TENSOR_RANK} integers ≥ 0`,
        );
      }
      const first = seen.get(w.name);
      if (first !== undefined) {
        throw new PacgenError(
          `${file}: weight name ${describeValue(w.name)} appears twice in the manifest (${first} and ${at})`,
        );
      }
      seen.set(w.name, at);
    });
  });
  return json as unknown as TfjsModelJson;
}

/** The weight files a model.json refers to, in order (checked to stay inside its folder). */
export function tfjsWeightPaths(json: TfjsModelJson, file = 'model.json'): string[] {
  return json.weightsManifest.flatMap((g) => g.paths.map((p) => checkRelativePath(p, file)));
}

/** Sequential layer configs from a topology (tfjs, Keras 2 and Keras 3 spellings). */
function sequentialLayers(topology: Record<string, unknown>, file: string): KerasLayer[] {
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

/** Dropped on read: these change nothing at inference or are only bookkeeping. */
const SUPPORTED = [
  'InputLayer',
  'Dense',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'Flatten',
  'Dropout',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'Softmax',
  'ZeroPadding2D',
];

/**
 * Builds a NetworkSpec from a Keras/TF.js Sequential topology and fills its parameters from
 * the weight groups. `shards(path)` returns the bytes of one weight file. Weights map onto
 * our tensors by layer name when the manifest uses the layer names, else by layer order; every
 * shape is checked. The loss defaults to metadata written by `toTfjs`, else follows the last
 * activation (softmax → softmax-cross-entropy, sigmoid → sigmoid-bce, else mse).
 */
export function fromTfjs(
  json: unknown,
  shards: (path: string) => Uint8Array,
  opts: { loss?: Loss; file?: string } = {},
): LoadedModel {
  const file = opts.file ?? 'model.json';
  const model = parseTfjsModelJson(json, file);
  const keras = sequentialLayers(model.modelTopology, file);

  // Assigned inside the loop's callback: the casts stop TypeScript narrowing them to null.
  let inputShape = null as number[] | null;
  const layers: LayerSpec[] = [];
  let pad = null as number | null;
  let lastAct = null as Activation | null;
  const names = uniqueNames();
  keras.forEach((l, i) => {
    const c = l.config;
    const where = `${file}: layer ${i} ${describeValue(c.name ?? l.class_name)} (${describeName(l.class_name)})`;
    if (c.name !== undefined && typeof c.name !== 'string') {
      throw new PacgenError(`${where}: the layer name must be a string`);
    }
    const shape = c.batch_input_shape ?? c.batch_shape;
    if (Array.isArray(shape) && inputShape === null) {
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
    const name = names.take((c.name ?? `${l.class_name.toLowerCase()}_${i}`).replace(/\//g, '_'));
    if (pad !== null && l.class_name !== 'Conv2D') {
      throw new PacgenError(`${where}: ZeroPadding2D must be followed by a Conv2D layer`);
    }
    const activation = (v: unknown) => {
      const a = activationOf(v, where);
      lastAct = a;
      return a === 'linear' ? undefined : a;
    };
    switch (l.class_name) {
      case 'InputLayer':
        names.release(name);
        break;
      case 'Dense':
        if (!Number.isInteger(c.units) || (c.units as number) < 1) {
          throw new PacgenError(`${where}: units must be a positive integer`);
        }
        layers.push({
          type: 'dense',
          name,
          units: c.units as number,
          useBias: c.use_bias !== false,
          activation: activation(c.activation),
        });
        break;
      case 'Conv2D': {
        const dil = pair(c.dilation_rate ?? 1, where, 'dilation_rate');
        if (dil[0] !== 1 || dil[1] !== 1)
          throw new PacgenError(`${where}: dilated convolutions are not supported`);
        if (c.groups !== undefined && c.groups !== 1) {
          throw new PacgenError(`${where}: grouped convolutions are not supported`);
        }
        if (c.padding !== 'valid' && c.padding !== 'same' && c.padding !== undefined) {
          throw new PacgenError(`${where}: padding ${describeValue(c.padding)} is not supported`);
        }
        if (pad !== null && c.padding === 'same') {
          throw new PacgenError(`${where}: ZeroPadding2D before a 'same' Conv2D is not supported`);
        }
        layers.push({
          type: 'conv2d',
          name,
          filters: c.filters as number,
          kernelSize: pair(c.kernel_size, where, 'kernel_size'),
          strides: pair(c.strides ?? 1, where, 'strides'),
          padding: pad ?? (c.padding as 'valid' | 'same' | undefined) ?? 'valid',
          useBias: c.use_bias !== false,
          activation: activation(c.activation),
        });
        pad = null;
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        if (c.padding !== undefined && c.padding !== 'valid') {
          throw new PacgenError(
            `${where}: only 'valid' pooling is supported, got ${describeValue(c.padding)}`,
          );
        }
        const poolSize = pair(c.pool_size ?? 2, where, 'pool_size');
        layers.push({
          type: l.class_name === 'MaxPooling2D' ? 'maxpool2d' : 'avgpool2d',
          name,
          poolSize,
          strides: c.strides == null ? poolSize : pair(c.strides, where, 'strides'),
        });
        break;
      }
      case 'Flatten':
        layers.push({ type: 'flatten', name });
        break;
      case 'Dropout':
        layers.push({ type: 'dropout', name, rate: c.rate as number });
        break;
      case 'Activation': {
        const a = activation(c.activation);
        if (a) layers.push({ type: 'activation', name, activation: a });
        break;
      }
      case 'Softmax':
        if (c.axis !== undefined && c.axis !== -1) {
          throw new PacgenError(
            `${where}: softmax over axis ${describeValue(c.axis)} is not supported`,
          );
        }
        lastAct = 'softmax';
        layers.push({ type: 'activation', name, activation: 'softmax' });
        break;
      case 'ReLU':
        if (
          (c.max_value ?? null) !== null ||
          (c.threshold ?? 0) !== 0 ||
          (c.negative_slope ?? 0) !== 0
        ) {
          throw new PacgenError(
            `${where}: only a plain ReLU (no max_value, threshold or slope) is supported`,
          );
        }
        lastAct = 'relu';
        layers.push({ type: 'activation', name, activation: 'relu' });
        break;
      case 'LeakyReLU': {
        // tfjs and Keras 2 call the slope alpha (default 0.3); Keras 3 negative_slope.
        const alpha = (c.alpha ?? c.negative_slope ?? 0.3) as number;
        if (!Number.isFinite(alpha)) throw new PacgenError(`${where}: alpha must be a number`);
        lastAct = 'leaky-relu';
        layers.push({ type: 'activation', name, activation: 'leaky-relu', alpha });
        break;
      }
      case 'ZeroPadding2D': {
        const p = c.padding ?? 1;
        const flat = (Array.isArray(p) ? p.flat() : [p]) as unknown[];
        if (!flat.every((v) => v === flat[0]) || !Number.isInteger(flat[0])) {
          throw new PacgenError(
            `${where}: only equal padding on every side is supported, got ${describeValue(p)}`,
          );
        }
        pad = flat[0] as number;
        names.release(name);
        break;
      }
      default:
        throw new PacgenError(
          `${where}: unsupported layer class ${describeValue(l.class_name)} (supported: ${SUPPORTED.join(', ')})`,
        );
    }
  });
  if (pad !== null) throw new PacgenError(`${file}: the model ends with a ZeroPadding2D layer`);
  if (inputShape === null) {
    throw new PacgenError(`${file}: no input shape (batch_input_shape on the first layer)`);
  }
  const meta = model.userDefinedMetadata?.pacgen;
  const metaLoss = isObject(meta) ? (meta.loss as Loss | undefined) : undefined;
  const loss: Loss =
    opts.loss ??
    metaLoss ??
    (lastAct === 'softmax'
      ? 'softmax-cross-entropy'
      : lastAct === 'sigmoid'
        ? 'sigmoid-bce'
        : 'mse');
  const spec: NetworkSpec = { inputShape, layers, loss };
  const compiled = compileFromFile(spec, file);

  const weights = readWeights(model, shards, file);
  const params = new Float64Array(compiled.numParams);
  const match = weightMatcher(weights);
  for (const t of compiled.tensors) {
    const w = match(t.name);
    if (!w) {
      throw new PacgenError(
        `${file}: no weight left in the manifest for tensor ${describeValue(t.name)} ${describeValue(t.shape)}`,
      );
    }
    if (w.shape.join() !== t.shape.join()) {
      throw new PacgenError(
        `${file}: weight ${describeValue(w.name)} has shape ${describeValue(w.shape)} but ${describeValue(t.name)} of the architecture needs ${describeValue(t.shape)}`,
      );
    }
    params.set(w.data, t.offset);
  }
  const unused = weights.filter((w) => !match.used.has(w));
  if (unused.length > 0) {
    throw new PacgenError(
      `${file}: weights not used by any layer: ${listNames(unused.map((w) => w.name))}`,
    );
  }
  return { spec, params };
}

/** Slices every weight group's concatenated shards into float32 tensors, checking sizes. */
function readWeights(
  model: TfjsModelJson,
  shards: (path: string) => Uint8Array,
  file: string,
): { name: string; shape: number[]; data: Float32Array }[] {
  const out: { name: string; shape: number[]; data: Float32Array }[] = [];
  for (const group of model.weightsManifest) {
    const paths = group.paths.map((p) => checkRelativePath(p, file));
    let need = 0;
    for (const w of group.weights) {
      if (w.quantization !== undefined) {
        throw new PacgenError(
          `${file}: weight ${describeValue(w.name)} is quantized; only float32 weights are supported`,
        );
      }
      if (w.dtype !== 'float32') {
        throw new PacgenError(
          `${file}: weight ${describeValue(w.name)} has dtype ${describeName(w.dtype)}; only float32 is supported`,
        );
      }
      need += prod(w.shape) * 4;
    }
    const parts = paths.map((p) => shards(p));
    const have = parts.reduce((a, b) => a + b.length, 0);
    if (have !== need) {
      throw new PacgenError(
        `${file}: weight files ${listNames(paths)} hold ${have} bytes but the manifest's ${group.weights.length} weights need ${need}${have < need ? ' (truncated)' : ''}`,
      );
    }
    const bytes = parts.length === 1 ? parts[0] : concat(parts, have);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let o = 0;
    for (const w of group.weights) {
      const n = prod(w.shape);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++, o += 4) {
        data[i] = view.getFloat32(o, true);
        if (!Number.isFinite(data[i])) {
          throw new PacgenError(
            `${file}: weight ${describeValue(w.name)} has a non-finite value at index ${i}`,
          );
        }
      }
      out.push({ name: w.name, shape: w.shape, data });
    }
  }
  return out;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
