// What a training checkpoint holds, and its check on resume. A checkpoint is read back from a
// file, so before anything of it is used every field is checked against what this run itself
// would write: a damaged or foreign file is one clear PacgenError, never a TypeError later in
// the optimizer or the report. Browser-safe.

import { PacgenError, describeName, describeValue } from '@pacgen/core-wasm';
import { parseState } from './serialize.js';
import type { EpochRecord, StopReason } from './history.js';

/** The checkpoint of a training run (the JSON of `stringifyState`). */
export interface CheckpointData {
  format: 'pacgen-train/1';
  fingerprint: Record<string, number | string | boolean>;
  epoch: number;
  steps: number;
  gradientEvaluations: number;
  params: Float64Array;
  /** The network's buffers (batch-norm running statistics); absent when it has none. */
  buffers?: Float64Array;
  optimizerState: unknown;
  history: EpochRecord[];
  /** Set when the run ended for good (target reached or diverged). */
  finished: StopReason | null;
}

/** What the resuming run expects of its checkpoint. */
export interface CheckpointExpectation {
  /** Must equal the checkpoint's fingerprint key by key. */
  fingerprint: Record<string, number | string | boolean>;
  /** The number of parameters. */
  numParams: number;
  /** The number of buffer values (default 0: the checkpoint must have none). */
  numBuffers?: number;
  /** The optimizer's fresh state (`init`): the saved one must have its shape. */
  optimizerState: unknown;
}

const STOP_REASONS: readonly string[] = ['epochs', 'target', 'diverged', 'aborted'];

/** The saved buffers: as many finite values as the network has (none may be absent). */
function checkBuffers(b: unknown, numBuffers: number): void {
  if (b === undefined && numBuffers === 0) return;
  if (!(b instanceof Float64Array) || b.length !== numBuffers) {
    throw new PacgenError(
      `checkpoint buffers are missing or have the wrong length (the network has ${numBuffers} buffer values)`,
    );
  }
  const bad = b.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new PacgenError(`checkpoint buffer value ${bad} is not finite`);
}

/** History fields that are a number or null. */
const ROW_NUMBERS = [
  'batchLoss',
  'batchAccuracy',
  'trainLoss',
  'trainAccuracy',
  'testLoss',
  'testAccuracy',
  'gap',
] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Parses and checks a checkpoint's text for the run described by `expected`. Throws one
 * PacgenError naming the first field that is missing, malformed or from another run.
 */
export function parseCheckpoint(text: string, expected: CheckpointExpectation): CheckpointData {
  const ck = parseState(text) as Partial<CheckpointData> | null;
  if (!isObject(ck) || ck.format !== 'pacgen-train/1') {
    throw new PacgenError('not a pacgen training checkpoint');
  }
  if (!isObject(ck.fingerprint)) throw new PacgenError('checkpoint has no fingerprint');
  const fp = ck.fingerprint;
  const diff = Object.entries(expected.fingerprint).filter(([k, v]) => fp[k] !== v);
  if (diff.length > 0) {
    throw new PacgenError(
      `checkpoint belongs to another run: ${diff.map(([k, v]) => `${k} ${describeValue(fp[k], 30)} ≠ ${v}`).join(', ')}`,
    );
  }
  for (const k of ['epoch', 'steps', 'gradientEvaluations'] as const) {
    if (!isCount(ck[k])) {
      throw new PacgenError(`checkpoint ${k} must be an integer ≥ 0, got ${describeValue(ck[k])}`);
    }
  }
  if (!(ck.params instanceof Float64Array) || ck.params.length !== expected.numParams) {
    throw new PacgenError('checkpoint parameters are missing or have the wrong length');
  }
  const bad = ck.params.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new PacgenError(`checkpoint parameter ${bad} is not finite`);
  checkBuffers(ck.buffers, expected.numBuffers ?? 0);
  const state = sameShape(ck.optimizerState, expected.optimizerState, expected.numParams);
  if (state !== null) {
    throw new PacgenError(
      `checkpoint optimizer state does not fit this optimizer (at ${state.length > 80 ? `${state.slice(0, 79)}…` : state}): a checkpoint of another optimizer or a damaged file`,
    );
  }
  if (!Array.isArray(ck.history) || ck.history.length > (ck.epoch as number) + 1) {
    throw new PacgenError(
      `checkpoint history must be a list of at most epoch + 1 rows, got ${describeValue(ck.history)}`,
    );
  }
  ck.history.forEach((row, i) => checkRow(row, i));
  if (ck.finished !== null && !STOP_REASONS.includes(ck.finished as string)) {
    throw new PacgenError(`checkpoint 'finished' is ${describeValue(ck.finished)}`);
  }
  return ck as CheckpointData;
}

function checkRow(row: unknown, i: number): void {
  const where = `checkpoint history row ${i}`;
  if (!isObject(row)) throw new PacgenError(`${where} is not an object`);
  for (const k of ['epoch', 'steps', 'gradientEvaluations'] as const) {
    if (!isCount(row[k])) throw new PacgenError(`${where}: ${k} must be an integer ≥ 0`);
  }
  for (const k of ROW_NUMBERS) {
    if (row[k] !== null && typeof row[k] !== 'number') {
      throw new PacgenError(`${where}: ${k} must be a number or null`);
    }
  }
  for (const k of ['psi', 'optimizer'] as const) {
    const v = row[k];
    if (v !== null && !(isObject(v) && Object.values(v).every((x) => typeof x === 'number'))) {
      throw new PacgenError(`${where}: ${k} must be null or an object of numbers`);
    }
  }
}

/**
 * Null when `value` has the shape of `template` (an optimizer's fresh state), else the path of
 * the first difference. Objects need the same keys, arrays the same length, typed arrays the
 * same type and length; a null in the template (a field filled in later, such as a previous
 * gradient) also admits a number or a Float64Array of `m` values.
 */
function sameShape(value: unknown, template: unknown, m: number, path = 'state'): string | null {
  if (template === null) {
    const ok =
      value === null ||
      typeof value === 'number' ||
      (value instanceof Float64Array && value.length === m);
    return ok ? null : path;
  }
  if (ArrayBuffer.isView(template)) {
    const t = template as Float64Array;
    const ok =
      ArrayBuffer.isView(value) &&
      value.constructor === t.constructor &&
      (value as Float64Array).length === t.length;
    return ok ? null : path;
  }
  if (Array.isArray(template)) {
    if (!Array.isArray(value) || value.length !== template.length) return path;
    for (let i = 0; i < template.length; i++) {
      const d = sameShape(value[i], template[i], m, `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (isObject(template)) {
    if (!isObject(value)) return path;
    const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
    // Keys come from the file: described, so that the path in the message stays short.
    const at = (k: string) => `${path}.${describeName(k)}`;
    for (const k of Object.keys(value)) if (!has(template, k)) return at(k);
    for (const k of Object.keys(template)) {
      // encodeState drops undefined fields: one may be absent, or filled in like a null.
      if (template[k] === undefined && !has(value, k)) continue;
      if (!has(value, k)) return at(k);
      const d = sameShape(value[k], template[k] ?? null, m, at(k));
      if (d) return d;
    }
    return null;
  }
  return typeof value === typeof template ? null : path;
}
