// The safetensors format: u64 little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}, then the
// little-endian data. Parsed here (no maintained npm reader exists); browser-safe.

import { PacgenError, describeValue } from '@pacgen/core-wasm';
import { parseJson } from '../io/safe-json.js';
import { MAX_TENSOR_RANK, prod, type NamedTensor } from './model.js';

/** A tensor read from a safetensors file, values widened to f64. */
export interface SafeTensor {
  name: string;
  /** The stored dtype, e.g. 'F32'. */
  dtype: string;
  shape: number[];
  data: Float64Array;
}

// A Map, so that a dtype like 'toString' from a file finds nothing.
const DTYPE_BYTES = new Map<string, number>([
  ['F64', 8],
  ['F32', 4],
  ['F16', 2],
  ['BF16', 2],
  ['I64', 8],
  ['I32', 4],
  ['I16', 2],
  ['I8', 1],
  ['U8', 1],
  ['BOOL', 1],
]);

/** The reference implementation refuses headers over 100 MB; so do we. */
const MAX_HEADER = 100_000_000;

/**
 * Parses a safetensors file held in memory. Every size and offset in the header is checked
 * against the file before any tensor is allocated; errors name `file` and the problem.
 */
export function readSafetensors(
  bytes: Uint8Array,
  file = 'safetensors data',
): { tensors: SafeTensor[]; metadata: Record<string, string> } {
  if (bytes.length < 8) {
    throw new PacgenError(
      `${file}: truncated: ${bytes.length} bytes, a safetensors file starts with an 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (n > bytes.length - 8 || n > MAX_HEADER || n < 2) {
    throw new PacgenError(
      `${file}: malformed: header length ${n} ${n > bytes.length - 8 ? `exceeds the ${bytes.length - 8} bytes after it (truncated or not a safetensors file)` : 'is out of range'}`,
    );
  }
  // JSON.parse keeps the last of two equal keys: a repeated tensor name is refused instead.
  const header = parseJson(bytes.subarray(8, 8 + n), file, 'header JSON', {
    rejectDuplicateKeys: true,
  });
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new PacgenError(`${file}: malformed: the header is not a JSON object`);
  }
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] =
    [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        throw new PacgenError(`${file}: malformed: __metadata__ is not an object of strings`);
      }
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') {
          throw new PacgenError(
            `${file}: malformed: __metadata__ ${describeValue(k)} is ${describeValue(s)}, not a string`,
          );
        }
      }
      // fromEntries defines own properties: a key '__proto__' stays a key.
      metadata = Object.fromEntries(Object.entries(v)) as Record<string, string>;
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const where = `${file}: tensor ${describeValue(name)}`;
    if (typeof t !== 'object' || t === null)
      throw new PacgenError(`${where}: entry is not an object`);
    const size = typeof t.dtype === 'string' ? DTYPE_BYTES.get(t.dtype) : undefined;
    if (!size) {
      throw new PacgenError(
        `${where}: unsupported dtype ${describeValue(t.dtype)} (supported: ${[...DTYPE_BYTES.keys()].join(', ')})`,
      );
    }
    if (
      !Array.isArray(t.shape) ||
      t.shape.length > MAX_TENSOR_RANK ||
      !t.shape.every((d) => Number.isInteger(d) && d >= 0)
    ) {
      throw new PacgenError(
        `${where}: shape must be a list of at most ${MAX_TENSOR_RANK} integers ≥ 0, got ${describeValue(t.shape)}`,
      );
    }
    const off = t.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((x) => Number.isInteger(x)) ||
      off[0] < 0 ||
      off[1] < off[0] ||
      off[1] > dataLen
    ) {
      throw new PacgenError(
        `${where}: data_offsets ${describeValue(off)} do not lie within the ${dataLen} data bytes (truncated file?)`,
      );
    }
    const shape = t.shape as number[];
    if (off[1] - off[0] !== prod(shape) * size) {
      throw new PacgenError(
        `${where}: shape ${describeValue(shape)} of ${t.dtype} needs ${prod(shape) * size} bytes but data_offsets span ${off[1] - off[0]}`,
      );
    }
    entries.push({ name, dtype: t.dtype as string, shape, begin: off[0], end: off[1] });
  }
  // The format requires the tensors to tile the data block exactly.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin !== pos) {
      throw new PacgenError(
        `${file}: malformed: tensor ${describeValue(e.name)} starts at byte ${e.begin}, expected ${pos} (${e.begin < pos ? 'overlap' : 'hole'})`,
      );
    }
    pos = e.end;
  }
  if (pos !== dataLen) {
    throw new PacgenError(`${file}: malformed: ${dataLen - pos} bytes after the last tensor`);
  }
  const tensors = sorted.map((e) => ({
    name: e.name,
    dtype: e.dtype,
    shape: e.shape,
    data: decode(view, dataStart + e.begin, prod(e.shape), e.dtype),
  }));
  return { tensors, metadata };
}

function decode(view: DataView, at: number, n: number, dtype: string): Float64Array {
  const out = new Float64Array(n);
  switch (dtype) {
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, true);
      break;
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = half(view.getUint16(at + 2 * i, true));
      break;
    case 'BF16': {
      const f = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        f.setUint32(0, view.getUint16(at + 2 * i, true) << 16);
        out[i] = f.getFloat32(0);
      }
      break;
    }
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(at + 8 * i, true));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, true);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, true);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(at + i);
      break;
    default: // U8, BOOL
      for (let i = 0; i < n; i++) out[i] = view.getUint8(at + i);
  }
  return out;
}

/** IEEE half precision to a number. */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Serialises tensors as a safetensors file: F32 for Float32Array data, F64 for Float64Array,
 * in the given order, header padded with spaces to a multiple of 8 bytes. `metadata` goes into
 * `__metadata__` (string values).
 */
export function writeSafetensors(
  tensors: NamedTensor[],
  metadata?: Record<string, string>,
): Uint8Array {
  // No prototype: a tensor named '__proto__' is then an ordinary key.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = new Set<string>();
  for (const t of tensors) {
    if (t.name === '__metadata__' || names.has(t.name)) {
      throw new PacgenError(
        `safetensors: tensor name ${describeValue(t.name)} is reserved or repeated`,
      );
    }
    names.add(t.name);
    const f64 = t.data instanceof Float64Array;
    if (!f64 && !(t.data instanceof Float32Array)) {
      throw new PacgenError(
        `safetensors: tensor '${t.name}' data must be a Float32Array or Float64Array`,
      );
    }
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0) || prod(t.shape) !== t.data.length) {
      throw new PacgenError(
        `safetensors: tensor '${t.name}' shape [${t.shape.join(', ')}] does not match its ${t.data.length} values`,
      );
    }
    const bytes = t.data.length * (f64 ? 8 : 4);
    header[t.name] = {
      dtype: f64 ? 'F64' : 'F32',
      shape: t.shape,
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const t of tensors) {
    if (t.data instanceof Float64Array) {
      for (let i = 0; i < t.data.length; i++, o += 8) view.setFloat64(o, t.data[i], true);
    } else {
      for (let i = 0; i < t.data.length; i++, o += 4) view.setFloat32(o, t.data[i], true);
    }
  }
  return out;
}
