// `pacgen sweep`: the sweeps of docs/reproduction.md §2 — a grid of training runs (batch sizes,
// learning rates, optimizers, seeds), each trained to a common training loss under an epoch cap,
// with the gap and Ψ per epoch, the final generalization measures and Kendall's τ of each
// against the gap. Resumable: --out keeps one result file per finished run and a checkpoint per
// unfinished one, and rerunning the same command skips what is done. The handler parses the
// flags, runs `runSweep` of @pacgen/metrics and hands the result to sweep-output.ts.

import { resolve } from 'node:path';
import { PacgenError } from '@pacgen/core-wasm';
import { OTHER_SETTINGS } from '@pacgen/metrics';
import {
  DEFAULT_SWEEP_BUDGET,
  SWEEP_OPTIMIZERS,
  runSweep,
  type SweepOptimizer,
  type SweepResult,
} from '@pacgen/metrics/experiments';
import type { Argv, CommandModule, Options } from 'yargs';
import { createContext, type GlobalArgs } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import * as experiment from '../experiment-options.js';
import { sweepProgress } from '../experiment-progress.js';
import { intArg, listArg, numArg, figureOptions } from '../options.js';
import { checkQueue, parseQueueUrl } from '../queue/connection.js';
import { queueGridRunner } from '../queue/grid-runner.js';
import { SWEEP_QUEUE_JOBS } from '../queue/sweep-runner.js';
import { loadSweepInputs, sweepOptions, type SweepJobArgs } from '../sweep-setup.js';
import { claimSweepFolder, printSweepSummary, writeSweepOutput } from '../sweep-output.js';
import { examples } from '../examples.js';

interface SweepArgs extends GlobalArgs, experiment.ExperimentArgs, SweepJobArgs {
  'batch-sizes': number[];
  lrs: number[];
  optimizers: SweepOptimizer[];
  'keep-checkpoints': boolean;
  queue: string | undefined;
}

/** The flags, in the order --help lists them. */
const OPTIONS: Record<string, Options> = {
  ...experiment.dataModelOptions({
    normalize: { default: 'none', describe: "pixel scaling: 'none' (v/255) or 'standard'" },
    model:
      'model preset (mnist-cnn, cifar-cnn, mlp, mlp:W1,W2) or a model file (its architecture; trained from scratch)',
  }),
  'batch-sizes': {
    type: 'string',
    default: '32,64,128,256',
    describe: 'batch sizes of the grid',
    coerce: listArg('batch-sizes', (s) => intArg('batch-sizes', 1)(s)),
  },
  lrs: {
    type: 'string',
    default: '0.1',
    describe: 'learning rates of the grid (the paper: SGD 0.1)',
    coerce: listArg('lrs', (s) => numArg('lrs', { gt: 0 })(s)),
  },
  optimizers: {
    type: 'string',
    default: 'sgd',
    describe: `optimizers of the grid: ${SWEEP_OPTIMIZERS.join(', ')} (sam and perturbed over SGD)`,
    coerce: listArg('optimizers', experiment.oneOf('optimizers', 'optimizer', SWEEP_OPTIMIZERS)),
  },
  ...experiment.seedsOption('1', 'seeds of the grid (initialisation, shuffles, dropout)'),
  'target-loss': {
    type: 'number',
    default: 0.01,
    describe: 'train each run until its training loss (evaluation mode) is at most this',
    coerce: numArg('target-loss', { ge: 0 }),
  },
  'max-epochs': {
    type: 'number',
    default: 30,
    describe: 'epoch cap; a run stopped by it is marked',
    coerce: intArg('max-epochs', 1),
  },
  ...experiment.subsetOptions(
    { train: DEFAULT_SWEEP_BUDGET.trainSubset, test: DEFAULT_SWEEP_BUDGET.testSubset },
    'training samples (a seeded subset)',
  ),
  ...experiment.psiBudgetOptions({
    psiSamples: {
      default: DEFAULT_SWEEP_BUDGET.psiSamples,
      describe: 'training samples the curvature of Ψ and the final measures is estimated on',
    },
    probes: {
      default: DEFAULT_SWEEP_BUDGET.probes,
      describe: 'Hutchinson probes of the Hessian diagonal (Ψ) and trace (2 gradients each)',
    },
    rhoProbes: {
      default: DEFAULT_SWEEP_BUDGET.rhoProbes,
      describe: 'random displacements of the ρ estimate',
    },
    psiEvery: {
      default: String(DEFAULT_SWEEP_BUDGET.psiEvery),
      describe:
        "Ψ every k epochs, and at the first and last (0: no Ψ curve; 'log': epochs 0, 1, 2, 4, 8, …)",
      minEvery: 0,
    },
  }),
  lanczos: {
    type: 'number',
    default: DEFAULT_SWEEP_BUDGET.lanczosIterations,
    describe: 'Lanczos steps of the top Hessian eigenvalue',
    coerce: intArg('lanczos', 1),
  },
  'sharpness-steps': {
    type: 'number',
    default: DEFAULT_SWEEP_BUDGET.sharpnessSteps,
    describe: 'ascent points of the SAM sharpness (1 gradient each)',
    coerce: intArg('sharpness-steps', 1),
  },
  'flatness-samples': {
    type: 'number',
    default: DEFAULT_SWEEP_BUDGET.flatnessSamples,
    describe: 'antithetic draws per noise level of the magnitude-aware flatness',
    coerce: intArg('flatness-samples', 1),
  },
  'flatness-iterations': {
    type: 'number',
    default: DEFAULT_SWEEP_BUDGET.flatnessIterations,
    describe: 'bisection steps of the magnitude-aware flatness',
    coerce: intArg('flatness-iterations', 0),
  },
  ...experiment.seedPrecisionOptions('seed of the data subsets and of every estimator probe'),
  ...experiment.outOptions(
    { default: 'pacgen-sweep', describe: 'results folder (resumable)' },
    'discard the results already in --out and start over',
  ),
  'keep-checkpoints': {
    type: 'boolean',
    default: false,
    describe: "keep each run's checkpoint (its final parameters) in --out/checkpoints",
  },
  queue: {
    type: 'string',
    describe:
      'run the grid on a job queue: redis://[user:pass@]host:port[/db] or rediss:// (also PACGEN_QUEUE); start workers with pacgen worker',
  },
  ...figureOptions(),
};

/** Shown by --help: the command line, then what it does. */
const EXAMPLES = [
  '$0 sweep --batch-sizes 32,64,128,256 --lrs 0.1 --out sweep-mnist  # SGD lr 0.1 with growing batch size on an MNIST subset',
  '$0 sweep --batch-sizes 256 --lrs 0.1,0.05,0.01 --seeds 1,2 --out sweep-lr  # batch 256 with shrinking learning rate, two seeds',
  '$0 sweep --data synthetic-cifar --model cifar-cnn --batch-sizes 32,128 --max-epochs 5  # the CIFAR-shaped path without downloads',
];

const command: CommandModule<GlobalArgs, SweepArgs> = {
  command: 'sweep',
  describe: 'a grid of training runs: gap and Ψ per epoch, final measures, Kendall τ with the gap',
  builder: (y) => y.options(OPTIONS).example(examples(EXAMPLES)) as unknown as Argv<SweepArgs>,
  handler: async (argv) => {
    const ctx = createContext(argv);
    const t0 = Date.now();
    const out = resolve(argv.out);
    // The queue is checked first: an unreachable Redis leaves no folder behind.
    const queue = argv.queue ?? process.env.PACGEN_QUEUE;
    const connection = queue === undefined || queue === '' ? null : parseQueueUrl(queue);
    if (connection) await checkQueue(connection);
    await claimSweepFolder(out, argv.force);
    const inputs = await loadSweepInputs(argv);
    const { data, model } = inputs;
    if (model.params)
      ctx.warn(
        `${argv.model}: the sweep trains its architecture from scratch (the stored weights are not used)`,
      );
    const tooBig = argv['batch-sizes'].filter((b) => b > data.train.n);
    if (tooBig.length > 0) {
      throw new UsageError(
        `--batch-sizes ${tooBig.join(',')} exceed the ${data.train.n} training samples`,
        'lower the batch sizes or raise --train-subset',
      );
    }
    const grid = {
      batchSizes: argv['batch-sizes'],
      learningRates: argv.lrs,
      optimizers: argv.optimizers,
      seeds: argv.seeds,
    };
    const total =
      grid.batchSizes.length *
      grid.learningRates.length *
      grid.optimizers.length *
      grid.seeds.length;
    const maxEpochs = argv['max-epochs'];
    ctx.log(
      `sweep: ${total} runs of ${argv.model} on ${argv.data} (${data.train.n} train, ${data.test.n} test), target loss ${argv['target-loss']}, at most ${maxEpochs} epochs → ${argv.out}/`,
    );

    const progress = sweepProgress(ctx, maxEpochs);
    const queued = connection && (await queueGridRunner(connection, SWEEP_QUEUE_JOBS, argv, ctx));
    let result: SweepResult;
    try {
      result = await runSweep({
        ...sweepOptions(argv, inputs, grid),
        outDir: out,
        keepCheckpoints: argv['keep-checkpoints'],
        onProgress: progress.onProgress,
        runner: queued?.runner,
      });
    } catch (e) {
      if (e instanceof PacgenError && e.code === OTHER_SETTINGS) {
        throw new CliError(e.message, {
          hint: 'use another --out, or pass --force to discard those results',
        });
      }
      throw e;
    } finally {
      progress.stop();
      await queued?.close();
    }
    if (result.skipped.length > 0) {
      ctx.log(
        result.trained.length === 0
          ? `all ${result.skipped.length} runs were finished earlier: nothing to train`
          : `${result.skipped.length} runs finished earlier were skipped, ${result.trained.length} trained now`,
      );
    }

    ctx.log('drawing figures');
    const { doc, figureCount } = await writeSweepOutput(out, result, {
      grid,
      figures: argv,
      commandLine: `pacgen sweep --data ${argv.data} --model ${argv.model} --batch-sizes ${grid.batchSizes.join(',')} --lrs ${grid.learningRates.join(',')} --optimizers ${grid.optimizers.join(',')} --seeds ${grid.seeds.join(',')} --target-loss ${argv['target-loss']} --max-epochs ${maxEpochs}`,
      started: t0,
    });
    ctx.result(doc);
    printSweepSummary(ctx, result, { out: argv.out, figureCount, seconds: doc.seconds });
  },
};

export default command;
