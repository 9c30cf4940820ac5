// The ONNX operators the importer turns into engine layers, one converter each. ONNX is NCHW and
// the engine NHWC: conv kernels OIHW are read as HWIO, and the first Gemm/MatMul after a
// flattened feature map reads its input rows in the engine's HWC order, so the logits are
// PyTorch's. Each converter records where every engine tensor's values lie in the ONNX file
// (ImportState.map), the permutation the curvature export inverts. Browser-safe.

import { PacgenError, describeValue, type Activation } from '@pacgen/core-wasm';
import { intAttr, intsAttr } from './onnx-fold.js';
import type { Act, ImportState } from './onnx-graph.js';
import type { OnnxNode } from './onnx-read.js';

type Converter = (s: ImportState, n: OnnxNode) => void;

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** The shortest decimal that a float32 attribute was written from (0.2, not 0.200000003). */
export function f32Decimal(x: number): number {
  for (let k = 1; k <= 9; k++) {
    const d = Number(x.toPrecision(k));
    if (Math.fround(d) === x) return d;
  }
  return x;
}

function floatAttr(n: OnnxNode, key: string, d: number): number {
  const a = n.attributes.get(key);
  return a?.kind === 'float' ? f32Decimal(a.value) : d;
}

/** ONNX's index of the engine's row r of a vector: the CHW position of its HWC position. */
function onnxRow(r: number, chw: Act['chw']): number {
  if (!chw) return r;
  const [C, H, W] = chw;
  const c = r % C;
  const hw = (r - c) / C;
  return c * H * W + hw;
}

/** A feature map [C, H, W] (not one held as a vector), or a clear error. */
function featureMap(s: ImportState, n: OnnxNode, x: Act): [number, number, number] {
  if (x.shape.length !== 3 || x.squeezed) {
    throw new PacgenError(
      `${s.where(n)}: needs a feature map [N, C, H, W], got per-sample shape ${describeValue(x.shape)}`,
    );
  }
  return x.shape as [number, number, number];
}

/** TensorFlow's 'same' padding [top, left, bottom, right] of a window on an H×W map. */
function samePads(size: number[], kernel: number[], strides: number[]): number[] {
  const total = size.map((d, i) =>
    Math.max((Math.ceil(d / strides[i]) - 1) * strides[i] + kernel[i] - d, 0),
  );
  const before = total.map((t) => Math.floor(t / 2));
  return [...before, ...total.map((t, i) => t - before[i])];
}

/**
 * A window's padding and strides, refusing what the engine has no counterpart for: padding
 * other than the same on every side or TensorFlow's 'same' (as pacgen's exporter writes it),
 * dilations, ceil_mode, auto_pad.
 */
function window(s: ImportState, n: OnnxNode, kernel: number[], size: number[]) {
  const autoPad = n.attributes.get('auto_pad');
  if (autoPad?.kind === 'string' && !['NOTSET', 'VALID', ''].includes(autoPad.value)) {
    throw new PacgenError(
      `${s.where(n)}: auto_pad ${autoPad.value} is not supported (give explicit pads)`,
    );
  }
  const dil = intsAttr(n, 'dilations') ?? [1, 1];
  if (dil.some((d) => d !== 1)) {
    throw new PacgenError(
      `${s.where(n)}: dilations ${describeValue(dil)} are not supported (only 1)`,
    );
  }
  if (intAttr(n, 'ceil_mode', 0) !== 0) {
    throw new PacgenError(`${s.where(n)}: ceil_mode=1 is not supported (the engine rounds down)`);
  }
  const strides = intsAttr(n, 'strides') ?? [1, 1];
  if (strides.length !== 2 || kernel.length !== 2) {
    throw new PacgenError(`${s.where(n)}: only 2-D windows are supported`);
  }
  const pads = intsAttr(n, 'pads') ?? [0, 0, 0, 0];
  const same = samePads(size, kernel, strides);
  if (pads.length === 4 && pads.some((p) => p !== pads[0]) && pads.join() === same.join()) {
    return { pad: 'same' as const, strides: strides as [number, number], pads };
  }
  if (pads.length !== 4 || pads.some((p) => p !== pads[0])) {
    throw new PacgenError(
      `${s.where(n)}: pads ${describeValue(pads)} are not supported (only the same zero padding on every side, or TensorFlow's 'same')`,
    );
  }
  return { pad: pads[0], strides: strides as [number, number], pads };
}

/** Output size along one axis with `before` + `after` zero padding. */
const outSize = (size: number, k: number, stride: number, before: number, after = before) =>
  Math.floor((size + before + after - k) / stride) + 1;

const conv: Converter = (s, n) => {
  const x = s.act(n);
  const [C, H, W] = featureMap(s, n, x);
  const g = intAttr(n, 'group', 1);
  const wt = s.constant(n, 1);
  const [CO, CG, KH, KW] = wt.dims;
  if (wt.dims.length !== 4 || CG * g !== C || CO % g !== 0) {
    throw new PacgenError(
      `${s.where(n)}: weight dims ${describeValue(wt.dims)} do not fit ${C} input channels in ${g} group(s)`,
    );
  }
  const weight = s.parameter(n, 1, [CO, CG, KH, KW], 'weight');
  const { pad, strides, pads } = window(s, n, [KH, KW], [H, W]);
  const bias = n.inputs[2] ? s.parameter(n, 2, [CO], 'bias') : null;
  const name = s.addLayer(
    {
      type: 'conv2d',
      filters: CO,
      kernelSize: [KH, KW],
      strides,
      padding: pad,
      useBias: bias !== null,
      ...(g > 1 ? { groups: g } : {}),
    },
    'conv',
    [x],
  );
  // Engine HWIO element ((y·KW + x)·CG + ci)·CO + co is ONNX OIHW element ((co·CG + ci)·KH + y)·KW + x.
  const index = new Int32Array(CO * CG * KH * KW);
  for (let y = 0, i = 0; y < KH; y++)
    for (let xx = 0; xx < KW; xx++)
      for (let ci = 0; ci < CG; ci++)
        for (let co = 0; co < CO; co++) index[i++] = ((co * CG + ci) * KH + y) * KW + xx;
  s.map(`${name}/kernel`, weight, index);
  if (bias) s.map(`${name}/bias`, bias, null);
  const oh = outSize(H, KH, strides[0], pads[0], pads[2]);
  const ow = outSize(W, KW, strides[1], pads[1], pads[3]);
  s.setOutput(n, { kind: 'act', node: name, shape: [CO, oh, ow], chw: null });
};

/** A dense layer from a [IN, OUT] (or, transposed, [OUT, IN]) initializer and optional bias. */
function dense(
  s: ImportState,
  n: OnnxNode,
  transposed: boolean,
  biasAt: [OnnxNode, number] | null,
) {
  const x = s.act(n);
  if (x.shape.length !== 1 && !x.squeezed) {
    throw new PacgenError(
      `${s.where(n)}: needs a vector per sample (flatten first), got shape ${describeValue(x.shape)}`,
    );
  }
  const IN = prod(x.shape);
  const wt = s.constant(n, 1);
  const OUT = wt.dims.length === 2 ? wt.dims[transposed ? 0 : 1] : -1;
  const weight = s.parameter(n, 1, transposed ? [OUT, IN] : [IN, OUT], 'weight');
  const b = biasAt ? s.constant(biasAt[0], biasAt[1]) : null;
  const bias =
    b && s.parameter(biasAt![0], biasAt![1], b.dims.length === 2 ? [1, OUT] : [OUT], 'bias');
  const name = s.addLayer({ type: 'dense', units: OUT, useBias: bias !== null }, 'dense', [x]);
  const index = new Int32Array(IN * OUT);
  for (let r = 0, i = 0; r < IN; r++) {
    const t = onnxRow(r, x.chw);
    for (let o = 0; o < OUT; o++) index[i++] = transposed ? o * IN + t : t * OUT + o;
  }
  s.map(`${name}/kernel`, weight, index);
  if (bias) s.map(`${name}/bias`, bias, null);
  return { kind: 'act' as const, node: name, shape: [OUT], chw: null };
}

const gemm: Converter = (s, n) => {
  if (
    intAttr(n, 'transA', 0) !== 0 ||
    floatAttr(n, 'alpha', 1) !== 1 ||
    floatAttr(n, 'beta', 1) !== 1
  ) {
    throw new PacgenError(`${s.where(n)}: only Gemm with transA=0, alpha=1, beta=1 is supported`);
  }
  s.setOutput(n, dense(s, n, intAttr(n, 'transB', 0) === 1, n.inputs[2] ? [n, 2] : null));
};

/** MatMul by an initializer, taking the Add of a bias right after it (how torch writes x @ W + b). */
const matmul: Converter = (s, n) => {
  const out = n.outputs[0];
  const next =
    s.readers.get(out) === 1 ? s.graph.nodes.find((m) => m.inputs.includes(out)) : undefined;
  let biasAt: [OnnxNode, number] | null = null;
  if (next?.opType === 'Add' && next.inputs.length === 2) {
    const k = next.inputs[0] === out ? 1 : 0;
    const other = s.values.get(next.inputs[k]);
    if (other?.kind === 'const' && other.tensor.dims.length <= 2) biasAt = [next, k];
  }
  const y = dense(s, n, false, biasAt);
  s.setOutput(n, y);
  if (biasAt) {
    s.done.add(biasAt[0]);
    s.setOutput(biasAt[0], y);
  }
};

const batchNorm: Converter = (s, n) => {
  const x = s.act(n);
  if (intAttr(n, 'training_mode', 0) !== 0 || n.outputs.filter(Boolean).length > 1) {
    throw new PacgenError(
      `${s.where(n)}: only inference-mode BatchNormalization is supported (export the model in eval mode)`,
    );
  }
  const C = x.shape[0];
  const [scale, bias] = [1, 2].map((k) => s.parameter(n, k, [C], k === 1 ? 'scale' : 'bias'));
  const [mean, variance] = [3, 4].map((k) => s.constant(n, k));
  for (const t of [mean, variance]) {
    if (t.dims.join() !== String(C)) {
      throw new PacgenError(`${s.where(n)}: running statistics must have shape [${C}]`);
    }
  }
  const name = s.addLayer(
    {
      type: 'batchnorm',
      epsilon: floatAttr(n, 'epsilon', 1e-5),
      // ONNX keeps the old statistic's weight (0.9); the spec, like PyTorch, the batch's (0.1).
      momentum: f32Decimal(1 - floatAttr(n, 'momentum', 0.9)),
    },
    'batchnorm',
    [x],
  );
  s.map(`${name}/gamma`, scale, null);
  s.map(`${name}/beta`, bias, null);
  s.map(`${name}/moving_mean`, mean, null, true);
  s.map(`${name}/moving_variance`, variance, null, true);
  s.setOutput(n, { ...x, node: name });
};

/** An elementwise activation: keeps the shape and the element order. */
function activation(activationName: Activation, alpha?: (n: OnnxNode) => number): Converter {
  return (s, n) => {
    const x = s.act(n);
    const name = s.addLayer(
      { type: 'activation', activation: activationName, ...(alpha ? { alpha: alpha(n) } : {}) },
      activationName,
      [x],
    );
    s.setOutput(n, { ...x, node: name });
  };
}

const add: Converter = (s, n) => {
  const [a, b] = [0, 1].map((k) => s.value(n, k));
  if (n.inputs.length !== 2 || a.kind !== 'act' || b.kind !== 'act') {
    throw new PacgenError(
      `${s.where(n)}: Add is supported of two activations (a residual connection) or as the bias right after a MatMul`,
    );
  }
  if (
    a.shape.join() !== b.shape.join() ||
    String(a.chw) !== String(b.chw) ||
    !!a.squeezed !== !!b.squeezed
  ) {
    throw new PacgenError(
      `${s.where(n)}: adds shapes ${describeValue(a.shape)} and ${describeValue(b.shape)}; only equal shapes are supported (no broadcasting)`,
    );
  }
  const name = s.addLayer({ type: 'add' }, 'add', [a, b]);
  s.setOutput(n, { ...a, node: name });
};

const concat: Converter = (s, n) => {
  const xs = n.inputs.map((_, k) => s.act(n, k));
  const rank = xs[0].shape.length;
  const axis = intAttr(n, 'axis', 1);
  const channels = axis === 1 || axis === -rank;
  const rest = (a: Act) => a.shape.slice(1).join();
  if (
    !channels ||
    xs.some((a) => a.shape.length !== rank || rest(a) !== rest(xs[0]) || a.chw || a.squeezed)
  ) {
    throw new PacgenError(
      `${s.where(n)}: only a concatenation along channels (axis 1) of equal-sized maps or vectors is supported`,
    );
  }
  const name = s.addLayer({ type: 'concat' }, 'concat', xs);
  const shape = [xs.reduce((t, a) => t + a.shape[0], 0), ...xs[0].shape.slice(1)];
  s.setOutput(n, { kind: 'act', node: name, shape, chw: null });
};

function pool(type: 'maxpool2d' | 'avgpool2d'): Converter {
  return (s, n) => {
    const x = s.act(n);
    const [C, H, W] = featureMap(s, n, x);
    const k = intsAttr(n, 'kernel_shape') ?? [];
    const { pad, strides } = window(s, n, k, [H, W]);
    if (pad !== 0 || intAttr(n, 'storage_order', 0) !== 0) {
      throw new PacgenError(
        `${s.where(n)}: padded pooling is not supported (the engine pools 'valid')`,
      );
    }
    const name = s.addLayer({ type, poolSize: [k[0], k[1]], strides }, type.slice(0, 7), [x]);
    const shape = [C, outSize(H, k[0], strides[0], 0), outSize(W, k[1], strides[1], 0)];
    s.setOutput(n, { kind: 'act', node: name, shape, chw: null });
  };
}

/** Global average pooling: [C, H, W] → the engine's [C] (ONNX's [C, 1, 1] unless squeezed). */
function globalPool(s: ImportState, n: OnnxNode, keepDims: boolean) {
  const x = s.act(n);
  const [C] = featureMap(s, n, x);
  const name = s.addLayer({ type: 'global-avgpool' }, 'global_avgpool', [x]);
  s.setOutput(n, {
    kind: 'act',
    node: name,
    shape: keepDims ? [C, 1, 1] : [C],
    chw: null,
    squeezed: keepDims,
  });
}

const reduceMean: Converter = (s, n) => {
  const axes = intsAttr(n, 'axes') ?? (n.inputs[1] ? [...s.constant(n, 1).data] : []);
  const sorted = axes.map((a) => (a < 0 ? a + 4 : a)).sort();
  if (sorted.join() !== '2,3') {
    throw new PacgenError(
      `${s.where(n)}: ReduceMean is supported over the spatial axes [2, 3] only, got ${describeValue(axes)}`,
    );
  }
  globalPool(s, n, intAttr(n, 'keepdims', 1) === 1);
};

/** Flattening a [C, H, W] map: the engine flattens in HWC order, which `chw` records. */
function flattenTo(s: ImportState, n: OnnxNode, x: Act): void {
  if (x.shape.length === 1 || x.squeezed) {
    s.setOutput(n, { ...x, shape: [prod(x.shape)], squeezed: false });
    return;
  }
  const [C, H, W] = featureMap(s, n, x);
  const name = s.addLayer({ type: 'flatten' }, 'flatten', [x]);
  s.setOutput(n, {
    kind: 'act',
    node: name,
    shape: [C * H * W],
    chw: H * W > 1 ? [C, H, W] : null,
  });
}

const flatten: Converter = (s, n) => {
  const x = s.act(n);
  const axis = intAttr(n, 'axis', 1);
  if (axis !== 1 && axis !== -x.shape.length) {
    throw new PacgenError(`${s.where(n)}: only Flatten(axis=1) is supported, got axis ${axis}`);
  }
  flattenTo(s, n, x);
};

/** Reshape to [N, −1] (or [N, C·H·W]), folded from torch's Shape/Gather/Concat chain. */
const reshape: Converter = (s, n) => {
  const x = s.act(n);
  const target = [...s.constant(n, 1).data];
  const size = prod(x.shape);
  const batch = target[0];
  const rest = target.slice(1).map((d, i) => (d === 0 ? x.shape[i] : d));
  const known = prod(rest.filter((d) => d !== -1));
  const sample = rest.map((d) => (d === -1 ? size / known : d));
  const batchOk = Number.isNaN(batch) || batch === 0 || (batch === -1 && !rest.includes(-1));
  if (!batchOk || prod(sample) !== size || sample.length !== 1) {
    throw new PacgenError(
      `${s.where(n)}: Reshape to ${describeValue(target.map((d) => (Number.isNaN(d) ? 'N' : d)))} is not supported (only flattening each sample, x.view(n, -1))`,
    );
  }
  flattenTo(s, n, x);
};

const dropout: Converter = (s, n) => {
  const x = s.act(n);
  const rate = n.inputs[1] ? s.constant(n, 1).data[0] : floatAttr(n, 'ratio', 0.5);
  if (n.outputs.slice(1).some((o) => o && s.readers.get(o))) {
    throw new PacgenError(`${s.where(n)}: the dropout mask output is not supported`);
  }
  const name = s.addLayer({ type: 'dropout', rate: f32Decimal(rate) }, 'dropout', [x]);
  s.setOutput(n, { ...x, node: name });
};

/** Pad by zero (torch writes one before AveragePool): the identity; real padding is refused. */
const pad: Converter = (s, n) => {
  const x = s.act(n);
  const pads = n.inputs[1] ? [...s.constant(n, 1).data] : (intsAttr(n, 'pads') ?? []);
  if (pads.some((p) => p !== 0)) {
    throw new PacgenError(
      `${s.where(n)}: Pad ${describeValue(pads)} is not supported (only the zero padding of a Conv's pads)`,
    );
  }
  s.setOutput(n, x);
};

/** The converters by op type (Identity, Constant, shape arithmetic and GELU are in onnx-import.ts). */
export const CONVERTERS = new Map<string, Converter>([
  ['Conv', conv],
  ['Gemm', gemm],
  ['MatMul', matmul],
  ['BatchNormalization', batchNorm],
  ['Relu', activation('relu')],
  ['LeakyRelu', activation('leaky-relu', (n) => floatAttr(n, 'alpha', 0.01))],
  ['Sigmoid', activation('sigmoid')],
  ['Tanh', activation('tanh')],
  ['Softplus', activation('softplus')],
  ['Add', add],
  ['Concat', concat],
  ['MaxPool', pool('maxpool2d')],
  ['AveragePool', pool('avgpool2d')],
  ['GlobalAveragePool', (s, n) => globalPool(s, n, true)],
  ['ReduceMean', reduceMean],
  ['Flatten', flatten],
  ['Reshape', reshape],
  ['Dropout', dropout],
  ['Pad', pad],
]);
