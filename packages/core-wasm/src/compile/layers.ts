// One compiler per layer kind: each checks its layer's options against the input shape, infers
// the output shape, claims its parameters from the layout and fills the engine's record fields.
// A new layer kind is one entry in LAYER_COMPILERS (and its kernel in assembly/).

import { describeValue } from '../describe.js';
import { PacgenError } from '../errors.js';
import type {
  ActivationSpec,
  Conv2dSpec,
  DenseSpec,
  DropoutSpec,
  FlattenSpec,
  LayerSpec,
  Pool2dSpec,
} from '../spec.js';
import { ACTIVATION_CODE, OP, type CompiledLayer } from './compiled.js';
import {
  add,
  batchnorm,
  concat,
  globalAvgPool,
  identity,
  layernorm,
  reshape,
} from './graph-layers.js';
import type { ParameterLayout } from './parameters.js';
import { hasOwn, pair, positiveInt, prod } from './values.js';

/** The fields every layer starts from; its compiler sets the rest. */
export type LayerBase = Omit<CompiledLayer, 'op' | 'outShape' | 'outSize' | 'ints'>;

/** What a layer's compiler works with besides the layer itself. */
export interface LayerContext {
  /** How error messages name the layer: "layer 'conv' (conv2d)". */
  where: string;
  /** Shape of the first input. */
  inShape: number[];
  /** Shapes of all inputs (add, concat). */
  inShapes: number[][];
  base: LayerBase;
  layout: ParameterLayout;
}

type LayerCompiler<S extends LayerSpec> = (l: S, ctx: LayerContext) => CompiledLayer;

const LAYER_COMPILERS: {
  [K in LayerSpec['type']]: LayerCompiler<Extract<LayerSpec, { type: K }>>;
} = {
  dense,
  conv2d,
  maxpool2d: pool2d,
  avgpool2d: pool2d,
  flatten,
  dropout,
  activation,
  add,
  concat,
  batchnorm,
  layernorm,
  'global-avgpool': globalAvgPool,
  identity,
  reshape,
};

/**
 * Compiles one node of an expanded spec (named, activations apart) reading the nodes `inputs`
 * (−1: the network's input) of shapes `inShapes`, taking its parameters and buffers from
 * `layout` and recording it there. Throws PacgenError naming the layer and the problem.
 * Cost: O(inputs) (shape arithmetic).
 */
export function compileLayer(
  l: LayerSpec,
  inputs: number[],
  inShapes: number[][],
  layout: ParameterLayout,
): CompiledLayer {
  const name = l.name as string;
  if (!hasOwn(LAYER_COMPILERS, l.type)) {
    throw new PacgenError(
      `unsupported layer type ${describeValue((l as { type: unknown }).type)} (use ${Object.keys(LAYER_COMPILERS).join(', ')})`,
    );
  }
  const where = `layer ${describeValue(name)} (${l.type})`;
  const inShape = inShapes[0];
  const base: LayerBase = {
    name,
    type: l.type,
    inputs,
    inShape,
    inSize: prod(inShape),
    weightOffset: -1,
    biasOffset: -1,
    hyper: 0,
    hyper2: 0,
    aux: null,
    kinks: null,
    backwardReads: { input: false, output: false },
    stateOffset: -1,
  };
  const compile = LAYER_COMPILERS[l.type] as LayerCompiler<LayerSpec>;
  const layer = compile(l, { where, inShape, inShapes, base, layout });
  layout.add(layer);
  return layer;
}

function dense(l: DenseSpec, { where, inShape, base, layout }: LayerContext): CompiledLayer {
  if (inShape.length !== 1) {
    throw new PacgenError(
      `${where} needs a flat input but gets shape ${describeValue(inShape)}: add a flatten layer before it`,
    );
  }
  const units = positiveInt(l.units, `${where}: units`);
  const p = layout.place(base.name, [inShape[0], units], l, where);
  return {
    ...base,
    op: OP.dense,
    outShape: [units],
    outSize: units,
    weightOffset: p.w,
    biasOffset: p.b,
    ints: [inShape[0], units],
    backwardReads: { input: true, output: false },
  };
}

/** A window's size, strides, padding (top, left) and output size on an [H, W, C] input. */
interface WindowGeometry {
  KH: number;
  KW: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  OH: number;
  OW: number;
}

/** The geometry of a convolution or pooling window, checked against the input. */
function windowGeometry(
  l: Conv2dSpec | Pool2dSpec,
  inShape: number[],
  where: string,
): WindowGeometry {
  if (inShape.length !== 3) {
    throw new PacgenError(
      `${where} needs an image input [height, width, channels] but gets ${describeValue(inShape)}`,
    );
  }
  const [H, W] = inShape;
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
  return { KH, KW, sh, sw, pt, pl, OH, OW };
}

/** The record's integers of a window layer with CO output channels. */
function windowInts(inShape: number[], g: WindowGeometry, CO: number): number[] {
  const [H, W, C] = inShape;
  return [H, W, C, g.KH, g.KW, CO, g.sh, g.sw, g.pt, g.pl, g.OH, g.OW];
}

function conv2d(l: Conv2dSpec, { where, inShape, base, layout }: LayerContext): CompiledLayer {
  const g = windowGeometry(l, inShape, where);
  const C = inShape[2];
  const CO = positiveInt(l.filters, `${where}: filters`);
  const G = l.groups === undefined ? 1 : positiveInt(l.groups, `${where}: groups`);
  if (C % G !== 0 || CO % G !== 0) {
    throw new PacgenError(
      `${where}: groups ${G} must divide the input channels (${C}) and the filters (${CO})`,
    );
  }
  const outShape = [g.OH, g.OW, CO];
  const p = layout.place(base.name, [g.KH, g.KW, C / G, CO], l, where);
  return {
    ...base,
    op: OP.conv2d,
    outShape,
    outSize: prod(outShape),
    weightOffset: p.w,
    biasOffset: p.b,
    ints: [...windowInts(inShape, g, CO), G],
    // The columns live in one shared buffer (sized by maxColumns); the backward pass rebuilds
    // them from the input.
    backwardReads: { input: true, output: false },
  };
}

/** Reals per sample of one group's im2col columns (the shared column buffer's size). */
export function columnsPerSample(l: CompiledLayer): number {
  if (l.op !== OP.conv2d) return 0;
  const [, , C, KH, KW, , , , , , OH, OW, G] = l.ints;
  return OH * OW * KH * KW * (C / G);
}

function pool2d(l: Pool2dSpec, { where, inShape, base }: LayerContext): CompiledLayer {
  const g = windowGeometry(l, inShape, where);
  const outShape = [g.OH, g.OW, inShape[2]];
  const isMax = l.type === 'maxpool2d';
  return {
    ...base,
    op: isMax ? OP.maxpool2d : OP.avgpool2d,
    outShape,
    outSize: prod(outShape),
    ints: windowInts(inShape, g, inShape[2]),
    aux: isMax ? { kind: 'i32', perSample: prod(outShape) } : null,
    kinks: isMax ? 'argmax' : null,
  };
}

function flatten(_l: FlattenSpec, { inShape, base }: LayerContext): CompiledLayer {
  return {
    ...base,
    op: OP.flatten,
    outShape: [prod(inShape)],
    outSize: prod(inShape),
    ints: [],
  };
}

function dropout(l: DropoutSpec, { where, inShape, base }: LayerContext): CompiledLayer {
  if (typeof l.rate !== 'number' || !(l.rate >= 0 && l.rate < 1)) {
    throw new PacgenError(`${where}: rate must be in [0, 1), got ${describeValue(l.rate)}`);
  }
  return {
    ...base,
    op: OP.dropout,
    outShape: inShape,
    outSize: prod(inShape),
    ints: [],
    hyper: l.rate,
    aux: { kind: 'real', perSample: prod(inShape) },
  };
}

function activation(l: ActivationSpec, { where, inShape, base }: LayerContext): CompiledLayer {
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
    throw new PacgenError(`${where}: alpha must be a finite number, got ${describeValue(alpha)}`);
  }
  return {
    ...base,
    op: OP.activation,
    outShape: inShape,
    outSize: prod(inShape),
    ints: [code],
    hyper: alpha,
    kinks: l.activation === 'relu' || l.activation === 'leaky-relu' ? 'sign' : null,
    backwardReads: { input: true, output: true },
  };
}
