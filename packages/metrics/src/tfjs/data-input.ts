// Data as TF.js users hold it: tensors x [n, …] and y [n] or [n, k], or a tf.data.Dataset of
// {xs, ys} batches (what model.fitDataset takes) or [x, y] elements, brought to the host arrays
// the objective uploads in chunks. Sizes are checked before anything is copied: a dataset is read
// batch by batch and refused once it passes the caps, so an endless or huge one fails early.

import { PacgenError } from '@pacgen/core-wasm';
import { tf } from './backend.js';
import type { TfjsData } from './objective.js';

/** Inputs and targets as tensors: x [n, …inputShape], y [n] (labels or one target) or [n, k]. */
export interface TfjsTensorData {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** One element of a dataset: a batch {xs, ys} (as model.fitDataset takes) or a pair [x, y]. */
export type TfjsDatasetElement = { xs: tf.Tensor; ys: tf.Tensor } | [tf.Tensor, tf.Tensor];

/** Any data the tfjs entry takes (dataset elements are checked when read: see TfjsDatasetElement). */
export type TfjsDataInput = TfjsData | TfjsTensorData | tf.data.Dataset<tf.TensorContainer>;

/** Caps on the samples and values copied to the host from tensors or a dataset. */
export interface TfjsDataLimits {
  /** Most samples read (default {@link DEFAULT_MAX_SAMPLES}). */
  maxSamples?: number;
  /** Most values (inputs and targets together, 4 bytes each) read (default {@link DEFAULT_MAX_VALUES}). */
  maxValues?: number;
}

/** 2²⁰ samples. */
export const DEFAULT_MAX_SAMPLES = 1 << 20;
/** 2²⁸ values: 1 GiB as f32. */
export const DEFAULT_MAX_VALUES = 1 << 28;

/** True for a tf.data.Dataset (it has `iterator`). */
export function isDataset(d: unknown): d is tf.data.Dataset<tf.TensorContainer> {
  return typeof (d as { iterator?: unknown })?.iterator === 'function';
}

const isTensor = (t: unknown): t is tf.Tensor => t instanceof tf.Tensor;

/** The single tensor of an element's part: a tensor, or a map/array holding exactly one. */
function single(part: unknown, what: string): tf.Tensor {
  if (isTensor(part)) return part;
  const values = part && typeof part === 'object' ? Object.values(part) : [];
  if (values.length === 1 && isTensor(values[0])) return values[0];
  throw new PacgenError(
    `dataset element ${what} must be one tensor (a model with one input and one output), got ${values.length > 1 ? `${values.length} tensors` : typeof part}`,
  );
}

/** x and y of a dataset element: {xs, ys} or [x, y]. */
function elementParts(e: unknown): [tf.Tensor, tf.Tensor] {
  if (Array.isArray(e) && e.length === 2) return [single(e[0], 'x'), single(e[1], 'y')];
  if (e && typeof e === 'object' && 'xs' in e && 'ys' in e) {
    return [single(e.xs, 'xs'), single(e.ys, 'ys')];
  }
  throw new PacgenError('dataset elements must be {xs, ys} batches or [x, y] pairs of tensors');
}

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new PacgenError(`${name} must be a positive integer`);
  return v;
}

/** Host copies of the parts, grown batch by batch within the caps. */
class HostRows {
  private readonly xs: Float32Array[] = [];
  private readonly ys: (Float32Array | Int32Array)[] = [];
  n = 0;
  private values = 0;
  inputShape: number[] | null = null;
  yWidth = -1;
  labels: boolean | null = null;

  constructor(
    private readonly maxSamples: number,
    private readonly maxValues: number,
    private readonly where: string,
  ) {}

  /** Checks a batch of b samples (x shape [b, …], y of yWidth per sample) against the caps and shapes. */
  check(b: number, inputShape: number[], ySize: number, labels: boolean): void {
    const shape = inputShape.join(', ');
    if (this.inputShape && this.inputShape.join(', ') !== shape) {
      throw new PacgenError(
        `${this.where}: inputs of shape [${shape}] after [${this.inputShape.join(', ')}]`,
      );
    }
    if (ySize % b !== 0 || (this.yWidth >= 0 && ySize / b !== this.yWidth)) {
      throw new PacgenError(`${this.where}: ${ySize} target values for ${b} samples`);
    }
    if (this.labels !== null && labels !== this.labels) {
      throw new PacgenError(`${this.where}: targets switch between int32 and float`);
    }
    const values = b * (inputShape.reduce((a, d) => a * d, 1) + ySize / b);
    if (this.n + b > this.maxSamples || this.values + values > this.maxValues) {
      throw new PacgenError(
        `${this.where} holds more than ${this.n + b > this.maxSamples ? `${this.maxSamples} samples (maxSamples)` : `${this.maxValues} values (maxValues, 4 bytes each)`}: score a part (e.g. dataset.take(k), or a slice of the tensors) or raise the cap`,
      );
    }
    this.inputShape = inputShape;
    this.yWidth = ySize / b;
    this.labels = labels;
    this.n += b;
    this.values += values;
  }

  async add(x: tf.Tensor, y: tf.Tensor): Promise<void> {
    this.xs.push(Float32Array.from(await x.data()));
    const yv = await y.data();
    this.ys.push(this.labels ? Int32Array.from(yv) : Float32Array.from(yv));
  }

  data(): TfjsData {
    if (this.n === 0 || !this.inputShape) throw new PacgenError(`${this.where} holds no samples`);
    const x = concat(this.xs, new Float32Array(this.xs.reduce((a, p) => a + p.length, 0)));
    const yLen = this.ys.reduce((a, p) => a + p.length, 0);
    const y = concat(this.ys, this.labels ? new Int32Array(yLen) : new Float32Array(yLen));
    return { x, y, inputShape: this.inputShape };
  }
}

function concat<T extends Float32Array | Int32Array>(parts: ArrayLike<number>[], out: T): T {
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** y tensors in int32 are class labels; every other dtype is real targets. */
const isLabels = (y: tf.Tensor) => y.dtype === 'int32';

/**
 * Host arrays (x f32, y Int32Array labels or Float32Array targets, and the input shape) from
 * tensors, a dataset, or host arrays (returned as they are). `inputShape`: the model's, when
 * known, so that unbatched dataset elements (x of exactly that shape) count as one sample each.
 * Cost: one download of the samples (≤ the caps); a dataset is iterated once.
 */
export async function hostData(
  input: TfjsDataInput,
  options: TfjsDataLimits & { inputShape?: readonly number[] } = {},
): Promise<TfjsData> {
  if (!input || typeof input !== 'object') throw new PacgenError('data must be given');
  const maxSamples = checkLimit('maxSamples', options.maxSamples, DEFAULT_MAX_SAMPLES);
  const maxValues = checkLimit('maxValues', options.maxValues, DEFAULT_MAX_VALUES);
  if (isDataset(input)) return datasetRows(input, options.inputShape, maxSamples, maxValues);
  const { x, y } = input as { x: unknown; y: unknown };
  if (!isTensor(x) && !isTensor(y)) return input as TfjsData;
  if (!isTensor(x) || !isTensor(y)) {
    throw new PacgenError('data.x and data.y must both be tensors, or both typed arrays');
  }
  const rows = new HostRows(maxSamples, maxValues, 'the data');
  if (x.rank < 1 || x.shape[0] !== (y.rank === 0 ? -1 : y.shape[0])) {
    throw new PacgenError(
      `x has shape [${x.shape.join(', ')}] and y [${y.shape.join(', ')}]: both need the samples first, as many of them`,
    );
  }
  rows.check(x.shape[0], x.shape.slice(1), y.size, isLabels(y));
  await rows.add(x, y);
  return rows.data();
}

async function datasetRows(
  ds: tf.data.Dataset<tf.TensorContainer>,
  inputShape: readonly number[] | undefined,
  maxSamples: number,
  maxValues: number,
): Promise<TfjsData> {
  if (ds.size === Infinity) {
    throw new PacgenError('the dataset is endless (repeat()?): score a part, e.g. dataset.take(k)');
  }
  const rows = new HostRows(maxSamples, maxValues, 'the dataset');
  const it = await ds.iterator();
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    try {
      const [x, y] = elementParts(r.value);
      // An unbatched element: x of exactly the model's input shape.
      const one = inputShape !== undefined && x.rank === inputShape.length;
      const b = one ? 1 : x.shape[0];
      if (!one && (x.rank < 1 || y.rank < 1 || y.shape[0] !== b)) {
        throw new PacgenError(
          `dataset element with x [${x.shape.join(', ')}] and y [${y.shape.join(', ')}]: batches need the samples first, as many of them`,
        );
      }
      rows.check(b, one ? x.shape : x.shape.slice(1), y.size, isLabels(y));
      await rows.add(x, y);
    } finally {
      tf.dispose(r.value);
    }
  }
  return rows.data();
}
