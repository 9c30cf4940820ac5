// PyTorch nn.Sequential weights (a state_dict saved as safetensors) plus a small JSON that
// lists the layers, converted to our NHWC layout. Browser-safe.

import {
  PacgenError,
  describeName,
  describeValue,
  type LayerSpec,
  type Loss,
  type NetworkSpec,
} from '@pacgen/core-wasm';
import { compileFromFile, listNames, type LoadedModel } from './model.js';
import type { SafeTensor } from './safetensors.js';

/**
 * One module of the Sequential, in order. Parameter keys are `${prefix}${index}.weight` and
 * `.bias` (index = position in `layers`), or `${key}.weight` when `key` is given (for models
 * whose modules have names, e.g. the PyTorch MNIST example's conv1, fc1).
 */
export type TorchLayer =
  | {
      type: 'conv2d';
      /** out_channels. */
      filters: number;
      kernelSize: number | [number, number];
      stride?: number | [number, number];
      /** Zero padding on every side, or 'same' / 'valid' (default 0). */
      padding?: number | 'same' | 'valid';
      /** Default true. */
      bias?: boolean;
      key?: string;
    }
  | {
      type: 'linear';
      /** out_features. */
      units: number;
      bias?: boolean;
      key?: string;
    }
  | {
      type: 'maxpool2d' | 'avgpool2d';
      kernelSize: number | [number, number];
      stride?: number | [number, number];
    }
  | { type: 'flatten' }
  | { type: 'dropout' | 'dropout2d'; p?: number }
  | { type: 'relu' | 'sigmoid' | 'tanh' | 'softplus' | 'identity' | 'softmax' | 'log-softmax' }
  | { type: 'leaky-relu'; negativeSlope?: number }
  | { type: 'gelu'; approximate?: 'tanh' | 'none' };

/** The JSON beside the weights. */
export interface TorchArchitecture {
  /** Per-sample input shape in PyTorch's order: [channels, height, width] or [features]. */
  inputShape: number[];
  layers: TorchLayer[];
  /** Default: softmax-cross-entropy for ≥ 2 outputs or a final (log-)softmax, sigmoid-bce after a final sigmoid, else mse. */
  loss?: Loss;
  /** Prepended to indexed keys, e.g. 'features.' (default ''). */
  prefix?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The engine layer of one entry of a PyTorch layer list (null for identity). */
function torchLayer(l: TorchLayer, name: string, where: string): LayerSpec | null {
  switch (l.type) {
    case 'conv2d':
      return {
        type: 'conv2d',
        name,
        filters: l.filters,
        kernelSize: l.kernelSize,
        strides: l.stride ?? 1,
        padding: l.padding ?? 0,
        useBias: l.bias !== false,
      };
    case 'linear':
      return { type: 'dense', name, units: l.units, useBias: l.bias !== false };
    case 'maxpool2d':
    case 'avgpool2d':
      return {
        type: l.type,
        name,
        poolSize: l.kernelSize,
        strides: l.stride ?? l.kernelSize,
      };
    case 'flatten':
      return { type: 'flatten', name };
    case 'dropout':
    case 'dropout2d':
      return { type: 'dropout', name, rate: l.p ?? 0.5 };
    case 'relu':
    case 'sigmoid':
    case 'tanh':
    case 'softplus':
      return { type: 'activation', name, activation: l.type };
    case 'softmax':
    case 'log-softmax':
      // Only valid last (fused into the loss); log-softmax differs by a per-row constant.
      return { type: 'activation', name, activation: 'softmax' };
    case 'leaky-relu':
      return {
        type: 'activation',
        name,
        activation: 'leaky-relu',
        alpha: l.negativeSlope ?? 0.01,
      };
    case 'gelu':
      if (l.approximate !== 'tanh') {
        throw new PacgenError(
          `${where}: exact GELU is not supported; the engine computes nn.GELU(approximate='tanh') (set "approximate": "tanh")`,
        );
      }
      return { type: 'activation', name, activation: 'gelu' };
    case 'identity':
      return null;
    default:
      throw new PacgenError(
        `${where}: unsupported layer type ${describeValue((l as { type: unknown }).type)} (supported: conv2d, linear, maxpool2d, avgpool2d, flatten, dropout, dropout2d, relu, leaky-relu, sigmoid, tanh, softplus, gelu, softmax, log-softmax, identity)`,
      );
  }
}

/** The loss of the list: given, else by its last layer (softmax/sigmoid) or its output size. */
function defaultLoss(given: Loss | undefined, tail: string | null, layers: LayerSpec[]): Loss {
  const outUnits = (() => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i];
      if (l.type === 'dense') return l.units;
      if (l.type === 'conv2d') return 0;
    }
    return 0;
  })();
  return (
    given ??
    (tail === 'softmax' || tail === 'log-softmax'
      ? 'softmax-cross-entropy'
      : tail === 'sigmoid'
        ? 'sigmoid-bce'
        : outUnits >= 2
          ? 'softmax-cross-entropy'
          : 'mse')
  );
}

/** Conv weights [cout, cin, kh, kw] into our [kh, kw, cin, cout] at `k`. */
function convToHwio(w: ArrayLike<number>, k: Float64Array, [C, KH, KW, CO]: number[]): void {
  for (let co = 0; co < CO; co++)
    for (let ci = 0; ci < C; ci++)
      for (let y = 0; y < KH; y++)
        for (let x = 0; x < KW; x++)
          k[((y * KW + x) * C + ci) * CO + co] = w[((co * C + ci) * KH + y) * KW + x];
}

/**
 * Linear weights [out, in] into our [in, out] at `k`; after a flatten of an H×W×C map, the
 * input rows permuted from PyTorch's CHW order to our HWC order.
 */
function linearToInOut(
  w: ArrayLike<number>,
  k: Float64Array,
  IN: number,
  OUT: number,
  flattened: number[] | null,
): void {
  if (flattened) {
    // Row r = (h·W + w)·C + c of ours is column c·H·W + h·W + w of PyTorch's.
    const [H, W, C] = flattened;
    for (let h = 0; h < H; h++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < C; c++) {
          const r = (h * W + x) * C + c;
          const t = (c * H + h) * W + x;
          for (let o = 0; o < OUT; o++) k[r * OUT + o] = w[o * IN + t];
        }
  } else {
    for (let i = 0; i < IN; i++) for (let o = 0; o < OUT; o++) k[i * OUT + o] = w[o * IN + i];
  }
}

/**
 * The parameters of the compiled network from the PyTorch tensors (`keys`: our layer name →
 * the PyTorch module key). Every tensor must be used, every shape match, every value be finite.
 */
function torchParams(
  compiled: ReturnType<typeof compileFromFile>,
  keys: Map<string, string>,
  tensors: SafeTensor[],
  file: string,
  archFile: string,
): Float64Array {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const used = new Set<string>();
  const take = (k: string, shape: number[], layout: string): SafeTensor => {
    const t = byName.get(k);
    if (!t) {
      throw new PacgenError(
        `${file}: tensor ${describeValue(k)} is missing (the file has ${listNames([...byName.keys()]) || 'no tensors'})`,
      );
    }
    if (t.shape.join() !== shape.join()) {
      throw new PacgenError(
        `${file}: tensor ${describeValue(k)} has shape ${describeValue(t.shape)} but the architecture needs ${describeValue(shape)} (${layout})`,
      );
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) {
        throw new PacgenError(
          `${file}: tensor ${describeValue(k)} has a non-finite value at index ${i}`,
        );
      }
    }
    used.add(k);
    return t;
  };

  const params = new Float64Array(compiled.numParams);
  // A map, not a search per layer: a list of 20,000 layers must load in linear time.
  const offsets = new Map(compiled.tensors.map((t) => [t.name, t.offset]));
  const offsetOf = (n: string) => offsets.get(n)!;
  // The feature map a flatten turned into a vector, while no linear layer has consumed it.
  let flattened: number[] | null = null;
  for (const l of compiled.layers) {
    if (l.type === 'flatten') flattened = l.inShape.length === 3 ? l.inShape : null;
    if (l.type !== 'dense' && l.type !== 'conv2d') continue;
    const key = keys.get(l.name)!;
    if (l.type === 'conv2d') {
      const [, , C, KH, KW, CO] = l.ints;
      const w = take(
        `${key}.weight`,
        [CO, C, KH, KW],
        'PyTorch conv layout [out_channels, in_channels, kh, kw]',
      ).data;
      convToHwio(w, params.subarray(offsetOf(`${l.name}/kernel`)), [C, KH, KW, CO]);
    } else {
      const IN = l.inSize;
      const OUT = l.outSize;
      const w = take(
        `${key}.weight`,
        [OUT, IN],
        'PyTorch linear layout [out_features, in_features]',
      ).data;
      linearToInOut(w, params.subarray(offsetOf(`${l.name}/kernel`)), IN, OUT, flattened);
      flattened = null;
    }
    const biasKey = `${key}.bias`;
    if (l.biasOffset >= 0) {
      const units = l.type === 'conv2d' ? l.ints[5] : l.outSize;
      params.set(take(biasKey, [units], 'bias').data, offsetOf(`${l.name}/bias`));
    } else if (byName.has(biasKey)) {
      throw new PacgenError(
        `${file}: tensor ${describeValue(biasKey)} exists but the architecture says bias: false`,
      );
    }
  }
  const unused = [...byName.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) {
    throw new PacgenError(
      `${file}: tensors not used by the architecture in ${archFile}: ${listNames(unused)} (a layer missing from the list, or misnumbered?)`,
    );
  }
  return params;
}

/**
 * Converts PyTorch tensors to a model: conv weights [cout, cin, kh, kw] → [kh, kw, cin, cout],
 * linear weights [out, in] → [in, out], and for the first linear layer after flattening a
 * feature map, its input rows are permuted from PyTorch's CHW order to our HWC order. Inputs
 * to the result are NHWC (use `chwToHwc` on PyTorch-ordered data). Every tensor must be used
 * and every shape must match; errors name `file` (the weights) or `archFile`.
 */
export function torchToModel(
  arch: unknown,
  tensors: SafeTensor[],
  file = 'weights',
  archFile = 'architecture',
): LoadedModel {
  if (!isObject(arch) || !Array.isArray(arch.inputShape) || !Array.isArray(arch.layers)) {
    throw new PacgenError(
      `${archFile}: needs { inputShape: [C, H, W] or [features], layers: [...] }`,
    );
  }
  const a = arch as unknown as TorchArchitecture;
  if (!(a.inputShape.length === 1 || a.inputShape.length === 3)) {
    throw new PacgenError(
      `${archFile}: inputShape must be [channels, height, width] or [features], got ${describeValue(a.inputShape)}`,
    );
  }
  if (a.prefix !== undefined && typeof a.prefix !== 'string') {
    throw new PacgenError(`${archFile}: prefix must be a string, got ${describeValue(a.prefix)}`);
  }
  const inputShape =
    a.inputShape.length === 3
      ? [a.inputShape[1], a.inputShape[2], a.inputShape[0]]
      : [...a.inputShape];
  const prefix = a.prefix ?? '';
  const layers: LayerSpec[] = [];
  const keys = new Map<string, string>();
  let tail: string | null = null;
  a.layers.forEach((l, i) => {
    if (!isObject(l)) throw new PacgenError(`${archFile}: layer ${i} is not an object`);
    const where = `${archFile}: layer ${i} (${describeName(l.type)})`;
    const name = `layer_${i}`;
    const key = 'key' in l && typeof l.key === 'string' ? l.key : `${prefix}${i}`;
    tail = l.type;
    const layer = torchLayer(l, name, where);
    if (!layer) return;
    layers.push(layer);
    if (layer.type === 'conv2d' || layer.type === 'dense') keys.set(name, key);
  });
  const spec: NetworkSpec = { inputShape, layers, loss: defaultLoss(a.loss, tail, layers) };
  const compiled = compileFromFile(spec, archFile);
  return { spec, params: torchParams(compiled, keys, tensors, file, archFile) };
}

/**
 * Reorders samples from PyTorch's CHW to our HWC layout (what torchToModel's inputs need).
 * Returns a Float64Array for Float64Array input, else a Float32Array.
 */
export function chwToHwc(
  x: ArrayLike<number>,
  shape: [number, number, number],
): Float32Array | Float64Array {
  const [C, H, W] = shape;
  const size = C * H * W;
  if (x.length % size !== 0) {
    throw new PacgenError(`inputs have ${x.length} values, not a multiple of ${C}×${H}×${W}`);
  }
  const out = x instanceof Float64Array ? new Float64Array(x.length) : new Float32Array(x.length);
  for (let s = 0; s < x.length; s += size)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) out[s + (h * W + w) * C + c] = x[s + (c * H + h) * W + w];
  return out;
}
