// `pacgen train`: trains a preset or a loaded model on a data set with any optimizer, and writes
// the model (TF.js Layers format), the run log and the learning curves into --out, atomically.
// The checkpoint of an unfinished run lives in OUT.partial/ so `--resume` can continue it.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toTfjs } from '@pacgen/metrics/models';
import {
  readFileBytesIfAny,
  removeOwnFiles,
  removeStaleTempFiles,
  writeFileAtomic,
} from '@pacgen/metrics/node';
import { type CheckpointStore, type TrainResult } from '@pacgen/metrics/train';
import type { PacgenError } from '@pacgen/core-wasm';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { CliError, ioHint } from '../errors.js';
import { duration, fmt, int, pct, table } from '../format.js';
import { onInterrupt } from '../interrupt.js';
import { CAPS, bool, flags, integer, str } from '../flag.js';
import { dataOptions, runOptions } from '../options.js';
import { buildOptimizer, optimizerOptions, type OptimizerArgs } from '../optimizers.js';
import { checkOutputTarget, toJsonText, withStagedDir, writeFiles } from '../output.js';
import { curvesChart } from '../report-plots.js';
import { checkCompatible, resolveData, resolveModel, type ResolvedData } from '../resolve.js';
import { normalizationRecord } from '../run-normalization.js';
import { DivergedError, runTraining } from '../training.js';
import { FLAG, epochs, out } from '../vocabulary.js';

interface TrainArgs extends GlobalArgs, OptimizerArgs {
  data: string;
  'train-size'?: number;
  'test-size'?: number;
  subset: 'first' | 'random';
  normalize: 'none' | 'standard';
  model: string;
  arch?: string;
  epochs: number;
  'batch-size': number;
  'target-loss'?: number;
  'eval-every': number;
  seed: number;
  precision: 'f32' | 'f64';
  out: string;
  resume: boolean;
  force: boolean;
}

/** The checkpoint of `out`: read from OUT.partial/ (unfinished) or OUT/ (finished), written to OUT.partial/. */
function checkpointStore(out: string): CheckpointStore & { partialDir: string } {
  const partialDir = `${resolve(out)}.partial`;
  // Regular files only: a FIFO or device named checkpoint.json is refused, never waited on.
  const read = async (p: string) => {
    const bytes = await readFileBytesIfAny(p, 'checkpoint').catch((e: Error) => {
      throw new CliError(e.message);
    });
    return bytes && new TextDecoder().decode(bytes);
  };
  return {
    partialDir,
    async load() {
      return (
        (await read(join(partialDir, 'checkpoint.json'))) ??
        (await read(join(out, 'checkpoint.json')))
      );
    },
    async save(text) {
      // A failed write (a full disk) is a failure of the run, not a usage error.
      await writeFileAtomic(join(partialDir, 'checkpoint.json'), text).catch((e: PacgenError) => {
        const what = ioHint(e.code) ?? 'fix the problem above';
        throw new CliError(e.message, { hint: `${what}, then rerun with --resume` });
      });
    },
  };
}

/** Top-level files `train` writes into --out (for folders written before manifests existed). */
const TRAIN_FILES = new Set([
  'model.json',
  'group1-shard1of1.bin',
  'run.json',
  'curves.svg',
  'checkpoint.json',
]);

/** Removes the unfinished run's folder OUT.partial/: its checkpoint only, never other files. */
async function removePartial(partialDir: string): Promise<void> {
  await removeOwnFiles(partialDir, ['checkpoint.json']);
}

/**
 * Removes OUT.partial/ when it only repeats the finished run's checkpoint (a run killed between
 * writing its output and removing the partial folder).
 */
async function dropFinishedPartial(out: string, partialDir: string): Promise<void> {
  const read = (p: string) => readFileBytesIfAny(p, 'checkpoint').catch(() => null);
  const [partial, finished] = await Promise.all([
    read(join(partialDir, 'checkpoint.json')),
    read(join(out, 'checkpoint.json')),
  ]);
  const same = partial && finished && Buffer.compare(partial, finished) === 0;
  if (same) await removePartial(partialDir);
}

/**
 * The run log written as run.json. Its `normalization` record (the per-channel mean/std the
 * inputs were standardised with) is what `score`, `spectrum` and `landscape` reuse.
 */
function runLog(
  argv: TrainArgs,
  r: TrainResult,
  data: ResolvedData,
  extra: Record<string, unknown>,
) {
  const last = r.history.at(-1) ?? null;
  return {
    format: 'pacgen-train-run/1',
    ...extra,
    normalization: normalizationRecord(argv.normalize, data),
    settings: {
      data: argv.data,
      trainSize: argv['train-size'] ?? null,
      testSize: argv['test-size'] ?? null,
      subset: argv.subset,
      normalize: argv.normalize,
      model: argv.model,
      optimizer: argv.optimizer,
      inner: argv.inner,
      lr: argv.lr ?? null,
      schedule: argv.schedule,
      momentum: argv.momentum,
      weightDecay: argv['weight-decay'] ?? null,
      samRho: argv['sam-rho'] ?? null,
      noiseScale: argv['noise-scale'],
      curvature: argv.curvature,
      epochs: argv.epochs,
      batchSize: argv['batch-size'],
      targetLoss: argv['target-loss'] ?? null,
      seed: argv.seed,
      precision: argv.precision,
    },
    epochs: r.epochs,
    steps: r.steps,
    gradientEvaluations: r.gradientEvaluations,
    stopReason: r.stopReason,
    resumedFrom: r.resumedFrom,
    seconds: r.seconds,
    final: last && {
      trainLoss: last.trainLoss,
      trainAccuracy: last.trainAccuracy,
      testLoss: last.testLoss,
      testAccuracy: last.testAccuracy,
      gap: last.gap,
    },
    history: r.history,
  };
}

export default defineCommand<TrainArgs>({
  command: 'train',
  describe: 'train a network and save it (TF.js Layers format) with its run log and curves',
  options: {
    ...dataOptions('mnist'),
    ...flags({
      model: str(
        'preset (mlp, mlp:W1,W2, mnist-cnn, cifar-cnn, toy, resnet20, resnet-mnist, wrn-16-4, vgg-bn) or a model file to start from',
        'mlp',
      ),
      arch: FLAG.arch,
    }),
    ...optimizerOptions(),
    ...flags({
      epochs: epochs(0),
      'batch-size': FLAG['batch-size'],
      'target-loss': FLAG['target-loss'],
      'eval-every': integer('evaluate train and test loss every k epochs (0: at the end only)', {
        default: 1,
        min: 0,
        max: CAPS.epochs,
      }),
    }),
    ...runOptions('f32'),
    ...flags({
      out: out('pacgen-run'),
      resume: bool(
        'continue an interrupted run (OUT.partial/) or extend a finished one to more --epochs',
      ),
      force: FLAG.force,
    }),
  },
  examples: [
    '$0 train --data mnist --train-size 10000 --model mnist-cnn --epochs 2 --out cnn  # Adam on 10k MNIST images',
    '$0 train --optimizer perturbed --inner adam --noise-scale bound --out cnn-pert  # perturbedOPT with σ from the PAC-Bayes bound',
    '$0 train --optimizer sgd --lr 0.1 --momentum 0.9 --schedule cosine  # SGD with momentum',
    '$0 train --out cnn --epochs 4 --resume  # continue (or extend) the run in cnn/',
    "$0 train --data toy --model toy --optimizer sgd --lr 1 --epochs 200 --batch-size 100  # the paper's toy problem",
  ],
  handler: async (argv, ctx) => {
    // Before any work: the output must be writable (a --resume may replace its own run).
    await checkOutputTarget(argv.out, argv.force || argv.resume, {
      command: 'train',
      known: (f) => TRAIN_FILES.has(f),
    });
    const store = checkpointStore(argv.out);
    await removeStaleTempFiles(store.partialDir, 0);
    await dropFinishedPartial(argv.out, store.partialDir);
    if (!argv.resume && !argv.force && existsSync(join(store.partialDir, 'checkpoint.json'))) {
      throw new CliError(
        `${store.partialDir} holds the checkpoint of an interrupted run: will not start over silently`,
        { hint: 'pass --resume to continue it, or --force to start over and discard it' },
      );
    }
    const data = await resolveData(argv.data, {
      trainSize: argv['train-size'],
      testSize: argv['test-size'],
      seed: argv.seed,
      normalization: argv.normalize,
      subsetMode: argv.subset,
      precision: argv.precision,
    });
    const model = await resolveModel(argv.model, { data: data.train, arch: argv.arch });
    checkCompatible(model, data);
    if (argv['batch-size'] > data.train.n) {
      throw new CliError(
        `--batch-size ${argv['batch-size']} exceeds the ${data.train.n} training samples`,
        {
          exitCode: 2,
          hint: 'lower --batch-size or raise --train-size',
        },
      );
    }
    const stepsPerEpoch = Math.ceil(data.train.n / argv['batch-size']);
    const optimizer = await buildOptimizer(argv, stepsPerEpoch * argv.epochs, argv.seed);
    // A checkpoint left by an interruption or a failure lets --resume continue the run.
    const partialCheckpoint = join(store.partialDir, 'checkpoint.json');
    const resumeHint = () => {
      if (existsSync(partialCheckpoint)) {
        process.stderr.write(
          `pacgen: the checkpoint is kept in ${store.partialDir}; rerun with --resume to continue\n`,
        );
      }
    };
    const unhook = onInterrupt(resumeHint);
    ctx.log(
      `training ${model.source} on ${data.source} (${int(data.train.n)} train${data.test ? `, ${int(data.test.n)} test` : ''} samples) with ${argv.optimizer}, ${argv.epochs} epochs of ${stepsPerEpoch} steps`,
    );
    let result: TrainResult;
    try {
      result = await runTraining(
        {
          label: argv.optimizer,
          spec: model.spec,
          params: model.params,
          buffers: model.buffers ?? null,
          data,
          optimizer,
          batchSize: argv['batch-size'],
          epochs: argv.epochs,
          seed: argv.seed,
          precision: argv.precision,
          targetLoss: argv['target-loss'],
          evalEvery: argv['eval-every'],
          checkpoint: store,
          resume: argv.resume,
        },
        ctx,
      );
    } catch (e) {
      // Resuming a diverged run would diverge again: drop its checkpoint.
      if (e instanceof DivergedError) await removePartial(store.partialDir);
      else resumeHint();
      throw e;
    } finally {
      unhook();
    }
    const log = runLog(argv, result, data, {
      model: { source: model.source, numParams: result.network.numParams },
      data: { source: data.source, train: data.train.n, test: data.test?.n ?? 0 },
    });
    const checkpoint = await store.load();
    await withStagedDir(argv.out, { overwrite: true, command: 'train' }, async (dir) => {
      // With batch norm, the running statistics the training steps moved go into the file.
      const { modelJson, weightData } = toTfjs(model.spec, result.params, {
        buffers: result.buffers,
      });
      await writeFiles(dir, {
        'model.json': JSON.stringify(modelJson),
        'group1-shard1of1.bin': weightData,
        'run.json': toJsonText(log),
        'curves.svg': await curvesChart([{ label: argv.optimizer, history: result.history }]),
        ...(checkpoint ? { 'checkpoint.json': checkpoint } : {}),
      });
    });
    await removePartial(store.partialDir);

    ctx.result({ out: resolve(argv.out), ...log });
    const rows = result.history
      .filter((r) => r.trainLoss !== null)
      .map((r) => [
        String(r.epoch),
        fmt(r.trainLoss),
        pct(r.trainAccuracy),
        fmt(r.testLoss),
        pct(r.testAccuracy),
        fmt(r.gap),
      ]);
    ctx.print(
      table([['epoch', 'train loss', 'train acc', 'test loss', 'test acc', 'gap'], ...rows]),
    );
    ctx.print(
      `\n${result.epochs} epochs (${result.stopReason}), ${int(result.steps)} steps, ${duration(result.seconds)}; wrote ${argv.out}/ (model.json, run.json, curves.svg)`,
    );
  },
});
