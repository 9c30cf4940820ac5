// The IDX format of MNIST (big-endian): 0, 0, dtype byte, rank byte, rank × u32 dims, data.
// Browser-safe: works on bytes; the file readers are in node.ts.

import { PacgenError, describeValue, type Precision } from '@pacgen/core-wasm';
import type { Dataset } from './dataset.js';
import { chooseSamples, type SubsetMode } from './subset.js';
import {
  byteChannelStats,
  checkLabels,
  normalizeBytes,
  resolveNormalization,
  type ChannelStats,
  type Normalization,
} from './transform.js';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** An IDX tensor: shape and row-major data in the platform's byte order. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const DTYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};
const CODES = Object.fromEntries(
  Object.entries(DTYPES).map(([code, d]) => [d.dtype, { code: Number(code), size: d.size }]),
) as Record<IdxDtype, { code: number; size: number }>;

/** True when the bytes start with the gzip magic (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads the IDX header only: dtype, shape and the total byte length it implies. Needs at most
 * 4 + 4·255 bytes; returns null when `bytes` is too short to hold the whole header yet.
 */
export function readIdxHeader(
  bytes: Uint8Array,
  file = 'IDX data',
): { dtype: IdxDtype; shape: number[]; headerBytes: number; totalBytes: number } | null {
  if (bytes.length < 4) return null;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hint = isGzip(bytes) ? ' (it is gzip-compressed: decompress it first)' : '';
    throw new PacgenError(
      `${file}: not an IDX file: the magic number must start with two zero bytes, got ${hex(bytes, 4)}${hint}`,
    );
  }
  const d = DTYPES[bytes[2]];
  if (!d) {
    throw new PacgenError(
      `${file}: unknown IDX data type 0x${bytes[2].toString(16).padStart(2, '0')} (known: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`,
    );
  }
  const rank = bytes[3];
  if (rank === 0) throw new PacgenError(`${file}: IDX rank is 0 (no dimensions)`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const dim = view.getUint32(4 + 4 * i, false);
    shape.push(dim);
    count *= dim;
  }
  return { dtype: d.dtype, shape, headerBytes, totalBytes: headerBytes + count * d.size };
}

/**
 * Parses an IDX file held in memory (not gzipped). Checks the magic, dtype and that the
 * dimensions match the byte length before allocating anything; uint8 data is returned as a
 * view on `bytes`. `file` names the source in errors.
 */
export function readIdx(bytes: Uint8Array, file = 'IDX data'): IdxArray {
  const h = readIdxHeader(bytes, file);
  if (!h) {
    throw new PacgenError(
      `${file}: truncated: ${bytes.length} bytes is shorter than the IDX header${bytes.length >= 4 ? ` (${4 + 4 * bytes[3]} bytes for rank ${bytes[3]})` : ''}`,
    );
  }
  if (bytes.length !== h.totalBytes) {
    const what =
      bytes.length < h.totalBytes
        ? `truncated: dims ${describeValue(h.shape)} of ${h.dtype} need ${h.totalBytes} bytes but the file has ${bytes.length}`
        : `malformed: dims ${describeValue(h.shape)} of ${h.dtype} need ${h.totalBytes} bytes but the file has ${bytes.length - h.totalBytes} extra`;
    throw new PacgenError(`${file}: ${what}`);
  }
  const count = (h.totalBytes - h.headerBytes) / CODES[h.dtype].size;
  const start = bytes.byteOffset + h.headerBytes;
  if (h.dtype === 'uint8') {
    return { dtype: h.dtype, shape: h.shape, data: bytes.subarray(h.headerBytes) };
  }
  if (h.dtype === 'int8') {
    return { dtype: h.dtype, shape: h.shape, data: new Int8Array(bytes.buffer, start, count) };
  }
  const view = new DataView(bytes.buffer, start, count * CODES[h.dtype].size);
  let data: IdxArray['data'];
  switch (h.dtype) {
    case 'int16':
      data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(2 * i, false);
      break;
    case 'int32':
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(4 * i, false);
      break;
    case 'float32':
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, false);
      break;
    default:
      data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, false);
  }
  return { dtype: h.dtype, shape: h.shape, data };
}

/** Serialises a tensor as IDX bytes (big-endian). */
export function writeIdx(array: IdxArray): Uint8Array {
  const { code, size } = CODES[array.dtype] ?? {};
  if (code === undefined) throw new PacgenError(`unknown IDX dtype '${String(array.dtype)}'`);
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.shape.length < 1 || array.shape.length > 255 || count !== array.data.length) {
    throw new PacgenError(
      `IDX shape [${array.shape.join(', ')}] does not match ${array.data.length} values`,
    );
  }
  const header = 4 + 4 * array.shape.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.shape.length;
  array.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const d = array.data;
  for (let i = 0; i < count; i++) {
    const o = header + i * size;
    switch (array.dtype) {
      case 'uint8':
        view.setUint8(o, d[i]);
        break;
      case 'int8':
        view.setInt8(o, d[i]);
        break;
      case 'int16':
        view.setInt16(o, d[i], false);
        break;
      case 'int32':
        view.setInt32(o, d[i], false);
        break;
      case 'float32':
        view.setFloat32(o, d[i], false);
        break;
      default:
        view.setFloat64(o, d[i], false);
    }
  }
  return out;
}

export interface IdxDatasetOptions {
  /** Data set name (default 'idx'). */
  name?: string;
  /** Number of classes (default: largest label + 1); labels outside it are an error. */
  numClasses?: number;
  /** Default 'none' (uint8 pixels / 255; other dtypes as stored). */
  normalization?: Normalization;
  /**
   * Statistics 'standard' uses (default: computed from these images, which should then be the
   * training split; give the training split's to a test split).
   */
  standard?: ChannelStats;
  /** Keep a subset of this many samples. */
  subset?: number;
  /** Then keep this many of those, chosen the same way (see SampleChoice). */
  sample?: number;
  /** The first `subset` samples, or a seeded random subset (default 'random'). */
  subsetMode?: SubsetMode;
  /** Seed of the subset selection (default 0). */
  seed?: number;
  /** Type of the inputs: Float64Array for 'f64' (default 'f32'). */
  precision?: Precision;
  /** Names of the sources, for errors. */
  imagesFile?: string;
  labelsFile?: string;
}

const INTEGER_DTYPES: IdxDtype[] = ['uint8', 'int8', 'int16', 'int32'];

/**
 * Pairs parsed IDX images ([n], [n, d], [n, h, w] or [n, h, w, c]) with IDX labels ([n] or
 * [n, 1], integer dtype) into a Dataset with NHWC inputs.
 */
export function idxDataset(
  images: IdxArray,
  labels: IdxArray,
  opts: IdxDatasetOptions = {},
): Dataset {
  const imagesFile = opts.imagesFile ?? 'images';
  const labelsFile = opts.labelsFile ?? 'labels';
  const [n, ...rest] = images.shape;
  if (images.shape.length > 4) {
    throw new PacgenError(
      `${imagesFile}: images must have rank 1 to 4 ([n, h, w] or [n, h, w, c]), got shape ${describeValue(images.shape)}`,
    );
  }
  if (!INTEGER_DTYPES.includes(labels.dtype)) {
    throw new PacgenError(`${labelsFile}: labels must be integers, got IDX dtype ${labels.dtype}`);
  }
  if (!(labels.shape.length === 1 || (labels.shape.length === 2 && labels.shape[1] === 1))) {
    throw new PacgenError(
      `${labelsFile}: labels must have shape [n] or [n, 1], got ${describeValue(labels.shape)}`,
    );
  }
  if (labels.shape[0] !== n) {
    throw new PacgenError(
      `${imagesFile} has ${n} images but ${labelsFile} has ${labels.shape[0]} labels`,
    );
  }
  if (n === 0) throw new PacgenError(`${imagesFile}: no images`);
  const inputShape = rest.length === 0 ? [1] : rest.length === 2 ? [...rest, 1] : rest;
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (size === 0) throw new PacgenError(`${imagesFile}: images have a zero dimension`);
  const channels = inputShape.length === 3 ? inputShape[2] : 1;

  let maxLabel = 0;
  for (let i = 0; i < n; i++) maxLabel = Math.max(maxLabel, labels.data[i]);
  const numClasses = opts.numClasses ?? maxLabel + 1;
  checkLabels(labels.data, numClasses, labelsFile);

  const { indices: pick, selection } = chooseSamples(
    n,
    { subset: opts.subset, sample: opts.sample, mode: opts.subsetMode, seed: opts.seed },
    imagesFile,
  );
  const m = pick ? pick.length : n;
  const x = opts.precision === 'f64' ? new Float64Array(m * size) : new Float32Array(m * size);
  const y = new Int32Array(m);
  let stats: ChannelStats;
  if (images.dtype === 'uint8') {
    const bytes = images.data as Uint8Array;
    stats = resolveNormalization(
      opts.normalization,
      channels,
      () => opts.standard ?? byteChannelStats(bytes, channels),
    );
    for (let i = 0; i < m; i++) {
      const s = pick ? pick[i] : i;
      normalizeBytes(bytes, s * size, size, stats, x, i * size);
      y[i] = labels.data[s];
    }
  } else {
    const data = images.data;
    stats = resolveNormalization(
      opts.normalization,
      channels,
      () => opts.standard ?? valueChannelStats(data, channels),
    );
    for (let i = 0; i < m; i++) {
      const s = pick ? pick[i] : i;
      for (let j = 0; j < size; j++) {
        const c = j % channels;
        x[i * size + j] = (data[s * size + j] - stats.mean[c]) / stats.std[c];
      }
      y[i] = labels.data[s];
    }
  }
  return {
    name: opts.name ?? 'idx',
    x,
    y,
    n: m,
    inputShape,
    numClasses,
    normalization: stats,
    selection,
  };
}

function valueChannelStats(data: ArrayLike<number>, channels: number): ChannelStats {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    sum[i % channels] += data[i];
    sq[i % channels] += data[i] * data[i];
  }
  const count = data.length / channels;
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(s / count - mean[c] ** 2, 0)) || 1);
  return { mean, std };
}

function hex(bytes: Uint8Array, n: number): string {
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ');
}
