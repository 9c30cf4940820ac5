// Exact JSON round trip of training state: typed arrays as base64 of their bytes (bit-exact,
// little-endian on every platform JavaScript runs on in practice), non-finite numbers tagged
// (plain JSON turns NaN into null). Browser-safe: no Buffer.

import { PacgenError, describeValue } from '@pacgen/core-wasm';
import { parseJson } from '../io/safe-json.js';

const TYPED = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u8: Uint8Array,
} as const;
type TypedTag = keyof typeof TYPED;

function tagOf(x: unknown): TypedTag | null {
  if (x instanceof Float64Array) return 'f64';
  if (x instanceof Float32Array) return 'f32';
  if (x instanceof Int32Array) return 'i32';
  if (x instanceof Uint8Array) return 'u8';
  return null;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  let s: string;
  try {
    s = atob(text);
  } catch {
    throw new PacgenError('malformed checkpoint: a typed array is not valid base64');
  }
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** A JSON-safe copy of a tree of objects, arrays, numbers, strings, booleans, null and typed arrays. */
export function encodeState(value: unknown, path = 'state'): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $num: String(value) };
  const tag = tagOf(value);
  if (tag) {
    const a = value as Float64Array;
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    return { $typed: tag, data: toBase64(bytes) };
  }
  if (Array.isArray(value)) return value.map((v, i) => encodeState(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k] = encodeState(v, `${path}.${k}`);
    }
    return out;
  }
  throw new PacgenError(`cannot checkpoint ${path}: unsupported value of type ${typeof value}`);
}

/**
 * Inverse of {@link encodeState}. A malformed typed array (unknown type, bad base64, a byte
 * count that is not a whole number of elements) is a PacgenError.
 */
export function decodeState(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeState);
  const o = value as Record<string, unknown>;
  if (typeof o.$num === 'string') return Number(o.$num);
  if (typeof o.$typed === 'string' && typeof o.data === 'string') {
    if (!Object.prototype.hasOwnProperty.call(TYPED, o.$typed)) {
      throw new PacgenError(`unknown typed array ${describeValue(o.$typed)} in checkpoint`);
    }
    const Ctor = TYPED[o.$typed as TypedTag];
    const bytes = fromBase64(o.data);
    if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
      throw new PacgenError(
        `malformed checkpoint: ${bytes.byteLength} bytes are not a whole number of ${o.$typed} values`,
      );
    }
    return new Ctor(bytes.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
  }
  // fromEntries defines own properties: a key '__proto__' stays a key.
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeState(v)]));
}

/** JSON text of a state tree (exact round trip with {@link parseState}). */
export function stringifyState(value: unknown): string {
  return JSON.stringify(encodeState(value));
}

/** A state tree from {@link stringifyState}'s text (depth-capped: see io/safe-json.ts). */
export function parseState(text: string): unknown {
  return decodeState(parseJson(text, 'checkpoint', 'JSON'));
}
