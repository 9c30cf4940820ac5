// A bench case's network as a jax-js loss of pacgen's weights: one function per layer kind, so
// that jax-js's grad differentiates the same computation core-wasm runs. Images flow through
// the jax-js network in NCHW (lax.conv's layout; pacgen's NHWC batch is transposed once, as
// data, by the caller); pacgen's tensors are used in their own layouts and mapped inside the
// loss, so the gradient jax-js returns is already in pacgen's layout:
//   - conv kernels are [KH, KW, C, CO] in pacgen (HWIO), OIHW in lax.conv: transposed;
//   - flatten reads pacgen's NHWC order (h, w, c), so the NCHW image goes back to NHWC
//     before the reshape and the next dense kernel's rows match pacgen's unchanged;
//   - dense kernels are [in, out] in both.

import { lax, nn, numpy as np, random } from '@jax-js/jax';
import type {
  Activation,
  CompiledNetwork,
  Conv2dSpec,
  DenseSpec,
  DropoutSpec,
  LayerSpec,
  NetworkSpec,
  Pool2dSpec,
} from '@pacgen/core-wasm';

/** One jax-js array per entry of `compiled.tensors`, in that order and pacgen's shapes. */
export type Weights = np.Array[];

/** The layer kinds written for jax-js here (a chain of them). */
const WRITTEN: ReadonlySet<LayerSpec['type']> = new Set([
  'dense',
  'conv2d',
  'maxpool2d',
  'activation',
  'flatten',
  'dropout',
]);

/** A layer's name as pacgen's compiler gives it (its tensors are `${name}/kernel`, `/bias`). */
function layerName(l: LayerSpec, i: number): string {
  return l.name ?? `${l.type}_${i}`;
}

/** Why a network has no jax-js loss here, or null when it has one. */
export function jaxJsUnsupported(spec: NetworkSpec): string | null {
  const missing = [...new Set(spec.layers.map((l) => l.type))].filter((t) => !WRITTEN.has(t));
  if (missing.length > 0) {
    return (
      `not written for jax-js yet: its ${missing.join(', ')} layers (the bench builds chains ` +
      'of dense, conv2d, max-pool, activation, flatten and dropout layers in jax-js)'
    );
  }
  for (const [i, l] of spec.layers.entries()) {
    const name = layerName(l, i);
    if (l.inputs) return `not written for jax-js yet: layer ${name} reads named inputs`;
    if ((l.type === 'dense' || l.type === 'conv2d') && l.tie) {
      return `not written for jax-js yet: layer ${name} ties its weights`;
    }
    if (l.type === 'conv2d' && (l.groups ?? 1) !== 1) {
      return `not written for jax-js yet: layer ${name} is a grouped convolution`;
    }
    const act = 'activation' in l ? (l.activation ?? 'linear') : 'linear';
    if (act !== 'linear' && act !== 'relu') {
      return `not written for jax-js yet: layer ${name}'s ${act} activation`;
    }
  }
  if (spec.loss !== 'softmax-cross-entropy') {
    return `not written for jax-js yet: the ${spec.loss} loss`;
  }
  return null;
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

function activate(h: np.Array, act: Activation | undefined): np.Array {
  return act === 'relu' ? nn.relu(h) : h;
}

/** y = act(h·K + b); h is [B, in], K pacgen's [in, units]. */
function dense(l: DenseSpec, h: np.Array, kernel: np.Array, bias: np.Array | null) {
  const y = np.matmul(h, kernel);
  return activate(bias ? y.add(bias) : y, l.activation);
}

/**
 * The zero padding of each spatial axis as [before, after]: pacgen's rule (TensorFlow's for
 * 'same', the odd pixel after), written out so as not to depend on jax-js's "SAME".
 */
function convPadding(l: Conv2dSpec, size: number[], kernel: number[], strides: number[]) {
  const p = l.padding ?? 'valid';
  return size.map((n, i): [number, number] => {
    if (p === 'valid') return [0, 0];
    if (typeof p === 'number') return [p, p];
    const total = Math.max((Math.ceil(n / strides[i]) - 1) * strides[i] + kernel[i] - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  });
}

/** y = act(conv(h, K) + b); h is NCHW, K pacgen's [KH, KW, C, CO], transposed to OIHW. */
function conv2d(l: Conv2dSpec, h: np.Array, kernel: np.Array, bias: np.Array | null) {
  const k = pair(l.kernelSize);
  const strides = pair(l.strides ?? 1);
  const padding = convPadding(l, h.shape.slice(2), k, strides);
  const y = lax.conv(h, kernel.transpose([3, 2, 0, 1]), strides, padding);
  return activate(bias ? y.add(bias.reshape([1, l.filters, 1, 1])) : y, l.activation);
}

/** Max over each window of H × W (pacgen's pooling is always 'valid'); h is NCHW. */
function maxPool2d(l: Pool2dSpec, h: np.Array) {
  const size = pair(l.poolSize);
  return lax.reduceWindow(h, (window) => np.max(window), size, pair(l.strides ?? size));
}

/** NCHW → [B, H·W·C] in pacgen's (h, w, c) order; a flat input passes through. */
function flatten(h: np.Array) {
  if (h.ndim === 2) return h;
  const [B, C, H, W] = h.shape;
  return h.transpose([0, 2, 3, 1]).reshape([B, H * W * C]);
}

/** Inverted dropout (kept units scaled by 1/(1 − rate), as core-wasm's), one fresh mask. */
function dropout(l: DropoutSpec, h: np.Array, key: np.Array) {
  const keep = random.bernoulli(key, 1 - l.rate, h.shape);
  return np.where(keep, h.mul(1 / (1 - l.rate)), 0);
}

/**
 * The mean softmax cross-entropy of the spec's network on (x, onehot) as a function of the
 * weights: x is the batch in jax-js's layout ([B, n], or NCHW images), onehot [B, classes].
 * With `training`, each dropout layer draws its mask from its share of the key passed as the
 * second argument; without (or without a key), dropout is off. Consumes neither x nor onehot.
 * Meant for jit(grad(·)): jax-js traces it once per jitted function, then runs the compiled
 * kernels (cost: the network's forward and backward FLOPs, in jax-js's wasm kernels).
 */
export function jaxJsLoss(
  spec: NetworkSpec,
  compiled: CompiledNetwork,
  x: np.Array,
  onehot: np.Array,
  training: boolean,
) {
  const index = new Map(compiled.tensors.map((t, i) => [t.name, i]));
  const drops = spec.layers.filter((l) => l.type === 'dropout').length;
  const batch = x.shape[0];
  return (w: Weights, key?: np.Array): np.Array => {
    const keys = training && drops > 0 && key ? np.unstack(random.split(key, drops)) : [];
    let h = x.ref;
    spec.layers.forEach((l, i) => {
      const name = layerName(l, i);
      const kernel = () => w[index.get(`${name}/kernel`)!];
      const bias = () => (index.has(`${name}/bias`) ? w[index.get(`${name}/bias`)!] : null);
      if (l.type === 'dense') h = dense(l, h, kernel(), bias());
      else if (l.type === 'conv2d') h = conv2d(l, h, kernel(), bias());
      else if (l.type === 'maxpool2d') h = maxPool2d(l, h);
      else if (l.type === 'activation') h = activate(h, l.activation);
      else if (l.type === 'flatten') h = flatten(h);
      else if (l.type === 'dropout') h = keys.length > 0 ? dropout(l, h, keys.shift()!) : h;
      else throw new Error(`jax-js: no ${l.type} layer (jaxJsUnsupported says so first)`);
    });
    return nn
      .logSoftmax(h, -1)
      .mul(onehot.ref)
      .sum()
      .mul(-1 / batch);
  };
}
