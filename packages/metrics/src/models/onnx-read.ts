// An ONNX file (a protobuf ModelProto, as torch.onnx.export writes it) decoded by onnx-proto (the
// ONNX schema compiled for protobufjs) and checked as untrusted input: every tensor's dims,
// dtype and data length are checked before its values are allocated, external data is refused,
// and counts are capped. The result is a plain graph for the importer (onnx-import.ts).
// Browser-safe.

import onnxProto from 'onnx-proto';
import { PacgenError, describeName, describeValue } from '@pacgen/core-wasm';
import { MAX_TENSOR_RANK } from './model.js';

const { onnx } = onnxProto;

/** A constant tensor of the graph (an initializer or a Constant node's value), widened to f64. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  /** The stored type, e.g. 'float', 'double', 'int64'. */
  dtype: string;
  data: Float64Array;
}

/** One attribute of a node, by its kind. */
export type OnnxAttribute =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: OnnxTensor }
  | { kind: 'other'; type: number };

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

/** The graph as the importer reads it: one input, one output, nodes in topological order. */
export interface OnnxGraph {
  /** The default-domain opset the file imports. */
  opset: number;
  producer: string;
  /** The model's metadata_props (pacgen's exporter keeps the loss there). */
  metadata: Map<string, string>;
  input: { name: string; shape: number[] };
  output: string;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
}

/** Opsets whose operator semantics the importer follows (torch.onnx.export writes 13–17). */
export const ONNX_OPSETS = { min: 13, max: 18 } as const;

/** At most this many nodes, initializers or graph values: far above any model we can run. */
const MAX_COUNT = 100_000;
/** The most values one tensor may hold (2 GiB of f64). */
const MAX_TENSOR_VALUES = 2 ** 28;

// TensorProto.DataType codes the importer reads, with their byte size.
const DTYPES = new Map<number, { name: string; bytes: number }>([
  [1, { name: 'float', bytes: 4 }],
  [6, { name: 'int32', bytes: 4 }],
  [7, { name: 'int64', bytes: 8 }],
  [11, { name: 'double', bytes: 8 }],
  [9, { name: 'bool', bytes: 1 }],
]);

/** A protobuf int64 (a number or a Long) as a number; null when it is not a safe integer. */
function int64(v: unknown): number | null {
  const n =
    typeof v === 'number'
      ? v
      : v && typeof (v as { toNumber?: unknown }).toNumber === 'function'
        ? (v as { toNumber(): number }).toNumber()
        : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** Every value of a list of int64s, or a clear error naming `where`. */
function int64s(list: unknown[] | null | undefined, where: string): number[] {
  return (list ?? []).map((v) => {
    const n = int64(v);
    if (n === null)
      throw new PacgenError(`${where}: integer ${describeValue(String(v))} is out of range`);
    return n;
  });
}

/**
 * A TensorProto's values as f64, checked: dims (≤ 64, each a safe integer ≥ 0, at most 2²⁸
 * values), a supported dtype, data stored in the file (external data refused), and the raw or
 * typed data holding exactly dims' product of values. Cost: O(values).
 */
export function readTensor(t: onnxProto.onnx.ITensorProto, where: string): OnnxTensor {
  const name = t.name ?? '';
  const at = `${where}${name ? ` tensor ${describeName(name)}` : ''}`;
  if ((t.externalData?.length ?? 0) > 0 || t.dataLocation === 1) {
    throw new PacgenError(
      `${at}: its data is stored in an external file, which pacgen does not read (export the model into one .onnx file)`,
    );
  }
  const dims = int64s(t.dims, at);
  if (dims.length > MAX_TENSOR_RANK || dims.some((d) => d < 0)) {
    throw new PacgenError(`${at}: dims ${describeValue(dims)} are not a tensor shape`);
  }
  const n = dims.reduce((a, b) => a * b, 1);
  if (n > MAX_TENSOR_VALUES) {
    throw new PacgenError(
      `${at}: dims ${describeValue(dims)} hold ${n} values, more than ${MAX_TENSOR_VALUES}`,
    );
  }
  const type = DTYPES.get(t.dataType ?? 0);
  if (!type) {
    throw new PacgenError(
      `${at}: data type ${describeValue(t.dataType)} is not supported (float, double, int32, int64, bool)`,
    );
  }
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const typed =
    type.name === 'float'
      ? t.floatData
      : type.name === 'double'
        ? t.doubleData
        : type.name === 'int64'
          ? t.int64Data
          : t.int32Data;
  const have = raw ? raw.length : (typed?.length ?? 0);
  const want = raw ? n * type.bytes : n;
  if (have !== want) {
    throw new PacgenError(
      `${at}: dims ${describeValue(dims)} of ${type.name} need ${want} ${raw ? 'bytes' : 'values'} but the file holds ${have} (truncated or corrupt)`,
    );
  }
  const data = new Float64Array(n);
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) {
      if (type.name === 'float') data[i] = view.getFloat32(4 * i, true);
      else if (type.name === 'double') data[i] = view.getFloat64(8 * i, true);
      else if (type.name === 'int64') data[i] = Number(view.getBigInt64(8 * i, true));
      else if (type.name === 'int32') data[i] = view.getInt32(4 * i, true);
      else data[i] = view.getUint8(i);
    }
  } else if (type.name === 'int64') {
    // Huge int64s (Slice's 'to the end') become the nearest double; shapes are checked later.
    for (let i = 0; i < n; i++) data[i] = Number(String(typed![i]));
  } else {
    for (let i = 0; i < n; i++) data[i] = Number(typed![i]);
  }
  return { name, dims, dtype: type.name, data };
}

function readAttributes(n: onnxProto.onnx.INodeProto, where: string): Map<string, OnnxAttribute> {
  const out = new Map<string, OnnxAttribute>();
  for (const a of n.attribute ?? []) {
    const key = a.name ?? '';
    const at = `${where} attribute ${describeName(key)}`;
    // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7.
    let v: OnnxAttribute;
    switch (a.type) {
      case 1:
        v = { kind: 'float', value: a.f ?? 0 };
        break;
      case 2:
        v = { kind: 'int', value: int64s([a.i ?? 0], at)[0] };
        break;
      case 3:
        v = { kind: 'string', value: new TextDecoder().decode(a.s ?? new Uint8Array()) };
        break;
      case 4:
        v = { kind: 'tensor', value: readTensor(a.t ?? {}, at) };
        break;
      case 6:
        v = { kind: 'floats', value: [...(a.floats ?? [])] };
        break;
      case 7:
        v = { kind: 'ints', value: int64s(a.ints, at) };
        break;
      default:
        v = { kind: 'other', type: a.type ?? 0 };
    }
    out.set(key, v);
  }
  return out;
}

/** The per-sample shape of the graph's input: its dims after the batch dimension. */
function inputShape(v: onnxProto.onnx.IValueInfoProto, file: string): number[] {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  const shape = dims.slice(1).map((d) => (d.dimValue == null ? null : int64(d.dimValue)));
  if (dims.length < 2 || shape.some((d) => d === null || d < 1)) {
    throw new PacgenError(
      `${file}: input ${describeName(v.name ?? '')} needs a known shape [batch, …] (got ${describeValue(dims.map((d) => d.dimParam || String(d.dimValue ?? '?')))}); export with a sample input of the real size`,
    );
  }
  return shape as number[];
}

/**
 * Decodes and checks an ONNX model held in memory. Errors name `file` and the problem: a
 * truncated or non-ONNX file, an opset outside 13–18, a graph with several inputs or outputs,
 * a tensor whose data does not match its dims. Cost: O(file size).
 */
export function readOnnx(bytes: Uint8Array, file = 'ONNX model'): OnnxGraph {
  if (bytes.length < 4) {
    throw new PacgenError(`${file}: truncated: ${bytes.length} bytes is not an ONNX model`);
  }
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const why = e instanceof RangeError ? 'nested too deeply or cut short' : (e as Error).message;
    throw new PacgenError(
      `${file}: not a readable ONNX model (truncated or corrupt: ${describeValue(why)})`,
    );
  }
  // Decoded messages hold every repeated field (empty when absent).
  const g = model.graph as onnxProto.onnx.GraphProto | null | undefined;
  if (!g || (g.node ?? []).length === 0) {
    throw new PacgenError(
      `${file}: not an ONNX model (no graph with nodes; truncated or another format?)`,
    );
  }
  for (const [what, n] of [
    ['nodes', g.node.length],
    ['initializers', g.initializer.length],
    ['inputs', g.input.length],
  ] as const) {
    if (n > MAX_COUNT) throw new PacgenError(`${file}: ${n} ${what}, more than ${MAX_COUNT}`);
  }
  const ops = (model.opsetImport ?? []).filter((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = ops.length === 1 ? int64(ops[0].version) : null;
  if (opset === null || opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max) {
    throw new PacgenError(
      `${file}: ONNX opset ${describeValue(opset ?? '(none)')} is not supported (${ONNX_OPSETS.min}–${ONNX_OPSETS.max}; torch.onnx.export(..., opset_version=17))`,
    );
  }
  const initializers = new Map<string, OnnxTensor>();
  for (const t of g.initializer) {
    const tensor = readTensor(t, `${file}: initializer`);
    if (initializers.has(tensor.name)) {
      throw new PacgenError(`${file}: initializer ${describeName(tensor.name)} is repeated`);
    }
    initializers.set(tensor.name, tensor);
  }
  if ((g.sparseInitializer ?? []).length > 0) {
    throw new PacgenError(`${file}: sparse initializers are not supported`);
  }
  // Before IR 4 initializers were listed among the inputs too.
  const inputs = g.input.filter((v) => !initializers.has(v.name ?? ''));
  if (inputs.length !== 1 || g.output.length !== 1) {
    throw new PacgenError(
      `${file}: the graph has ${inputs.length} inputs and ${g.output.length} outputs; pacgen reads models with one of each`,
    );
  }
  const nodes = g.node.map((n, i): OnnxNode => {
    const name = n.name || `#${i}`;
    const where = `${file}: node ${describeName(name)} (${describeName(n.opType ?? '')})`;
    return {
      name,
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attributes: readAttributes(n, where),
    };
  });
  return {
    opset,
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    metadata: new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    input: { name: inputs[0].name ?? '', shape: inputShape(inputs[0], file) },
    output: g.output[0].name ?? '',
    nodes,
    initializers,
  };
}
