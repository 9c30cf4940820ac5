// `pacgen compare`: the perturbed-optimization comparison of docs/reproduction.md §4 — the plain
// optimizer, dropout, SAM, ASAM and perturbedOPT (secant and probe curvature) trained on the same
// data and budget over several seeds; test loss and accuracy with their spread, the difference to
// the plain optimizer, perturbedOPT's σ over training and Ψ of each final model. One command
// regenerates the whole folder (written atomically). The handler parses the flags, runs
// `compareTraining` of @pacgen/metrics and hands the result to compare-output.ts.

import { resolve } from 'node:path';
import {
  COMPARE_METHODS,
  DEFAULT_PERTURBED_COMPARE,
  compareTraining,
  type CompareMethod,
  type CompareResult,
} from '@pacgen/metrics/experiments';
import { type PsiSchedule } from '@pacgen/metrics/train';
import type { Options } from 'yargs';
import { defineCommand } from '../command.js';
import { comparisonPreset, comparisonSpecs } from '../compare-model.js';
import { printCompareSummary, writeCompareOutput } from '../compare-output.js';
import type { GlobalArgs } from '../context.js';
import { UsageError } from '../errors.js';
import * as experiment from '../experiment-options.js';
import { compareProgress } from '../experiment-progress.js';
import { CAPS, flags, integer, itemOf, list, num, withDefault } from '../flag.js';
import { int } from '../format.js';
import { figureOptions } from '../options.js';
import { parseNoiseScale } from '../optimizers.js';
import { FLAG, epochs } from '../vocabulary.js';
import { checkOutputTarget } from '../output.js';
import { resolveExperimentData } from '../resolve.js';

interface CompareArgs extends GlobalArgs, experiment.ExperimentArgs {
  methods: CompareMethod[];
  inner: 'adam' | 'sgd';
  lr: number;
  'batch-size': number;
  epochs: number;
  dropout: number;
  'sam-rho': number;
  'asam-rho': number;
  'noise-scale': string;
  'perturb-gamma': number;
  'perturb-epsilon': number;
  warmup: number;
  'probe-every': number;
  'probe-count': number;
  'psi-every'?: PsiSchedule;
}

/** The flags, in the order --help lists them. */
const OPTIONS: Record<string, Options> = {
  ...experiment.dataModelOptions(
    'preset: mnist-cnn, cifar-cnn, mlp or mlp:W1,W2 (trained without dropout, and with --dropout for the dropout method)',
  ),
  ...flags({
    methods: list(
      `methods to compare: ${COMPARE_METHODS.join(', ')}`,
      itemOf(COMPARE_METHODS),
      COMPARE_METHODS.join(','),
    ),
    inner: FLAG.inner,
    lr: withDefault(FLAG.lr, 0.001),
    'batch-size': FLAG['batch-size'],
    epochs: withDefault(epochs(), 30),
  }),
  ...experiment.seedsOption(
    '1,2,3',
    'seeds of every method (initialisation, shuffles, dropout, perturbations)',
  ),
  ...experiment.subsetOptions({ train: 1000, test: 2000 }),
  ...flags({
    dropout: num('dropout rate of the dropout method, in (0, 1)', { default: 0.5, gt: 0, lt: 1 }),
    'sam-rho': num('SAM radius ρ (parameter units)', { default: 0.05, gt: 0 }),
    'asam-rho': num('ASAM radius ρ (relative)', { default: 0.5, gt: 0 }),
    // perturbedOPT runs at a fixed scale here: a number, not 'bound'.
    'noise-scale': withDefault(FLAG['noise-scale'], String(DEFAULT_PERTURBED_COMPARE.scale)),
    'perturb-gamma': withDefault(FLAG['perturb-gamma'], DEFAULT_PERTURBED_COMPARE.gamma),
    'perturb-epsilon': withDefault(FLAG['perturb-epsilon'], DEFAULT_PERTURBED_COMPARE.epsilon),
    warmup: withDefault(FLAG.warmup, DEFAULT_PERTURBED_COMPARE.warmup),
    'probe-every': integer('perturbed-probes: steps between curvature estimates', {
      default: DEFAULT_PERTURBED_COMPARE.probeEvery,
      min: 1,
      max: CAPS.steps,
    }),
    'probe-count': integer('perturbed-probes: Hutchinson probes per estimate (2 gradients each)', {
      default: DEFAULT_PERTURBED_COMPARE.probeCount,
      min: 1,
      max: CAPS.probes,
    }),
  }),
  ...experiment.psiBudgetOptions({
    samples: 256,
    probes: 8,
    rhoProbes: 2,
    psiEvery: {
      describe:
        "Ψ every k epochs, and at the first and last (default: --epochs, i.e. first and last only; 'log': epochs 0, 1, 2, 4, 8, …)",
      minEvery: 1,
    },
  }),
  ...experiment.runOutOptions(
    'pacgen-compare',
    'output folder',
    'replace an output folder that pacgen wrote',
  ),
  ...figureOptions(),
};

/** perturbedOPT's fixed noise scale of the comparison: a number > 0. */
function fixedScale(v: string): number {
  const s = parseNoiseScale(v);
  if (s === 'bound' || s === 0) {
    throw new UsageError(
      `--noise-scale must be a number > 0 in pacgen compare (perturbedOPT runs at a fixed scale), got ${v}`,
    );
  }
  return s;
}

export default defineCommand<CompareArgs>({
  command: 'compare',
  describe:
    'plain optimizer, dropout, SAM, ASAM and perturbedOPT on the same budget: test loss, σ, Ψ',
  options: OPTIONS,
  examples: [
    '$0 compare --out compare-mnist  # all six methods, 3 seeds, the MNIST CNN',
    '$0 compare --methods plain,perturbed-secant --epochs 10 --seeds 1,2  # plain Adam against perturbedOPT only',
    '$0 compare --data synthetic-cifar --model cifar-cnn --epochs 5 --train-size 500  # the CIFAR-shaped path without downloads',
  ],
  check: (a) => void fixedScale(a['noise-scale']),
  handler: async (argv, ctx) => {
    const t0 = Date.now();
    const out = resolve(argv.out);
    const preset = comparisonPreset(argv.model);
    await checkOutputTarget(out, argv.force);
    const data = await resolveExperimentData(argv, 'the comparison needs one');
    const specFor = await comparisonSpecs(preset, argv.model, data);
    if (argv['batch-size'] > data.train.n) {
      throw new UsageError(
        `--batch-size ${argv['batch-size']} exceeds the ${data.train.n} training samples`,
        'lower --batch-size or raise --train-size',
      );
    }
    const { methods, seeds, epochs } = argv;
    const total = methods.length * seeds.length;
    ctx.log(
      `compare: ${methods.length} methods × ${seeds.length} seeds = ${total} runs of ${argv.model} on ${argv.data} (${int(data.train.n)} train, ${int(data.test.n)} test), ${epochs} epochs of batch ${argv['batch-size']} with ${argv.inner} (lr ${argv.lr}) → ${argv.out}/`,
    );

    const progress = compareProgress(ctx, epochs);
    let result: CompareResult;
    try {
      result = await compareTraining({
        specFor,
        methods,
        inner: argv.inner,
        learningRate: argv.lr,
        dropout: argv.dropout,
        samRho: argv['sam-rho'],
        asamRho: argv['asam-rho'],
        perturbed: {
          scale: fixedScale(argv['noise-scale']),
          gamma: argv['perturb-gamma'],
          epsilon: argv['perturb-epsilon'],
          warmup: argv.warmup,
          probeEvery: argv['probe-every'],
          probeCount: argv['probe-count'],
        },
        data: { name: argv.data, train: data.train, test: data.test },
        modelName: argv.model,
        seeds,
        epochs,
        batchSize: argv['batch-size'],
        precision: argv.precision,
        psiEvery: argv['psi-every'] ?? epochs,
        psiSamples: argv.samples,
        probes: argv.probes,
        rhoProbes: argv['rho-probes'],
        seed: argv.seed,
        onProgress: progress.onProgress,
      });
    } finally {
      progress.stop();
    }

    ctx.log('drawing figures');
    const { doc, figureCount } = await writeCompareOutput(out, result, {
      force: argv.force,
      figures: argv,
      started: t0,
    });
    ctx.result(doc);
    printCompareSummary(ctx, result, {
      out: argv.out,
      findings: doc.findings,
      figureCount,
      seconds: doc.seconds,
    });
  },
});
