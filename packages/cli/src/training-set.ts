// Which training samples a model was trained on: the run's settings when `pacgen train` wrote a
// run.json beside it, else the flags. Their number is the n of every bound (docs/method.md §8):
// the curvature may be estimated on a subset, the bound counts the whole training set.

import type { SubsetMode } from '@pacgen/metrics/data';
import { UsageError } from './errors.js';
import { int } from './format.js';
import { runDataSettings, type RunDataSettings, type RunRecord } from './run-record.js';

/** The data flags, unset where the user gave none (so a run's settings can fill them). */
export interface TrainingSetArgs {
  data?: string;
  'train-size'?: number;
  subset?: SubsetMode;
  seed: number;
}

/** The training set of a model and where its description came from. */
export interface TrainingSet {
  data: string;
  /** Training samples kept (undefined: the whole split). */
  trainSize: number | undefined;
  subset: SubsetMode;
  /** Seed of the subset. */
  seed: number;
  /** n of the bound: the training samples the model was trained on; null when unknown. */
  n: number | null;
  /** The run log the settings came from, or null (the flags). */
  file: string | null;
  run: RunDataSettings | null;
}

/**
 * The model's training set: its run's data, train size, subset and seed when `run` is given (a
 * flag that contradicts them is a usage error), else the flags (--data default mnist); n is the
 * run's training samples, else --train-size, else unknown (null).
 */
export function trainingSet(args: TrainingSetArgs, run: RunRecord | null): TrainingSet {
  if (!run) {
    return {
      data: args.data ?? 'mnist',
      trainSize: args['train-size'],
      subset: args.subset ?? 'random',
      seed: args.seed,
      n: args['train-size'] ?? null,
      file: null,
      run: null,
    };
  }
  const r = runDataSettings(run);
  const clash = (flag: string, given: unknown, stored: unknown) => {
    if (given !== undefined && given !== stored) {
      throw new UsageError(
        `${flag} ${String(given)} contradicts ${run.file}: the model was trained with ${flag} ${String(stored)}`,
        `drop ${flag}: the training set is the one stored with the model`,
      );
    }
  };
  clash('--data', args.data, r.data);
  clash('--subset', args.subset, r.subset);
  // --train-size names n: the run's count, whether it kept a subset or the whole split.
  clash('--train-size', args['train-size'], r.trainSamples);
  return {
    data: r.data,
    trainSize: r.trainSize ?? undefined,
    subset: r.subset,
    seed: r.seed,
    n: r.trainSamples,
    file: run.file,
    run: r,
  };
}

/** One line: the training set, n, and where they come from. */
export function describeTrainingSet(t: TrainingSet): string {
  const n = t.n === null ? 'n unknown' : `n = ${int(t.n)}`;
  const which =
    t.trainSize === undefined
      ? 'all training samples'
      : `${t.subset} ${int(t.trainSize)} training samples${t.subset === 'random' ? ` (seed ${t.seed})` : ''}`;
  const from = t.file ? `from ${t.file}` : t.n !== null ? 'from --train-size' : 'no run.json';
  return `${t.data}, ${which} (${n}, ${from})`;
}
