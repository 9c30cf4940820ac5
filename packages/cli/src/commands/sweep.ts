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
import type { Options } from 'yargs';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import * as experiment from '../experiment-options.js';
import { sweepProgress } from '../experiment-progress.js';
import {
  CAPS,
  bool,
  flags,
  integer,
  intArg,
  itemOf,
  list,
  numArg,
  str,
  withDefault,
} from '../flag.js';
import { figureOptions } from '../options.js';
import { FLAG } from '../vocabulary.js';
import { connectQueue } from '../queue/connection.js';
import { queueSweepRunner } from '../queue/sweep-runner.js';
import { loadSweepInputs, sweepOptions, type SweepJobArgs } from '../sweep-setup.js';
import { claimSweepFolder, printSweepSummary, writeSweepOutput } from '../sweep-output.js';

interface SweepArgs extends GlobalArgs, experiment.ExperimentArgs, SweepJobArgs {
  'batch-sizes': number[];
  lrs: number[];
  optimizers: SweepOptimizer[];
  'keep-checkpoints': boolean;
  queue: string | undefined;
}

/** The flags, in the order --help lists them. */
const OPTIONS: Record<string, Options> = {
  ...experiment.dataModelOptions(
    'model preset (mnist-cnn, cifar-cnn, mlp, mlp:W1,W2) or a model file (its architecture; trained from scratch)',
  ),
  ...flags({
    'batch-sizes': list(
      'batch sizes of the grid',
      (n) => intArg(n, 1, CAPS.batch),
      '32,64,128,256',
    ),
    lrs: list(
      'learning rates of the grid (the paper: SGD 0.1)',
      (n) => numArg(n, { gt: 0 }),
      '0.1',
    ),
    optimizers: list(
      `optimizers of the grid: ${SWEEP_OPTIMIZERS.join(', ')} (sam and perturbed over SGD)`,
      itemOf(SWEEP_OPTIMIZERS),
      'sgd',
    ),
  }),
  ...experiment.seedsOption('1', 'seeds of the grid (initialisation, shuffles, dropout)'),
  ...flags({
    'target-loss': withDefault(FLAG['target-loss'], 0.01),
    'max-epochs': integer('epoch cap; a run stopped by it is marked', {
      default: 30,
      min: 1,
      max: CAPS.epochs,
    }),
  }),
  ...experiment.subsetOptions({
    train: DEFAULT_SWEEP_BUDGET.trainSubset,
    test: DEFAULT_SWEEP_BUDGET.testSubset,
  }),
  ...experiment.psiBudgetOptions({
    samples: DEFAULT_SWEEP_BUDGET.psiSamples,
    probes: DEFAULT_SWEEP_BUDGET.probes,
    rhoProbes: DEFAULT_SWEEP_BUDGET.rhoProbes,
    psiEvery: {
      default: String(DEFAULT_SWEEP_BUDGET.psiEvery),
      describe:
        "Ψ every k epochs, and at the first and last (0: no Ψ curve; 'log': epochs 0, 1, 2, 4, 8, …)",
      minEvery: 0,
    },
  }),
  ...flags({
    'lanczos-steps': withDefault(FLAG['lanczos-steps'], DEFAULT_SWEEP_BUDGET.lanczosIterations),
    'sharpness-steps': integer('ascent points of the SAM sharpness (1 gradient each)', {
      default: DEFAULT_SWEEP_BUDGET.sharpnessSteps,
      min: 1,
      max: CAPS.iterations,
    }),
    'flatness-samples': integer(
      'antithetic draws per noise level of the magnitude-aware flatness',
      {
        default: DEFAULT_SWEEP_BUDGET.flatnessSamples,
        min: 1,
        max: CAPS.probes,
      },
    ),
    'flatness-iterations': integer('bisection steps of the magnitude-aware flatness', {
      default: DEFAULT_SWEEP_BUDGET.flatnessIterations,
      min: 0,
      max: CAPS.iterations,
    }),
  }),
  ...experiment.runOutOptions(
    'pacgen-sweep',
    'results folder (resumable)',
    'discard the results already in --out and start over',
  ),
  ...flags({
    'keep-checkpoints': bool(
      "keep each run's checkpoint (its final parameters) in --out/checkpoints",
    ),
    queue: str(
      'run the grid on a job queue: redis://[user:pass@]host:port[/db] or rediss:// (also PACGEN_QUEUE); start workers with pacgen worker',
    ),
  }),
  ...figureOptions(),
};

export default defineCommand<SweepArgs>({
  command: 'sweep',
  describe: 'a grid of training runs: gap and Ψ per epoch, final measures, Kendall τ with the gap',
  options: OPTIONS,
  examples: [
    '$0 sweep --batch-sizes 32,64,128,256 --lrs 0.1 --out sweep-mnist  # SGD lr 0.1 with growing batch size on an MNIST subset',
    '$0 sweep --batch-sizes 256 --lrs 0.1,0.05,0.01 --seeds 1,2 --out sweep-lr  # batch 256 with shrinking learning rate, two seeds',
    '$0 sweep --data synthetic-cifar --model cifar-cnn --batch-sizes 32,128 --max-epochs 5  # the CIFAR-shaped path without downloads',
  ],
  handler: async (argv, ctx) => {
    const t0 = Date.now();
    const out = resolve(argv.out);
    // The queue is checked first: an unreachable Redis leaves no folder behind.
    const connection = await connectQueue(argv.queue);
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
        'lower the batch sizes or raise --train-size',
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
    const queued = connection && (await queueSweepRunner(connection, argv, ctx));
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
});
