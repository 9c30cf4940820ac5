// A training run with the CLI's progress bar per epoch and one status line per epoch, shared by
// `train` and `demo`. Divergence is a failure: no model is written from a non-finite run.

import type { NetworkSpec, Precision } from '@pacgen/core-wasm';
import { type Dataset } from '@pacgen/metrics/data';
import {
  train,
  type CheckpointStore,
  type EpochRecord,
  type GradientTransformation,
  type Optimizer,
  type TrainResult,
} from '@pacgen/metrics/train';
import type { Context } from './context.js';
import { asUsage, CliError } from './errors.js';
import { duration, fmt, pct } from './format.js';
import { breathe } from './interrupt.js';
import { SILENT_BAR } from './progress.js';

export interface TrainingRun {
  /** Name shown in the progress and status lines (e.g. 'adam'). */
  label: string;
  spec: NetworkSpec;
  /** Starting parameters (a loaded model), or null to initialise with `seed`. */
  params: Float64Array | null;
  /** Starting batch-norm running statistics (a loaded model's), or null for the initial ones. */
  buffers?: Float64Array | null;
  data: { train: Dataset; test?: Dataset };
  optimizer: Optimizer<unknown> | GradientTransformation<unknown>;
  batchSize: number;
  epochs: number;
  seed: number;
  precision: Precision;
  targetLoss?: number;
  evalEvery?: number;
  checkpoint?: CheckpointStore;
  resume?: boolean;
}

/** A run whose loss or parameters became non-finite (exit 1). */
export class DivergedError extends CliError {
  constructor(label: string, epoch: number) {
    super(
      `${label}: training diverged in epoch ${epoch} (the loss or a parameter became non-finite)`,
      { hint: 'lower --lr, or use --schedule cosine' },
    );
  }
}

/** One status line for an epoch row. */
export function epochLine(label: string, r: EpochRecord, limit: number, seconds?: number): string {
  const parts = [`${label} epoch ${r.epoch}/${limit}`];
  if (r.trainLoss !== null)
    parts.push(`train loss ${fmt(r.trainLoss)} acc ${pct(r.trainAccuracy)}`);
  if (r.testLoss !== null) parts.push(`test loss ${fmt(r.testLoss)} acc ${pct(r.testAccuracy)}`);
  if (r.gap !== null) parts.push(`gap ${fmt(r.gap)}`);
  if (seconds !== undefined) parts.push(`(${duration(seconds)})`);
  return parts.join('  ');
}

/**
 * Trains with progress on stderr. Settings the library rejects are usage errors; a diverged run
 * is a failure (exit 1) naming the epoch.
 */
export async function runTraining(run: TrainingRun, ctx: Context): Promise<TrainResult> {
  let bar = SILENT_BAR;
  const result = await asUsage(() =>
    train({
      spec: run.spec,
      precision: run.precision,
      data: run.data,
      optimizer: run.optimizer,
      batchSize: run.batchSize,
      epochs: run.epochs,
      seed: run.seed,
      initialParams: run.params ?? undefined,
      initialBuffers: run.buffers ?? undefined,
      targetTrainLoss: run.targetLoss,
      evalEvery: run.evalEvery ?? 1,
      checkpoint: run.checkpoint,
      resume: run.resume,
      onProgress: {
        step: async (e) => {
          if (e.step === 1) {
            bar = ctx.progress.bar(
              `${run.label} epoch ${e.epoch}/${run.epochs}`,
              e.stepsPerEpoch,
              'steps',
            );
          }
          bar.update(e.step);
          if (e.step === e.stepsPerEpoch) bar.stop();
          await breathe();
        },
        epoch: (e) => {
          bar.stop();
          if (e.epoch === 0) {
            ctx.debug(epochLine(run.label, e, run.epochs, e.seconds));
            return;
          }
          ctx.log(epochLine(run.label, e, run.epochs, e.seconds));
        },
      },
    }),
  );
  bar.stop();
  if (result.resumedFrom !== null) {
    ctx.log(`${run.label}: resumed from the checkpoint after epoch ${result.resumedFrom}`);
  }
  if (result.stopReason === 'diverged') {
    throw new DivergedError(run.label, result.epochs + 1);
  }
  return result;
}
