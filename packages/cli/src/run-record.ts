// The run log `pacgen train` writes beside a model (run.json): found next to a TF.js model,
// parsed once, and its data settings read field by field. The commands that evaluate a trained
// model take from it how the model saw its data (docs/method.md §8) and how many training
// samples it was trained on, the n of every bound (§3, §9).

import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { describeValue, type Precision } from '@pacgen/core-wasm';
import { parseJson } from '@pacgen/metrics';
import { type SubsetMode } from '@pacgen/metrics/data';
import type { Context } from './context.js';
import { CliError } from './errors.js';

/** A parsed pacgen run log. */
export interface RunRecord {
  file: string;
  doc: Record<string, unknown>;
}

/** What a run log says about the data and the start of the training. */
export interface RunDataSettings {
  /** --data of the run. */
  data: string;
  /** --train-size of the run (null: the whole training split). */
  trainSize: number | null;
  subset: SubsetMode;
  /** --seed of the run: its initialisation and the subset it drew. */
  seed: number;
  /** Engine arithmetic of the training (the initialisation is rounded to it). */
  precision: Precision;
  /** --model of the run: a preset it initialised, or the file it started from. */
  model: string;
  /** The training samples the run trained on: n of the bound. */
  trainSamples: number;
}

/** The run.json beside a TF.js model (in its folder, or beside its model.json), if any. */
export async function runJsonOf(model: string): Promise<string | null> {
  const info = await stat(model).catch(() => null);
  if (!info) return null;
  const folder = info.isDirectory()
    ? model
    : extname(model).toLowerCase() === '.json'
      ? dirname(model)
      : null;
  if (folder === null) return null;
  const file = join(folder, 'run.json');
  return (await stat(file).catch(() => null))?.isFile() ? file : null;
}

/**
 * The pacgen run log beside `model`, or null when there is none (or the file is another
 * program's run.json, said with --verbose). An unreadable one is a failure naming it.
 */
export async function readRunLog(model: string, ctx: Context): Promise<RunRecord | null> {
  const file = await runJsonOf(model);
  if (!file) return null;
  let doc: unknown;
  try {
    doc = parseJson(await readFile(file, 'utf8'), file, 'run log');
  } catch (e) {
    throw new CliError(
      `${file}: cannot read the run log beside the model: ${(e as Error).message}`,
      { hint: 'fix or remove that run.json' },
    );
  }
  const record = doc as Record<string, unknown> | null;
  if (typeof record !== 'object' || record === null || record.format !== 'pacgen-train-run/1') {
    ctx.debug(`${file} is not a pacgen train run log: ignored`);
    return null;
  }
  return { file, doc: record };
}

/** The run's data settings, checked field by field (a malformed one is a failure naming it). */
export function runDataSettings(run: RunRecord): RunDataSettings {
  const s = (run.doc.settings ?? {}) as Record<string, unknown>;
  const d = (run.doc.data ?? {}) as Record<string, unknown>;
  const bad = (field: string, value: unknown): never => {
    throw new CliError(`${run.file}: malformed ${field} ${describeValue(value)}`, {
      hint: 'fix or remove the run.json beside the model',
    });
  };
  const count = (field: string, value: unknown, nullable: boolean): number | null => {
    if (nullable && value === null) return null;
    return Number.isInteger(value) && (value as number) >= 1
      ? (value as number)
      : bad(field, value);
  };
  const text = (field: string, value: unknown): string =>
    typeof value === 'string' && value.length > 0 ? value : bad(field, value);
  const subset = s.subset ?? 'random';
  const precision = s.precision ?? 'f32';
  return {
    data: text('settings.data', s.data),
    trainSize: count('settings.trainSize', s.trainSize ?? null, true),
    subset: subset === 'first' || subset === 'random' ? subset : bad('settings.subset', subset),
    seed: Number.isInteger(s.seed) ? (s.seed as number) : bad('settings.seed', s.seed),
    precision:
      precision === 'f32' || precision === 'f64' ? precision : bad('settings.precision', precision),
    model: text('settings.model', s.model),
    trainSamples: count('data.train', d.train, false) as number,
  };
}
