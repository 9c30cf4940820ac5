// Shape inference and validation of a NetworkSpec, and the parameter layout. Produces the
// layer records the WebAssembly engine interprets (see assembly/program.ts for the fields).

import { describeValue } from './describe.js';
import { checkEngineMemory } from './engine-memory.js';
import { PacgenError } from './errors.js';
import type { Activation, LayerSpec, Loss, NetworkSpec } from './spec.js';

export const OP = {
  dense: 1,
  conv2d: 2,
  maxpool2d: 3,
  avgpool2d: 4,
  flatten: 5,
  dropout: 6,
  activation: 7,
} as const;

export const ACTIVATION_CODE: Record<Exclude<Activation, 'softmax'>, number> = {
  linear: 0,
  relu: 1,
  'leaky-relu': 2,
  sigmoid: 3,
  tanh: 4,
  softplus: 5,
  gelu: 6,
};

export const LOSS_CODE: Record<Loss, number> = {
  'softmax-cross-entropy': 1,
  'sigmoid-bce': 2,
  mse: 3,
};

/** A named block of the parameter vector. */
export interface TensorInfo {
  name: string;
  shape: number[];
  /** First index in the flat parameter vector. */
  offset: number;
  size: number;
}

export interface CompiledLayer {
  name: string;
  type: LayerSpec['type'];
  op: number;
  inShape: number[];
  outShape: number[];
  inSize: number;
  outSize: number;
  /** Offsets into the expanded weight vector, −1 when absent. */
  weightOffset: number;
  biasOffset: number;
  /** Op-specific integers (record fields 8…). */
  ints: number[];
  hyper: number;
  /** Scratch the layer needs per sample, and its element type. */
  aux: { kind: 'real' | 'i32'; perSample: number } | null;
  /**
   * The piecewise-linear state the engine records to count an HVP's kink crossings
   * (assembly/kinks.ts): the side of each ReLU / leaky-ReLU input, or each max-pool argmax.
   */
  kinks: 'sign' | 'argmax' | null;
}

/** Bytes of a layer's kink-state buffer for chunks of B samples: 1 bit a unit, or an i32. */
export function kinkStateBytes(l: CompiledLayer, B: number): number {
  if (l.kinks === 'sign') return 4 * Math.ceil((B * l.outSize) / 32);
  return l.kinks === 'argmax' ? 4 * B * l.outSize : 0;
}

export interface CompiledNetwork {
  layers: CompiledLayer[];
  /** Free parameter tensors (what users read, write and score). */
  tensors: TensorInfo[];
  numParams: number;
  /** Weights as the layers see them (equals numParams unless `shared` is used). */
  numWeights: number;
  /** weight j = params[map[j]], or null when the weights are the parameters. */
  map: Int32Array | null;
  inputShape: number[];
  inputSize: number;
  outputShape: number[];
  outputSize: number;
  loss: Loss;
  /** The softmax/sigmoid fused into the loss (a trailing one in the spec is stripped). */
  outputActivation: 'softmax' | 'sigmoid' | null;
  /** Largest per-sample activation width, for the backward ping-pong buffers. */
  maxWidth: number;
  /** Largest weight matrix, for the transpose scratch. */
  maxMatrix: number;
  /** Targets per sample: 1 class label (i32) or outputSize reals. */
  targetSize: number;
  targetIsLabel: boolean;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Own keys only: a name like 'toString' or '__proto__' must not find Object.prototype's. */
const hasOwn = (o: object, k: unknown): boolean =>
  typeof k === 'string' && Object.prototype.hasOwnProperty.call(o, k);
const pair = (v: number | [number, number]): [number, number] =>
  Array.isArray(v) ? [v[0], v[1]] : [v, v];

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new PacgenError(`${what} must be a positive integer, got ${describeValue(v)}`);
  }
  return v;
}

/** Expands `activation` options on dense/conv layers into separate activation layers. */
function expand(layers: LayerSpec[]): LayerSpec[] {
  const out: LayerSpec[] = [];
  layers.forEach((l, i) => {
    if (typeof l !== 'object' || l === null || Array.isArray(l)) {
      throw new PacgenError(`layer ${i} is not an object, got ${describeValue(l)}`);
    }
    if (l.name !== undefined && typeof l.name !== 'string') {
      throw new PacgenError(`layer ${i}: name must be a string, got ${describeValue(l.name)}`);
    }
    const name = l.name ?? `${typeof l.type === 'string' ? l.type : 'layer'}_${i}`;
    if ((l.type === 'dense' || l.type === 'conv2d') && l.activation && l.activation !== 'linear') {
      out.push({ ...l, name, activation: undefined });
      out.push({ type: 'activation', activation: l.activation, name: `${name}_act` });
    } else out.push({ ...l, name });
  });
  return out;
}

/** Checks a spec and lays out its parameters. Throws PacgenError naming the problem. */
export function compileNetwork(spec: NetworkSpec): CompiledNetwork {
  if (!spec || !Array.isArray(spec.inputShape) || spec.inputShape.length === 0) {
    throw new PacgenError('network spec needs inputShape, e.g. [784] or [28, 28, 1]');
  }
  spec.inputShape.forEach((d, i) => positiveInt(d, `inputShape[${i}]`));
  if (!hasOwn(LOSS_CODE, spec.loss)) {
    throw new PacgenError(
      `unknown loss ${describeValue(spec.loss)} (use ${Object.keys(LOSS_CODE).join(', ')})`,
    );
  }
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new PacgenError('network spec needs at least one layer');
  }
  let layers = expand(spec.layers);
  // A trailing softmax (with cross-entropy) or sigmoid (with BCE) is fused into the loss.
  // The network's outputs are then logits either way; `predict` applies the activation.
  const outputActivation: CompiledNetwork['outputActivation'] =
    spec.loss === 'softmax-cross-entropy'
      ? 'softmax'
      : spec.loss === 'sigmoid-bce'
        ? 'sigmoid'
        : null;
  const last = layers[layers.length - 1];
  if (last.type === 'activation' && outputActivation && last.activation === outputActivation) {
    layers = layers.slice(0, -1);
  }
  if (layers.length === 0)
    throw new PacgenError('network has no layer besides its output activation');

  const names = new Set<string>();
  const compiled: CompiledLayer[] = [];
  const tensors: TensorInfo[] = [];
  const byName = new Map<string, CompiledLayer>();
  const kernels = new Map<string, TensorInfo>();
  let shape = [...spec.inputShape];
  let numWeights = 0;
  let maxWidth = prod(shape);
  let maxMatrix = 1;

  for (const l of layers) {
    const name = l.name as string;
    if (names.has(name)) throw new PacgenError(`duplicate layer name ${describeValue(name)}`);
    names.add(name);
    // Only read for the known types of the switch below; the default branch describes others.
    const where = `layer ${describeValue(name)} (${typeof l.type === 'string' ? l.type : '?'})`;
    const inShape = shape;
    const base = {
      name,
      type: l.type,
      inShape,
      inSize: prod(inShape),
      weightOffset: -1,
      biasOffset: -1,
      hyper: 0,
      aux: null as CompiledLayer['aux'],
      kinks: null as CompiledLayer['kinks'],
    };
    let layer: CompiledLayer;
    const params = (kernel: number[], bias: number | null, tie: string | undefined) => {
      if (tie !== undefined) {
        const t = typeof tie === 'string' ? byName.get(tie) : undefined;
        if (!t) {
          throw new PacgenError(
            `${where}: tie target ${describeValue(tie)} is not an earlier layer`,
          );
        }
        const tk = kernels.get(t.name);
        if (!tk || tk.shape.join() !== kernel.join() || t.biasOffset >= 0 !== (bias !== null)) {
          throw new PacgenError(
            `${where}: cannot tie to ${describeValue(tie)}: parameter shapes differ (${tk?.shape.join('x') ?? 'none'} vs ${kernel.join('x')})`,
          );
        }
        return { w: t.weightOffset, b: t.biasOffset };
      }
      const w = numWeights;
      const k = { name: `${name}/kernel`, shape: kernel, offset: w, size: prod(kernel) };
      tensors.push(k);
      kernels.set(name, k);
      numWeights += prod(kernel);
      let b = -1;
      if (bias !== null) {
        b = numWeights;
        tensors.push({ name: `${name}/bias`, shape: [bias], offset: b, size: bias });
        numWeights += bias;
      }
      maxMatrix = Math.max(maxMatrix, prod(kernel));
      return { w, b };
    };

    switch (l.type) {
      case 'dense': {
        if (inShape.length !== 1) {
          throw new PacgenError(
            `${where} needs a flat input but gets shape ${describeValue(inShape)}: add a flatten layer before it`,
          );
        }
        const units = positiveInt(l.units, `${where}: units`);
        const p = params([inShape[0], units], l.useBias === false ? null : units, l.tie);
        layer = {
          ...base,
          op: OP.dense,
          outShape: [units],
          outSize: units,
          weightOffset: p.w,
          biasOffset: p.b,
          ints: [inShape[0], units],
        };
        break;
      }
      case 'conv2d':
      case 'maxpool2d':
      case 'avgpool2d': {
        if (inShape.length !== 3) {
          throw new PacgenError(
            `${where} needs an image input [height, width, channels] but gets ${describeValue(inShape)}`,
          );
        }
        const [H, W, C] = inShape;
        const isConv = l.type === 'conv2d';
        const [KH, KW] = pair(isConv ? l.kernelSize : l.poolSize).map((k) =>
          positiveInt(k, `${where}: ${isConv ? 'kernelSize' : 'poolSize'}`),
        );
        const [sh, sw] = pair(l.strides ?? (isConv ? 1 : [KH, KW])).map((s) =>
          positiveInt(s, `${where}: strides`),
        );
        let pt: number, pl: number, OH: number, OW: number;
        const padding = isConv ? (l.padding ?? 'valid') : 'valid';
        if (padding === 'same') {
          OH = Math.ceil(H / sh);
          OW = Math.ceil(W / sw);
          pt = Math.floor(Math.max((OH - 1) * sh + KH - H, 0) / 2);
          pl = Math.floor(Math.max((OW - 1) * sw + KW - W, 0) / 2);
        } else if (padding === 'valid' || typeof padding === 'number') {
          const p = padding === 'valid' ? 0 : padding;
          if (!Number.isInteger(p) || p < 0)
            throw new PacgenError(`${where}: padding must be 'valid', 'same' or an integer ≥ 0`);
          pt = pl = p;
          OH = Math.floor((H + 2 * p - KH) / sh) + 1;
          OW = Math.floor((W + 2 * p - KW) / sw) + 1;
        } else throw new PacgenError(`${where}: unknown padding ${describeValue(padding)}`);
        if (OH < 1 || OW < 1) {
          throw new PacgenError(
            `${where}: window ${KH}x${KW} does not fit the ${H}x${W} input (output would be ${OH}x${OW})`,
          );
        }
        const CO = isConv ? positiveInt(l.filters, `${where}: filters`) : C;
        const outShape = [OH, OW, CO];
        const ints = [H, W, C, KH, KW, CO, sh, sw, pt, pl, OH, OW];
        if (isConv) {
          const p = params([KH, KW, C, CO], l.useBias === false ? null : CO, l.tie);
          layer = {
            ...base,
            op: OP.conv2d,
            outShape,
            outSize: prod(outShape),
            weightOffset: p.w,
            biasOffset: p.b,
            ints,
            aux: { kind: 'real', perSample: OH * OW * KH * KW * C },
          };
          // The column buffer doubles as dcol in the backward pass.
        } else {
          layer = {
            ...base,
            op: l.type === 'maxpool2d' ? OP.maxpool2d : OP.avgpool2d,
            outShape,
            outSize: prod(outShape),
            ints,
            aux: l.type === 'maxpool2d' ? { kind: 'i32', perSample: prod(outShape) } : null,
            kinks: l.type === 'maxpool2d' ? 'argmax' : null,
          };
        }
        break;
      }
      case 'flatten':
        layer = {
          ...base,
          op: OP.flatten,
          outShape: [prod(inShape)],
          outSize: prod(inShape),
          ints: [],
        };
        break;
      case 'dropout': {
        if (typeof l.rate !== 'number' || !(l.rate >= 0 && l.rate < 1)) {
          throw new PacgenError(`${where}: rate must be in [0, 1), got ${describeValue(l.rate)}`);
        }
        layer = {
          ...base,
          op: OP.dropout,
          outShape: inShape,
          outSize: prod(inShape),
          ints: [],
          hyper: l.rate,
          aux: { kind: 'real', perSample: prod(inShape) },
        };
        break;
      }
      case 'activation': {
        if (l.activation === 'softmax') {
          throw new PacgenError(
            `${where}: softmax is only supported as the last layer with the softmax-cross-entropy loss`,
          );
        }
        if (!hasOwn(ACTIVATION_CODE, l.activation)) {
          throw new PacgenError(
            `${where}: unknown activation ${describeValue(l.activation)} (use ${Object.keys(ACTIVATION_CODE).join(', ')})`,
          );
        }
        const code = ACTIVATION_CODE[l.activation as keyof typeof ACTIVATION_CODE];
        const alpha = l.activation === 'leaky-relu' ? (l.alpha ?? 0.01) : 0;
        if (typeof alpha !== 'number' || !Number.isFinite(alpha)) {
          throw new PacgenError(
            `${where}: alpha must be a finite number, got ${describeValue(alpha)}`,
          );
        }
        layer = {
          ...base,
          op: OP.activation,
          outShape: inShape,
          outSize: prod(inShape),
          ints: [code],
          hyper: alpha,
          kinks: l.activation === 'relu' || l.activation === 'leaky-relu' ? 'sign' : null,
        };
        break;
      }
      default:
        throw new PacgenError(
          `unsupported layer type ${describeValue((l as { type: unknown }).type)} (use dense, conv2d, maxpool2d, avgpool2d, flatten, dropout, activation)`,
        );
    }
    compiled.push(layer);
    byName.set(name, layer);
    shape = layer.outShape;
    maxWidth = Math.max(maxWidth, layer.outSize);
  }

  const outputShape = shape;
  const outputSize = prod(outputShape);
  if (spec.loss === 'softmax-cross-entropy' && outputSize < 2) {
    throw new PacgenError('softmax-cross-entropy needs at least 2 outputs (classes)');
  }

  let map: Int32Array | null = null;
  let freeTensors = tensors;
  let numParams = numWeights;
  if (spec.shared) {
    const { tensors: st, map: m } = spec.shared;
    if (!Array.isArray(st) || m === null || typeof m !== 'object' || !Number.isInteger(m.length)) {
      throw new PacgenError('shared needs a tensors list and a map of weight indices');
    }
    let off = 0;
    freeTensors = st.map((t, k) => {
      if (typeof t?.name !== 'string' || !Array.isArray(t.shape)) {
        throw new PacgenError(`shared tensor ${k} needs a name and a shape`);
      }
      t.shape.forEach((d, i) =>
        positiveInt(d, `shared tensor ${describeValue(t.name)} shape[${i}]`),
      );
      const info = { name: t.name, shape: [...t.shape], offset: off, size: prod(t.shape) };
      off += info.size;
      return info;
    });
    numParams = off;
    if (m.length !== numWeights) {
      throw new PacgenError(
        `shared.map has ${m.length} entries but the layers have ${numWeights} weights`,
      );
    }
    // Checked before the Int32Array conversion, which would wrap or truncate a bad index.
    for (let j = 0; j < m.length; j++) {
      const v = m[j];
      if (!Number.isInteger(v) || v < 0 || v >= numParams) {
        throw new PacgenError(
          `shared.map[${j}] = ${describeValue(v)} is outside the ${numParams} free parameters`,
        );
      }
    }
    map = Int32Array.from(m);
  }
  if (numParams === 0) throw new PacgenError('network has no parameters');

  const targetIsLabel = spec.loss === 'softmax-cross-entropy';
  const result: CompiledNetwork = {
    layers: compiled,
    tensors: freeTensors,
    numParams,
    numWeights,
    map,
    inputShape: [...spec.inputShape],
    inputSize: prod(spec.inputShape),
    outputShape,
    outputSize,
    loss: spec.loss,
    outputActivation,
    maxWidth,
    maxMatrix,
    targetSize: targetIsLabel ? 1 : outputSize,
    targetIsLabel,
  };
  // Before any caller allocates per parameter: a network that cannot fit at the smallest
  // settings is refused here, with the figure.
  checkEngineMemory(result, 'f32', 1);
  return result;
}
