// PyTorch weights (a state_dict saved as safetensors) plus a small JSON that lists the layers —
// a chain like nn.Sequential, or a graph whose layers name their inputs (residual blocks,
// concatenations) — converted to our NHWC layout; BatchNorm running statistics become buffers.
// The tensor conversions are in torch-tensors.ts. Browser-safe.

import {
  PacgenError,
  describeName,
  describeValue,
  type LayerSpec,
  type Loss,
  type NetworkSpec,
} from '@pacgen/core-wasm';
import { compileFromFile, type LoadedModel } from './model.js';
import type { SafeTensor } from './safetensors.js';
import { torchParams } from './torch-tensors.js';

/**
 * One module of the Sequential, in order. Parameter keys are `${prefix}${index}.weight` and
 * `.bias` (index = position in `layers`), or `${key}.weight` when `key` is given (for models
 * whose modules have names, e.g. the PyTorch MNIST example's conv1, fc1).
 */
export type TorchLayer = TorchNode &
  (
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
        /** Channel groups (default 1; in_channels for a depthwise conv). */
        groups?: number;
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
    | { type: 'gelu'; approximate?: 'tanh' | 'none' }
    | {
        /** nn.BatchNorm2d / nn.BatchNorm1d: weight, bias, running_mean, running_var. */
        type: 'batchnorm2d' | 'batchnorm1d';
        /** Default 1e-5. */
        eps?: number;
        /** Default 0.1 (PyTorch's: the weight of the batch statistic). */
        momentum?: number;
        /** Default true: learned weight and bias. */
        affine?: boolean;
        key?: string;
      }
    | {
        /** nn.LayerNorm over the last dimension (normalized_shape = [features]). */
        type: 'layernorm';
        eps?: number;
        key?: string;
      }
    /** The sum of the `inputs` (a residual connection). */
    | { type: 'add' }
    /** torch.cat of the `inputs` along the channel dimension (dim 1). */
    | { type: 'concat' }
    /** nn.AdaptiveAvgPool2d(1) followed by flatten: [C, H, W] → [C]. */
    | { type: 'global-avgpool' }
  );

/**
 * What makes a layer list a graph: a layer may be named and read named earlier layers (or
 * 'input') instead of the one before it.
 */
export interface TorchNode {
  /** The layer's name for `inputs` of later layers (default `layer_${index}`). */
  name?: string;
  /** Earlier layers' names (or 'input') this layer reads; default the layer before it. */
  inputs?: string[];
}

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
        ...(l.groups !== undefined && { groups: l.groups }),
      };
    case 'batchnorm2d':
    case 'batchnorm1d': {
      const affine = l.affine !== false;
      return {
        type: 'batchnorm',
        name,
        epsilon: l.eps ?? 1e-5,
        momentum: l.momentum ?? 0.1,
        center: affine,
        scale: affine,
      };
    }
    case 'layernorm':
      return { type: 'layernorm', name, epsilon: l.eps ?? 1e-5 };
    case 'add':
    case 'concat':
    case 'global-avgpool':
      return { type: l.type, name };
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
        `${where}: unsupported layer type ${describeValue((l as { type: unknown }).type)} (supported: conv2d, linear, maxpool2d, avgpool2d, flatten, dropout, dropout2d, relu, leaky-relu, sigmoid, tanh, softplus, gelu, softmax, log-softmax, identity, batchnorm2d, batchnorm1d, layernorm, add, concat, global-avgpool)`,
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
  // Each list name → what it stands for in the spec ('input', or a layer; identity passes on).
  const resolved = new Map<string, string>([['input', 'input']]);
  let previous = 'input';
  let tail: string | null = null;
  a.layers.forEach((l, i) => {
    if (!isObject(l)) throw new PacgenError(`${archFile}: layer ${i} is not an object`);
    const where = `${archFile}: layer ${i} (${describeName(l.type)})`;
    const own = l.name ?? `layer_${i}`;
    if (typeof own !== 'string' || resolved.has(own)) {
      throw new PacgenError(`${where}: name ${describeValue(own)} is not a new string`);
    }
    if (l.inputs !== undefined && !Array.isArray(l.inputs)) {
      throw new PacgenError(`${where}: inputs must be a list of layer names`);
    }
    const inputs = (l.inputs ?? [previous]).map((n) => {
      const r = typeof n === 'string' ? resolved.get(n) : undefined;
      if (r === undefined) {
        throw new PacgenError(
          `${where}: input ${describeValue(n)} names no earlier layer (nor 'input')`,
        );
      }
      return r;
    });
    const key = 'key' in l && typeof l.key === 'string' ? l.key : `${prefix}${i}`;
    tail = l.type;
    const name = `layer_${i}`;
    const layer = torchLayer(l, name, where);
    previous = own;
    if (!layer) {
      if (inputs.length !== 1) throw new PacgenError(`${where}: reads ${inputs.length} layers`);
      resolved.set(own, inputs[0]);
      return;
    }
    // A plain chain stays a plain list (no inputs), as before graphs.
    const chain = inputs.length === 1 && inputs[0] === (layers.at(-1)?.name ?? 'input');
    layers.push(chain ? layer : { ...layer, inputs });
    resolved.set(own, name);
    if (['conv2d', 'dense', 'batchnorm', 'layernorm'].includes(layer.type)) keys.set(name, key);
  });
  const spec: NetworkSpec = { inputShape, layers, loss: defaultLoss(a.loss, tail, layers) };
  const compiled = compileFromFile(spec, archFile);
  const { params, buffers } = torchParams(compiled, keys, tensors, file, archFile);
  return compiled.numBuffers > 0 ? { spec, params, buffers } : { spec, params };
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
