// The input normalization of a trained model: `pacgen train` records the per-channel mean/std
// in run.json, and the commands that score the model read them back, so it sees its inputs
// standardised exactly as in training (docs/method.md §8).

import type { Dataset, Normalization, SampleSelection } from '@pacgen/metrics/data';
import type { Context } from './context.js';
import { fmt } from './format.js';
import { CliError, UsageError } from './errors.js';
import { readRunLog, type RunRecord } from './run-record.js';

/** The `normalization` record of run.json. */
export interface NormalizationRecord {
  /** The run's --normalize. */
  method: 'none' | 'standard';
  /** Per channel, subtracted from pixels/255 (0 for 'none'). */
  mean: number[];
  /** Per channel, dividing the difference (1 for 'none'). */
  std: number[];
  /** Where the values come from: 'pixels/255' or the training split they were computed on. */
  from: string;
}

/** How the scoring commands standardise a model's inputs, and where that was decided. */
export interface InputNormalization {
  method: 'none' | 'standard';
  /** What the data readers get: the stored values, or the flag. */
  normalization: Normalization;
  /** The run.json the values were read from, or null (--normalize, default 'none'). */
  file: string | null;
}

/** Samples of the split `s` was taken from (its outermost selection's size). */
export function splitSize(s: SampleSelection): number {
  return s.from ? splitSize(s.from) : s.of;
}

/** The record of data read with --normalize `method`; null for generated sets (no pixels). */
export function normalizationRecord(
  method: 'none' | 'standard',
  data: { source: string; train: Dataset },
): NormalizationRecord | null {
  const stats = data.train.normalization;
  if (!stats) return null;
  const size = data.train.selection ? splitSize(data.train.selection) : data.train.n;
  return {
    method,
    mean: stats.mean,
    std: stats.std,
    from:
      method === 'none'
        ? 'pixels/255'
        : `the training split of ${data.source} (${size.toLocaleString('en-US')} samples)`,
  };
}

const isStats = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** The checked record of a parsed run.json; null for generated data (nothing to standardise). */
function readRecord(doc: Record<string, unknown>, file: string): NormalizationRecord | null {
  const r = doc.normalization as Partial<NormalizationRecord> | null;
  if (r === null) return null;
  if (
    typeof r !== 'object' ||
    (r.method !== 'none' && r.method !== 'standard') ||
    !isStats(r.mean) ||
    !isStats(r.std) ||
    r.mean.length !== r.std.length ||
    r.std.some((s) => !(s > 0))
  ) {
    throw new CliError(
      `${file}: malformed normalization record (expected method none|standard and one mean and std > 0 per channel)`,
      { hint: 'fix or remove the run.json beside the model' },
    );
  }
  return r as NormalizationRecord;
}

/**
 * The normalization to score `model` with: the values its run.json records when there is one
 * (a --normalize `flag` that contradicts it is a usage error), else the flag (default 'none').
 * A run.json of an older pacgen records only the flag: 'standard' then uses --data's training
 * split, with a warning. `known`: the model's run log when already read (null: none).
 */
export async function modelNormalization(
  model: string,
  flag: 'none' | 'standard' | undefined,
  ctx: Context,
  known?: RunRecord | null,
): Promise<InputNormalization> {
  const fromFlag: InputNormalization = {
    method: flag ?? 'none',
    normalization: flag ?? 'none',
    file: null,
  };
  const run = known === undefined ? await readRunLog(model, ctx) : known;
  if (!run) return fromFlag;
  const { file, doc } = run;
  if ('normalization' in doc) {
    const record = readRecord(doc, file);
    if (record === null) return fromFlag; // generated data: nothing to standardise
    checkFlag(flag, record.method, file);
    return {
      method: record.method,
      normalization: { mean: record.mean, std: record.std },
      file,
    };
  }
  const method = (doc.settings as { normalize?: unknown } | undefined)?.normalize;
  if (method !== 'none' && method !== 'standard') return fromFlag;
  checkFlag(flag, method, file);
  if (method === 'none') return { method, normalization: 'none', file };
  ctx.warn(
    `${file} predates stored normalization statistics: standardising with the training split of --data`,
  );
  return { method, normalization: 'standard', file: null };
}

/** A --normalize that contradicts the model's run.json is a usage error. */
function checkFlag(flag: string | undefined, method: string, file: string): void {
  if (flag !== undefined && flag !== method) {
    throw new UsageError(
      `--normalize ${flag} contradicts ${file}: the model was trained with --normalize ${method}`,
      'drop --normalize to use the normalization stored with the model',
    );
  }
}

/** One line: the method and the per-channel values of `data`, and where they came from. */
export function describeNormalization(
  n: InputNormalization,
  data: { source: string; train: Dataset },
): string {
  const stats = data.train.normalization;
  if (!stats) return `none (${data.source} is generated, not read from pixels)`;
  const list = (v: number[]) => v.map((x) => fmt(x, 6)).join(', ');
  const origin = n.file
    ? `stored in ${n.file}`
    : (normalizationRecord(n.method, data)?.from ?? 'pixels/255');
  return n.method === 'none'
    ? `none (pixels/255${n.file ? `, as stored in ${n.file}` : ''})`
    : `standard, mean [${list(stats.mean)}], std [${list(stats.std)}] (${origin})`;
}
