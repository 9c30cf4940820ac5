// Constant folding for the ONNX importer: the shape arithmetic torch.onnx.export writes for
// `x.view(x.size(0), -1)` (Shape → Gather → Unsqueeze → Concat → Reshape) and other constant
// subgraphs, evaluated once at import; and elementwise subgraphs of one activation recognised
// by their values (the decomposed GELU torch 1.13 writes as Mul/Add/Tanh or Div/Erf/Mul).
// The batch dimension is symbolic: NaN in a folded shape. Browser-safe.

import { PacgenError, describeName, describeValue } from '@pacgen/core-wasm';
import type { OnnxNode, OnnxTensor } from './onnx-read.js';

/** Ops evaluated when all their inputs are constants. */
export const FOLDABLE = new Set([
  'Constant',
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Cast',
  'Identity',
  'Add',
  'Sub',
  'Mul',
  'Div',
]);

/** Foldable ops of two inputs (the others take one, Concat one or more). */
const BINARY = new Set(['Gather', 'Add', 'Sub', 'Mul', 'Div']);

/** Elementwise ops that may make up a decomposed activation. */
export const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Erf', 'Tanh']);

const tensor = (dims: number[], data: ArrayLike<number>, dtype = 'int64'): OnnxTensor => ({
  name: '',
  dims,
  dtype,
  data: Float64Array.from(data),
});

/** f(a, b) elementwise, a scalar (one value) broadcast against the other. */
function binary(a: OnnxTensor, b: OnnxTensor, f: (x: number, y: number) => number): OnnxTensor {
  if (a.data.length !== b.data.length && a.data.length !== 1 && b.data.length !== 1) {
    throw new PacgenError(
      `constant ${describeValue(a.dims)} and ${describeValue(b.dims)} do not broadcast`,
    );
  }
  const big = a.data.length >= b.data.length ? a : b;
  const out = big.data.map((_, i) =>
    f(a.data[a.data.length === 1 ? 0 : i], b.data[b.data.length === 1 ? 0 : i]),
  );
  return tensor(big.dims, out, big.dtype);
}

/** An int attribute (default `d`). */
export function intAttr(n: OnnxNode, key: string, d: number): number {
  const a = n.attributes.get(key);
  return a?.kind === 'int' ? a.value : d;
}

/** An ints attribute, or undefined. */
export function intsAttr(n: OnnxNode, key: string): number[] | undefined {
  const a = n.attributes.get(key);
  return a?.kind === 'ints' ? a.value : undefined;
}

/**
 * The value of a foldable node whose inputs are all constant (`args`), or of Shape on an
 * activation of per-sample shape `shapeOf` (the batch dimension NaN). Only the small tensors of
 * shape arithmetic are expected here; anything else is refused by the caller.
 */
export function foldNode(
  n: OnnxNode,
  args: OnnxTensor[],
  where: string,
  shapeOf?: number[],
): OnnxTensor {
  const need = n.opType === 'Constant' ? 0 : BINARY.has(n.opType) ? 2 : 1;
  if (args.length < need) {
    throw new PacgenError(`${where}: needs ${need} input(s), has ${args.length}`);
  }
  const [a, b] = args;
  switch (n.opType) {
    case 'Constant': {
      const v = n.attributes.get('value');
      if (v?.kind !== 'tensor') {
        throw new PacgenError(`${where}: only a Constant with a tensor 'value' is supported`);
      }
      return v.value;
    }
    case 'Shape': {
      const s = [NaN, ...(shapeOf ?? a.dims)];
      return tensor([s.length], s);
    }
    case 'Identity':
    case 'Cast':
      return a;
    case 'Gather': {
      if (a.dims.length !== 1 || intAttr(n, 'axis', 0) !== 0) {
        throw new PacgenError(`${where}: Gather is folded only on a 1-D constant along axis 0`);
      }
      const idx = [...b.data].map((i) => (i < 0 ? i + a.data.length : i));
      if (idx.some((i) => !Number.isInteger(i) || i < 0 || i >= a.data.length)) {
        throw new PacgenError(`${where}: Gather index out of range`);
      }
      return tensor(
        b.dims,
        idx.map((i) => a.data[i]),
        a.dtype,
      );
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      // Values are unchanged; only vectors (≤ 1 dimension) matter for shape arithmetic.
      const dims = a.data.length === 1 && n.opType === 'Unsqueeze' ? [1] : [a.data.length];
      return tensor(a.data.length === 1 && n.opType === 'Squeeze' ? [] : dims, a.data, a.dtype);
    }
    case 'Concat': {
      const data = args.flatMap((t) => [...t.data]);
      return tensor([data.length], data, a.dtype);
    }
    case 'Add':
      return binary(a, b, (x, y) => x + y);
    case 'Sub':
      return binary(a, b, (x, y) => x - y);
    case 'Mul':
      return binary(a, b, (x, y) => x * y);
    default: // Div
      return binary(a, b, (x, y) =>
        a.dtype === 'int64' || a.dtype === 'int32' ? Math.trunc(x / y) : x / y,
      );
  }
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7): enough to tell two GELUs apart. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x < 0 ? -y : y;
}

const UNARY: Record<string, (x: number) => number> = {
  Sqrt: Math.sqrt,
  Erf: erf,
  Tanh: Math.tanh,
};

const geluTanh = (x: number) =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
const geluErf = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** What an elementwise region computes, recognised by its values. */
export type RegionActivation = 'gelu' | 'gelu-erf' | null;

/**
 * Evaluates the elementwise `region` (nodes in topological order) as a function of its one
 * activation input `x` at points in [−4, 4] and names the activation it computes: the GELU of
 * nn.GELU(approximate='tanh'), the exact (erf) GELU, or null. `constants` gives the other
 * inputs. Cost: O(region × 33).
 */
export function regionActivation(
  region: OnnxNode[],
  x: string,
  output: string,
  constant: (name: string) => OnnxTensor | undefined,
): RegionActivation {
  const points = Array.from({ length: 33 }, (_, i) => -4 + i / 4);
  const values = new Map<string, number[]>([[x, points]]);
  const get = (name: string): number[] | null => {
    const v = values.get(name);
    if (v) return v;
    const c = constant(name);
    return c && c.data.length === 1 ? points.map(() => c.data[0]) : null;
  };
  for (const n of region) {
    const [a, b] = n.inputs.map(get);
    if (!a || (n.inputs.length > 1 && !b)) return null;
    const f: (p: number, q: number) => number =
      n.opType === 'Add'
        ? (p, q) => p + q
        : n.opType === 'Sub'
          ? (p, q) => p - q
          : n.opType === 'Mul'
            ? (p, q) => p * q
            : n.opType === 'Div'
              ? (p, q) => p / q
              : n.opType === 'Pow'
                ? (p, q) => p ** q
                : (p) => UNARY[n.opType](p);
    values.set(
      n.outputs[0],
      a.map((p, i) => f(p, b ? b[i] : 0)),
    );
  }
  const out = values.get(output);
  if (!out) return null;
  const near = (g: (x: number) => number) =>
    out.every((v, i) => Math.abs(v - g(points[i])) <= 1e-5 * (1 + Math.abs(v)));
  return near(geluTanh) ? 'gelu' : near(geluErf) ? 'gelu-erf' : null;
}

/** The elementwise region's description for an error message. */
export function describeRegion(region: OnnxNode[]): string {
  return region
    .slice(0, 4)
    .map((n) => `${describeName(n.name)} (${describeName(n.opType)})`)
    .join(', ');
}
