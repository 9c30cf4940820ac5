// Ψ along model.fit: a tf.Callback that scores the model being trained with `pacgen` on a held
// sample of its training data at the end of every k-th epoch, and writes Ψ, Ψ* and the σ*
// statistics into the epoch's logs, so they land in the History next to the loss
// (docs/method.md §2–3 for the quantities).

import { PacgenError, type Loss, type Samples } from '@pacgen/core-wasm';
import { pacgen, type PacgenOptions, type PacgenReport } from '../pacgen/report.js';
import { median } from '../stats.js';
import { tf } from './backend.js';
import { hostData, type TfjsDataInput, type TfjsDataLimits } from './data-input.js';
import type { TfjsData } from './objective.js';
import { tfjsObjective } from './objective.js';

/** What one scored epoch adds to the logs (nats; σ* in parameter units). */
export interface PsiEpochStats {
  psi: number;
  psiStar: number;
  sigmaStarMin: number;
  sigmaStarMedian: number;
  sigmaStarMax: number;
}

/** The log keys the callback writes, in order. */
export const PSI_LOG_KEYS: readonly (keyof PsiEpochStats)[] = [
  'psi',
  'psiStar',
  'sigmaStarMin',
  'sigmaStarMedian',
  'sigmaStarMax',
];

export interface PsiCallbackOptions extends TfjsDataLimits {
  /**
   * The held sample of the training data the curvature is measured on (host arrays, tensors or
   * a tf.data.Dataset, read once at the start of training).
   */
  data: TfjsDataInput;
  /** Which samples of `data` (default all), as core-wasm's `Samples`. */
  samples?: Samples;
  /** Score every k-th epoch (epochs k − 1, 2k − 1, …; default 1). Other epochs log NaN. */
  every?: number;
  /** The loss, as tfjsObjective's (default: the one the output activation implies). */
  loss?: Loss;
  /** Samples per pass (tfjsObjective's `chunk`). */
  chunk?: number;
  /**
   * pacgen's options. Set `trainSamples` to the training set's size: the bound's n is the whole
   * set even when the curvature is measured on a sample (docs/method.md §8).
   */
  pacgen?: PacgenOptions;
  /** Called after each scored epoch with its statistics and the full report. */
  onEpoch?: (epoch: number, stats: PsiEpochStats, report: PacgenReport) => void | Promise<void>;
}

/** Ψ, Ψ* and min/median/max of σ* from a report. Cost O(m log m). */
export function psiEpochStats(report: PacgenReport): PsiEpochStats {
  const s = report.sigmaStar;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of s) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return {
    psi: report.psi,
    psiStar: report.psiStar,
    sigmaStarMin: lo,
    sigmaStarMedian: median(s),
    sigmaStarMax: hi,
  };
}

/**
 * A callback for `model.fit` / `model.fitDataset`: at the end of every `every`-th epoch, Ψ, Ψ*
 * and σ*'s min, median and max of the model's current weights on the held sample, written into
 * the epoch's logs under {@link PSI_LOG_KEYS} (NaN on the epochs not scored, so History's arrays
 * stay one value per epoch), kept in `results`, and passed to `onEpoch`. The model is scored on
 * a private copy (inference mode), never changed. Cost per scored epoch: one `pacgen` call,
 * 1 loss + 2m + 1 gradient evaluations for the exact diagonal (2K + 1 for Hutchinson above
 * EXACT_DIAGONAL_LIMIT parameters) + ρ's 2·(2·probes·(1 + refine) + 1) + 1, over the sample
 * only, and one copy of the weights.
 */
export class PsiCallback extends tf.Callback {
  /** One entry per scored epoch. */
  readonly results: ({ epoch: number } & PsiEpochStats)[] = [];
  private readonly options: PsiCallbackOptions;
  private readonly every: number;
  private host: TfjsData | null = null;

  constructor(options: PsiCallbackOptions) {
    super();
    const every = options.every ?? 1;
    if (!Number.isInteger(every) || every < 1) {
      throw new PacgenError(`every must be a positive integer (epochs), got ${every}`);
    }
    this.options = options;
    this.every = every;
  }

  override async onTrainBegin(): Promise<void> {
    // The sample is read once (a dataset's iterator runs once), before the first epoch.
    this.host ??= await hostData(this.options.data, {
      maxSamples: this.options.maxSamples,
      maxValues: this.options.maxValues,
      inputShape: this.model.inputs[0].shape.slice(1) as number[],
    });
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    const scored = (epoch + 1) % this.every === 0;
    const stats = scored ? await this.score(epoch) : null;
    if (logs) for (const k of PSI_LOG_KEYS) logs[k] = stats ? stats[k] : NaN;
  }

  private async score(epoch: number): Promise<PsiEpochStats> {
    if (!this.host) await this.onTrainBegin();
    const o = this.options;
    const obj = await tfjsObjective({
      model: this.model,
      data: this.host!,
      samples: o.samples,
      loss: o.loss,
      chunk: o.chunk,
    });
    let report: PacgenReport;
    try {
      report = await pacgen(obj, obj.params(), o.pacgen);
    } finally {
      obj.dispose();
    }
    const stats = psiEpochStats(report);
    this.results.push({ epoch, ...stats });
    await o.onEpoch?.(epoch, stats, report);
    return stats;
  }
}
