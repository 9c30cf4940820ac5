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
import type { Argv, CommandModule, Options } from 'yargs';
import { comparisonPreset } from '../compare-model.js';
import { printCompareSummary, writeCompareOutput } from '../compare-output.js';
import { compareOptions, loadCompareInputs, type CompareJobArgs } from '../compare-setup.js';
import { createContext, type GlobalArgs } from '../context.js';
import { UsageError } from '../errors.js';
import * as experiment from '../experiment-options.js';
import { compareProgress } from '../experiment-progress.js';
import { int } from '../format.js';
import { intArg, listArg, numArg, figureOptions } from '../options.js';
import { checkOutputTarget } from '../output.js';
import { COMPARE_QUEUE_JOBS } from '../queue/compare-job.js';
import { checkQueue, parseQueueUrl } from '../queue/connection.js';
import { queueGridRunner } from '../queue/grid-runner.js';
import { examples } from '../examples.js';

interface CompareArgs
  extends GlobalArgs, experiment.ExperimentArgs, Omit<CompareJobArgs, 'psi-every'> {
  methods: CompareMethod[];
  /** Default: --epochs. */
  'psi-every'?: PsiSchedule;
  queue: string | undefined;
}

/** The flags, in the order --help lists them. */
const OPTIONS: Record<string, Options> = {
  ...experiment.dataModelOptions({
    normalize: {
      default: 'standard',
      describe: "pixel scaling: 'none' (v/255) or 'standard' (the data set's mean/std)",
    },
    model:
      'preset: mnist-cnn, cifar-cnn, mlp or mlp:W1,W2 (trained without dropout, and with --dropout for the dropout method)',
  }),
  methods: {
    type: 'string',
    default: COMPARE_METHODS.join(','),
    describe: `methods to compare: ${COMPARE_METHODS.join(', ')}`,
    coerce: listArg('methods', experiment.oneOf('methods', 'method', COMPARE_METHODS)),
  },
  inner: {
    choices: ['adam', 'sgd'] as const,
    default: 'adam',
    describe: 'the optimizer every method steps with',
  },
  lr: {
    type: 'number',
    default: 0.001,
    describe: 'learning rate of the inner optimizer',
    coerce: numArg('lr', { gt: 0 }),
  },
  'batch-size': {
    type: 'number',
    default: 64,
    describe: 'samples per step',
    coerce: intArg('batch-size', 1),
  },
  epochs: {
    type: 'number',
    default: 30,
    describe: 'epochs of every run',
    coerce: intArg('epochs', 1),
  },
  ...experiment.seedsOption(
    '1,2,3',
    'seeds of every method (initialisation, shuffles, dropout, perturbations)',
  ),
  ...experiment.subsetOptions(
    { train: 1000, test: 2000 },
    'training samples (a seeded subset, the same for every run)',
  ),
  dropout: {
    type: 'number',
    default: 0.5,
    describe: 'dropout rate of the dropout method, in (0, 1)',
    coerce: numArg('dropout', { gt: 0, lt: 1 }),
  },
  'sam-rho': {
    type: 'number',
    default: 0.05,
    describe: 'SAM radius ρ (parameter units)',
    coerce: numArg('sam-rho', { gt: 0 }),
  },
  'asam-rho': {
    type: 'number',
    default: 0.5,
    describe: 'ASAM radius ρ (relative)',
    coerce: numArg('asam-rho', { gt: 0 }),
  },
  scale: {
    type: 'number',
    default: DEFAULT_PERTURBED_COMPARE.scale,
    describe: 'perturbedOPT noise scale s: σ_i = min(s/√a_i, κ_i)',
    coerce: numArg('scale', { gt: 0 }),
  },
  gamma: {
    type: 'number',
    default: DEFAULT_PERTURBED_COMPARE.gamma,
    describe: 'perturbedOPT relative neighbourhood γ (κ_i = γ|w_i| + ε)',
    coerce: numArg('gamma', { ge: 0 }),
  },
  epsilon: {
    type: 'number',
    default: DEFAULT_PERTURBED_COMPARE.epsilon,
    describe: 'perturbedOPT absolute neighbourhood ε (parameter units)',
    coerce: numArg('epsilon', { gt: 0 }),
  },
  warmup: {
    type: 'number',
    default: DEFAULT_PERTURBED_COMPARE.warmup,
    describe: 'noise-free perturbedOPT steps at the start',
    coerce: intArg('warmup', 0),
  },
  'probe-every': {
    type: 'number',
    default: DEFAULT_PERTURBED_COMPARE.probeEvery,
    describe: 'perturbed-probes: steps between curvature estimates',
    coerce: intArg('probe-every', 1),
  },
  'probe-count': {
    type: 'number',
    default: DEFAULT_PERTURBED_COMPARE.probeCount,
    describe: 'perturbed-probes: Hutchinson probes per estimate (2 gradients each)',
    coerce: intArg('probe-count', 1),
  },
  ...experiment.psiBudgetOptions({
    psiSamples: {
      default: 256,
      describe: "training samples Ψ's curvature is estimated on (a fixed seeded subset)",
    },
    probes: {
      default: 8,
      describe: "Hutchinson probes of Ψ's Hessian diagonal (2 gradients each)",
    },
    rhoProbes: { default: 2, describe: "random displacements of Ψ's ρ estimate" },
    psiEvery: {
      describe:
        "Ψ every k epochs, and at the first and last (default: --epochs, i.e. first and last only; 'log': epochs 0, 1, 2, 4, 8, …)",
      minEvery: 1,
    },
  }),
  ...experiment.seedPrecisionOptions('seed of the data subsets, the Ψ subset and its probes'),
  ...experiment.outOptions(
    { default: 'pacgen-compare', describe: 'output folder' },
    'replace an existing output folder',
  ),
  queue: {
    type: 'string',
    describe:
      'run the comparison on a job queue: redis://[user:pass@]host:port[/db] or rediss:// (also PACGEN_QUEUE); start workers with pacgen worker',
  },
  ...figureOptions(),
};

/** Shown by --help: the command line, then what it does. */
const EXAMPLES = [
  '$0 compare --out compare-mnist  # all six methods, 3 seeds, the MNIST CNN',
  '$0 compare --methods plain,perturbed-secant --epochs 10 --seeds 1,2  # plain Adam against perturbedOPT only',
  '$0 compare --data synthetic-cifar --model cifar-cnn --epochs 5 --train-subset 500  # the CIFAR-shaped path without downloads',
];

const command: CommandModule<GlobalArgs, CompareArgs> = {
  command: 'compare',
  describe:
    'plain optimizer, dropout, SAM, ASAM and perturbedOPT on the same budget: test loss, σ, Ψ',
  builder: (y) => y.options(OPTIONS).example(examples(EXAMPLES)) as unknown as Argv<CompareArgs>,
  handler: async (argv) => {
    const ctx = createContext(argv);
    const t0 = Date.now();
    const out = resolve(argv.out);
    comparisonPreset(argv.model); // a model compare cannot vary is a usage error before anything
    // The queue is checked first: an unreachable Redis leaves no folder behind.
    const queue = argv.queue ?? process.env.PACGEN_QUEUE;
    const connection = queue === undefined || queue === '' ? null : parseQueueUrl(queue);
    if (connection) await checkQueue(connection);
    await checkOutputTarget(out, argv.force);
    const args: CompareJobArgs = { ...argv, 'psi-every': argv['psi-every'] ?? argv.epochs };
    const inputs = await loadCompareInputs(args);
    const { data } = inputs;
    if (argv['batch-size'] > data.train.n) {
      throw new UsageError(
        `--batch-size ${argv['batch-size']} exceeds the ${data.train.n} training samples`,
        'lower --batch-size or raise --train-subset',
      );
    }
    const { methods, seeds, epochs } = argv;
    const total = methods.length * seeds.length;
    ctx.log(
      `compare: ${methods.length} methods × ${seeds.length} seeds = ${total} runs of ${argv.model} on ${argv.data} (${int(data.train.n)} train, ${int(data.test.n)} test), ${epochs} epochs of batch ${argv['batch-size']} with ${argv.inner} (lr ${argv.lr}) → ${argv.out}/`,
    );

    const progress = compareProgress(ctx, epochs);
    const queued = connection && (await queueGridRunner(connection, COMPARE_QUEUE_JOBS, args, ctx));
    let result: CompareResult;
    try {
      result = await compareTraining({
        ...compareOptions(args, inputs, methods, seeds),
        onProgress: progress.onProgress,
        runner: queued?.runner,
      });
    } finally {
      progress.stop();
      await queued?.close();
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
};

export default command;
