// `pacgen certify MODEL`: an upper bound on the test error of a trained classifier with a stated
// confidence (a PAC-Bayes-kl certificate, docs/method.md §9), on the training set the model was
// trained on (its run.json, or --train-size), with the terms of each posterior and a chart.

import { join } from 'node:path';
import {
  LEARNED_PRIOR_DEFAULTS,
  OPTIMIZE_STARTS,
  POSTERIOR_KINDS,
  POSTERIOR_SCHEDULES,
  PRIOR_START_SIGMA,
} from '@pacgen/metrics';
import { defineCommand } from '../command.js';
import { boundChart, formatCertificate } from '../certify-report.js';
import { certifyOptions, priorMean, runCertify, type CertifyArgs } from '../certification.js';
import type { GlobalArgs } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { int } from '../format.js';
import type { Options } from 'yargs';
import { CAPS, choice, flags, integer, itemOf, list, num, str, withDefault } from '../flag.js';
import { dataOptions, MODEL_POSITIONAL, modelDataOptions } from '../options.js';
import { FLAG, epochs, samples } from '../vocabulary.js';
import { checkOutputTarget, toJsonText, withStagedDir, writeFiles } from '../output.js';
import { checkCompatible, resolveData, resolveModel } from '../resolve.js';
import { describeNormalization, modelNormalization } from '../run-normalization.js';
import { readRunLog } from '../run-record.js';
import { describeTrainingSet, trainingSet } from '../training-set.js';

interface CertifyCommandArgs extends GlobalArgs, CertifyArgs {
  model: string;
  arch?: string;
  data?: string;
  'train-size'?: number;
  'test-size'?: number;
  subset?: 'first' | 'random';
  normalize?: 'none' | 'standard';
  precision: 'f32' | 'f64';
  out?: string;
  force: boolean;
}

const FILES = new Set(['certificate.json', 'bound-vs-scale.svg']);

/** The certificate's flags: the shared ones, and the posteriors' Monte Carlo budget. */
function certifyFlags(): Record<string, Options> {
  return flags({
    delta: FLAG.delta,
    posteriors: list(
      `posteriors to certify: ${POSTERIOR_KINDS.join(', ')}`,
      itemOf(POSTERIOR_KINDS),
      POSTERIOR_KINDS.join(','),
    ),
    'optimize-from': choice(
      'start of the optimized posterior: the trained weights, or the prior itself (mean w₀)',
      OPTIMIZE_STARTS,
      'trained',
    ),
    'prior-data': num(
      'learn the prior mean from w₀ on this fraction of the training samples (0: the prior mean is w₀); the bound then counts only the other samples',
      { default: 0, ge: 0, lt: 1 },
    ),
    'prior-epochs': integer('with --prior-data: SGD epochs of the prior mean', {
      default: LEARNED_PRIOR_DEFAULTS.epochs,
      min: 1,
      max: CAPS.epochs,
    }),
    'prior-lr': num('with --prior-data: SGD step of the prior mean (momentum 0.95)', {
      default: LEARNED_PRIOR_DEFAULTS.learningRate,
      gt: 0,
    }),
    'prior-sigma': num('with --optimize-from prior: the starting σ (and √λ)', {
      default: PRIOR_START_SIGMA,
      gt: 0,
    }),
    momentum: num(
      'SGD momentum of the optimized posterior’s mean instead of Adam, in [0, 1) (default: Adam from the trained weights, 0.9 from the prior)',
      { ge: 0, lt: 1 },
    ),
    epochs: withDefault(epochs(), 4),
    'batch-size': withDefault(FLAG['batch-size'], 100),
    lr: num(
      "its step for the mean (default: a hundredth of the starting posterior's mean σ from the trained weights, 1e-2 from the prior)",
      {
        gt: 0,
      },
    ),
    'sigma-lr': num('learning rate of the optimized posterior’s ln σ and ln λ', {
      default: 1e-2,
      gt: 0,
    }),
    schedule: choice(
      'the optimized posterior’s steps over its run: constant, or cosine-decayed to 0 at the last step',
      POSTERIOR_SCHEDULES,
      'constant',
    ),
    passes: integer('Monte Carlo passes over the training samples per posterior', {
      default: 1,
      min: 1,
      max: CAPS.probes,
    }),
    draws: integer('weight draws per posterior (sets the samples per draw)', {
      default: 5000,
      min: 1,
      max: CAPS.probes,
    }),
    'test-passes': integer('Monte Carlo passes over the test samples', {
      default: 1,
      min: 0,
      max: CAPS.probes,
    }),
    'samples-per-draw': integer(
      'samples per weight draw, instead of --draws (rounded down to a divisor of n)',
      { min: 1, max: CAPS.samples },
    ),
    'search-samples': integer('training samples of the scale searches', {
      default: 5000,
      min: 1,
      max: CAPS.samples,
    }),
    samples: withDefault(samples(2), 1000),
    probes: withDefault(FLAG.probes, 16),
    'rho-probes': withDefault(FLAG['rho-probes'], 4),
    seed: FLAG.seed,
    precision: FLAG.precision,
    out: str('also write certificate.json and bound-vs-scale.svg into this folder'),
    force: FLAG.force,
  });
}

export default defineCommand<CertifyCommandArgs>({
  command: 'certify <model>',
  describe: 'an upper bound on the test error of a trained classifier, with a confidence',
  positional: { model: MODEL_POSITIONAL },
  options: { ...dataOptions('mnist'), ...modelDataOptions(), ...certifyFlags() },
  examples: [
    '$0 certify mnist-mlp  # a model trained by pacgen train (its run.json gives n)',
    '$0 certify model.json --train-size 60000 --data mnist  # a model from elsewhere',
    '$0 certify mnist-cnn-run --posteriors optimized --epochs 4 --json  # one posterior, JSON',
    '$0 certify mnist-mlp --posteriors optimized --optimize-from prior --epochs 10  # trained from w₀',
    '$0 certify mnist-mlp --posteriors optimized --optimize-from prior --prior-data 0.5  # prior learned on half the data',
  ],
  handler: async (argv, ctx) => {
    const t0 = Date.now();
    if (argv.out) await checkOutputTarget(argv.out, argv.force, { known: (f) => FILES.has(f) });
    const run = await readRunLog(argv.model, ctx);
    const set = trainingSet(argv, run);
    if (set.n === null) {
      throw new UsageError(
        `${argv.model} has no run.json beside it: the bound needs n, the number of training samples it was trained on`,
        'give --train-size N (and --data, --subset and --seed as in its training)',
      );
    }
    const norm = await modelNormalization(argv.model, argv.normalize, ctx, run);
    const data = await resolveData(set.data, {
      trainSize: set.trainSize,
      testSize: argv['test-size'],
      subsetMode: set.subset,
      seed: set.seed,
      normalization: norm.normalization,
      precision: argv.precision,
    });
    if (data.train.n !== set.n) {
      throw new CliError(
        `${set.data} has ${int(data.train.n)} training samples, the model was trained on ${int(set.n)}`,
        { hint: 'check --data and --train-size' },
      );
    }
    const model = await resolveModel(argv.model, { data: data.train, arch: argv.arch });
    checkCompatible(model, data);
    if (!model.params) {
      throw new UsageError(
        `${argv.model} is a preset: certify needs a trained model`,
        'train one with pacgen train, then certify its folder',
      );
    }
    const prior = await priorMean(set, data.train, model.params.length, {
      learned: argv['prior-data'] > 0 ? { spec: model.spec, seed: argv.seed } : null,
    });
    ctx.log(`training set: ${describeTrainingSet(set)}`);
    ctx.log(`normalization: ${describeNormalization(norm, data)}`);
    ctx.log(`prior mean: ${prior.description}`);
    const report = await runCertify(
      {
        spec: model.spec,
        params: model.params,
        train: data.train,
        test: data.test,
        prior: prior.mean,
        precision: argv.precision,
      },
      certifyOptions(argv),
      ctx,
    );
    const seconds = (Date.now() - t0) / 1000;
    const doc = {
      model: model.source,
      data: set.data,
      trainingSet: describeTrainingSet(set),
      priorMean: prior.description,
      ...report,
      seconds,
    };
    if (argv.out) {
      const chart = await boundChart(report);
      await withStagedDir(argv.out, { overwrite: argv.force, known: (f) => FILES.has(f) }, (dir) =>
        writeFiles(dir, { 'certificate.json': toJsonText(doc), 'bound-vs-scale.svg': chart }),
      );
      ctx.log(`wrote ${join(argv.out, 'certificate.json')} and bound-vs-scale.svg`);
    }
    ctx.result(doc);
    ctx.print(
      formatCertificate(report, {
        trainingSet: doc.trainingSet,
        prior: prior.description,
        seconds,
      }),
    );
  },
});
