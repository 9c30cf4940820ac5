// Certifying a trained model from the command line (`certify`, and the end of `demo`): the
// prior's mean recomputed from the run, the library's `certify` with a progress bar per stage,
// and the settings from the flags. docs/method.md §9.

import type { NetworkSpec, Precision } from '@pacgen/core-wasm';
import {
  certify,
  initialisationPrior,
  networkCertificateObjective,
  type CertificateReport,
  type CertifyOptions,
  type OptimizeStart,
  type PosteriorKind,
  type PosteriorSchedule,
} from '@pacgen/metrics';
import { type Dataset } from '@pacgen/metrics/data';
import { PRESET_NAMES } from '@pacgen/metrics/models';
import type { Context } from './context.js';
import { asUsage, CliError } from './errors.js';
import { SILENT_BAR } from './progress.js';
import { resolveModel } from './resolve.js';
import type { TrainingSet } from './training-set.js';

/** The prior's mean and one line saying what it is. */
export interface PriorMean {
  mean: Float64Array | null;
  /** e.g. "the initialisation of mlp:600 at seed 0 (f32), recomputed" or "0 (…)". */
  description: string;
}

/**
 * The prior mean w₀ of a model: the initialisation its run started from (the preset the run
 * names, initialised with the run's seed in the run's precision), or 0 when the run started
 * from a model file or there is no run. Never depends on the training data.
 */
export async function priorMean(
  set: TrainingSet,
  data: { inputShape: number[]; numClasses: number },
  numParams: number,
  options: { learned: { spec: NetworkSpec; seed: number } | null } = { learned: null },
): Promise<PriorMean> {
  const run = set.run;
  const unknown = !run
    ? 'no run.json: the initialisation is unknown'
    : `the run started from the model file ${run.model}`;
  if (!run || !(PRESET_NAMES as string[]).includes(run.model.split(':')[0])) {
    // A learned prior needs a start chosen without the data; any seeded initialisation is one.
    if (!options.learned) return { mean: null, description: `0 (${unknown})` };
    const { spec, seed } = options.learned;
    return {
      mean: await initialisationPrior(spec, seed),
      description: `the model's architecture initialised at seed ${seed} (${unknown})`,
    };
  }
  const preset = await resolveModel(run.model, { data });
  const mean = await initialisationPrior(preset.spec, run.seed, run.precision);
  if (mean.length !== numParams) {
    throw new CliError(
      `${set.file}: its model ${run.model} has ${mean.length} parameters, the model file ${numParams}`,
      { hint: 'the run.json beside the model belongs to another model: remove or fix it' },
    );
  }
  return {
    mean,
    description: `the initialisation of ${run.model} at seed ${run.seed} (${run.precision}), recomputed`,
  };
}

/** The certify flags, as parsed. */
export interface CertifyArgs {
  delta: number;
  posteriors: PosteriorKind[];
  'optimize-from': OptimizeStart;
  'prior-data': number;
  'prior-epochs': number;
  'prior-lr': number;
  'prior-sigma': number;
  momentum?: number;
  epochs: number;
  'batch-size': number;
  lr?: number;
  'sigma-lr': number;
  schedule: PosteriorSchedule;
  passes: number;
  draws: number;
  'test-passes': number;
  'samples-per-draw'?: number;
  'search-samples': number;
  samples: number;
  probes: number;
  'rho-probes': number;
  seed: number;
}

/** The library's options from the flags. */
export function certifyOptions(a: CertifyArgs): CertifyOptions {
  return {
    delta: a.delta,
    posteriors: a.posteriors,
    sigmaStar: { samples: a.samples, probes: a.probes, rhoProbes: a['rho-probes'] },
    search: { samples: a['search-samples'] },
    learnedPrior:
      a['prior-data'] > 0
        ? { fraction: a['prior-data'], epochs: a['prior-epochs'], learningRate: a['prior-lr'] }
        : null,
    optimize: {
      start: a['optimize-from'],
      priorSigma: a['prior-sigma'],
      momentum: a.momentum,
      epochs: a.epochs,
      batchSize: a['batch-size'],
      learningRate: a.lr,
      sigmaLearningRate: a['sigma-lr'],
      schedule: a.schedule,
    },
    monteCarlo: {
      passes: a.passes,
      draws: a.draws,
      testPasses: a['test-passes'],
      samplesPerDraw: a['samples-per-draw'],
    },
    seed: a.seed,
  };
}

/** What to certify: a trained network and the data it was trained on. */
export interface CertifyInput {
  spec: NetworkSpec;
  params: ArrayLike<number>;
  train: Dataset;
  test?: Dataset;
  prior: Float64Array | null;
  precision: Precision;
}

/**
 * Runs the library's `certify` with a progress bar per stage; settings the library rejects are
 * usage errors. Cost: see `certify` (docs/method.md §9).
 */
export async function runCertify(
  input: CertifyInput,
  options: CertifyOptions,
  ctx: Context,
): Promise<CertificateReport> {
  const obj = await asUsage(() =>
    networkCertificateObjective({
      spec: input.spec,
      params: input.params,
      train: input.train,
      test: input.test,
      precision: input.precision,
    }),
  );
  let stage = '';
  let bar = SILENT_BAR;
  const onProgress = (s: string, done: number, total: number) => {
    if (s !== stage) {
      bar.stop();
      stage = s;
      bar = ctx.progress.bar(s, total);
    }
    bar.update(done, total);
  };
  try {
    return await asUsage(() =>
      certify(obj, obj.params(), { ...options, priorMean: input.prior, onProgress }),
    );
  } finally {
    bar.stop();
  }
}
