// `pacgen certify MODEL`: an upper bound on the test error of a trained classifier with a stated
// confidence (a PAC-Bayes-kl certificate, docs/method.md §9), on the training set the model was
// trained on (its run.json, or --train-size), with the terms of each posterior and a chart.

import { join } from 'node:path';
import { POSTERIOR_KINDS, type PosteriorKind } from '@pacgen/metrics';
import type { Argv, CommandModule } from 'yargs';
import { boundChart, formatCertificate } from '../certify-report.js';
import { certifyOptions, priorMean, runCertify, type CertifyArgs } from '../certification.js';
import { createContext, type GlobalArgs } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { int } from '../format.js';
import {
  dataOptions,
  intArg,
  listArg,
  MODEL_POSITIONAL,
  modelDataOptions,
  numArg,
} from '../options.js';
import { checkOutputTarget, toJsonText, withStagedDir, writeFiles } from '../output.js';
import { checkCompatible, resolveData, resolveModel } from '../resolve.js';
import { describeNormalization, modelNormalization } from '../run-normalization.js';
import { readRunLog } from '../run-record.js';
import { describeTrainingSet, trainingSet } from '../training-set.js';
import { examples } from '../examples.js';

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

/** The certificate's own flags. */
function certifyFlags() {
  return {
    delta: {
      type: 'number',
      default: 0.05,
      describe: 'confidence δ, in (0, 1): every bound holds at once with probability ≥ 1 − δ',
      coerce: numArg('delta', { gt: 0, lt: 1 }),
    },
    posteriors: {
      type: 'string',
      default: POSTERIOR_KINDS.join(','),
      describe: `posteriors to certify: ${POSTERIOR_KINDS.join(', ')}`,
      coerce: listArg('posteriors', (s) => {
        if (!(POSTERIOR_KINDS as string[]).includes(s)) {
          throw new UsageError(
            `--posteriors: unknown posterior '${s}' (${POSTERIOR_KINDS.join(', ')})`,
          );
        }
        return s as PosteriorKind;
      }),
    },
    epochs: {
      type: 'number',
      default: 4,
      describe: 'epochs of the optimized posterior',
      coerce: intArg('epochs', 1),
    },
    'batch-size': {
      type: 'number',
      default: 100,
      describe: 'its minibatch size',
      coerce: intArg('batch-size', 1),
    },
    lr: {
      type: 'number',
      describe:
        "its Adam step for the mean (default: a hundredth of the starting posterior's mean σ)",
      coerce: numArg('lr', { gt: 0 }),
    },
    'sigma-lr': {
      type: 'number',
      default: 1e-2,
      describe: 'its Adam step for ln σ and ln λ',
      coerce: numArg('sigma-lr', { gt: 0 }),
    },
    passes: {
      type: 'number',
      default: 1,
      describe: 'Monte Carlo passes over the training samples per posterior',
      coerce: intArg('passes', 1),
    },
    draws: {
      type: 'number',
      default: 5000,
      describe: 'weight draws per posterior (sets the samples per draw)',
      coerce: intArg('draws', 1),
    },
    'test-passes': {
      type: 'number',
      default: 1,
      describe: 'Monte Carlo passes over the test samples',
      coerce: intArg('test-passes', 0),
    },
    'samples-per-draw': {
      type: 'number',
      describe: 'samples per weight draw, instead of --draws (rounded down to a divisor of n)',
      coerce: intArg('samples-per-draw', 1),
    },
    'search-samples': {
      type: 'number',
      default: 5000,
      describe: 'training samples of the scale searches',
      coerce: intArg('search-samples', 1),
    },
    'curvature-samples': {
      type: 'number',
      default: 1000,
      describe: "training samples of σ*'s curvature",
      coerce: intArg('curvature-samples', 2),
    },
    probes: {
      type: 'number',
      default: 16,
      describe: "Hutchinson probes of σ*'s Hessian diagonal",
      coerce: intArg('probes', 1),
    },
    'rho-probes': {
      type: 'number',
      default: 4,
      describe: "displacements of σ*'s ρ",
      coerce: intArg('rho-probes', 1),
    },
    seed: {
      type: 'number',
      default: 0,
      describe: 'seed of every weight draw and probe',
      coerce: intArg('seed', 0, 2 ** 31 - 1),
    },
    precision: {
      choices: ['f32', 'f64'],
      default: 'f32',
      describe: 'arithmetic of the error evaluations and gradients',
    },
    out: {
      type: 'string',
      describe: 'also write certificate.json and bound-vs-scale.svg into this folder',
    },
    force: { type: 'boolean', default: false, describe: 'replace an existing --out folder' },
  } as const;
}

/** Shown by --help: the command line, then what it does. */
const EXAMPLES = [
  '$0 certify mnist-mlp  # a model trained by pacgen train (its run.json gives n)',
  '$0 certify model.json --train-size 60000 --data mnist  # a model from elsewhere',
  '$0 certify mnist-cnn-run --posteriors optimized --epochs 4 --json  # one posterior, JSON',
];

const command: CommandModule<GlobalArgs, CertifyCommandArgs> = {
  command: 'certify <model>',
  describe: 'an upper bound on the test error of a trained classifier, with a confidence',
  builder: (y) =>
    y
      .positional('model', MODEL_POSITIONAL)
      .options({ ...dataOptions('mnist'), ...modelDataOptions(), ...certifyFlags() })
      .example(examples(EXAMPLES)) as unknown as Argv<CertifyCommandArgs>,
  handler: async (argv) => {
    const ctx = createContext(argv);
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
    const prior = await priorMean(set, data.train, model.params.length);
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
};

export default command;
