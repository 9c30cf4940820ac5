// The progress display of the grid experiments (`pacgen sweep`, `pacgen compare`) on stderr: a
// bar over each epoch's steps (and over a sweep run's final measures), one status line per
// finished run, and with --verbose one line per epoch.

import {
  MEASURE_INFO,
  type CompareProgress,
  type SweepProgress,
} from '@pacgen/metrics/experiments';
import { type EpochEvent, type StepEvent } from '@pacgen/metrics/train';
import type { Context } from './context.js';
import { duration, fmt, int, pct } from './format.js';
import { breathe } from './interrupt.js';
import type { ProgressBar } from './progress.js';

/** A library progress callback set, and `stop` to end the bar it may leave running. */
export interface ProgressDisplay<P> {
  onProgress: P;
  stop(): void;
}

/**
 * The one bar of a run: over an epoch's steps, or over the final measures. Every callback yields
 * to the event loop so a Ctrl-C gets through the engine's synchronous work.
 */
class RunBar {
  private bar: ProgressBar;

  constructor(
    private readonly ctx: Context,
    private readonly epochs: number,
  ) {
    this.bar = ctx.progress.bar('', 0);
    this.bar.stop();
  }

  stop(): void {
    this.bar.stop();
  }

  /**
   * A run's start (a --verbose line), skip or end: ends the bar, and hands a finished run's
   * result with its `[i/n] name` tag to `finished`.
   */
  run<R>(
    e: { index: number; total: number; name: string; status: string; result?: R },
    finished: (tag: string, r: R) => void,
  ): void {
    this.bar.stop();
    const tag = `[${e.index + 1}/${e.total}] ${e.name}`;
    if (e.status === 'skipped') this.ctx.log(`${tag}: finished earlier, skipped`);
    else if (e.status === 'done' && e.result) finished(tag, e.result);
    else this.ctx.debug(`${tag}: training`);
  }

  async step(name: string, e: StepEvent): Promise<void> {
    if (e.step === 1)
      this.bar = this.ctx.progress.bar(
        `${name} ${e.epoch}/${this.epochs}`,
        e.stepsPerEpoch,
        'steps',
      );
    this.bar.update(e.step);
    if (e.step === e.stepsPerEpoch) this.bar.stop();
    await breathe();
  }

  /** The --verbose line of an epoch; `extra` goes before its wall time. */
  async epoch(name: string, e: EpochEvent, extra = ''): Promise<void> {
    this.bar.stop();
    const psi = e.psi ? `, Ψ ${fmt(e.psi.psi)}` : '';
    this.ctx.debug(
      `${name} epoch ${e.epoch}: train ${fmt(e.trainLoss)}, test ${fmt(e.testLoss)}, gap ${fmt(e.gap)}${psi}${extra} (${duration(e.seconds)})`,
    );
    await breathe();
  }

  async measure(name: string, label: string, done: number, total: number): Promise<void> {
    this.bar.stop();
    this.bar = this.ctx.progress.bar(`${name} measures`, total, 'measures');
    this.bar.update(done);
    this.ctx.debug(`${name}: measure ${label}`);
    await breathe();
  }
}

/** A sweep's display: how each run ended (target, cap, divergence, skipped), Ψ and its time. */
export function sweepProgress(ctx: Context, maxEpochs: number): ProgressDisplay<SweepProgress> {
  const bar = new RunBar(ctx, maxEpochs);
  return {
    stop: () => bar.stop(),
    onProgress: {
      run: (e) =>
        bar.run(e, (tag, r) => {
          const how =
            r.stopReason === 'target'
              ? `target reached at epoch ${r.epochs}`
              : r.stopReason === 'diverged'
                ? `diverged in epoch ${r.epochs + 1}`
                : `epoch cap ${r.epochs} reached first (train loss ${fmt(r.final.trainLoss)})`;
          const psi = r.measures?.values.psi?.value;
          if (r.resumedFrom !== null)
            ctx.log(`${tag}: resumed from its checkpoint after epoch ${r.resumedFrom}`);
          ctx.log(
            `${tag}: ${how}; train ${fmt(r.final.trainLoss)}, test ${fmt(r.final.testLoss)}, gap ${fmt(r.final.gap)}, test acc ${pct(r.final.testAccuracy)}${psi === undefined ? '' : `, Ψ ${fmt(psi)}`} (${duration(r.seconds.train + r.seconds.measures)})`,
          );
        }),
      step: (name, e) => bar.step(name, e),
      epoch: (name, e) => bar.epoch(name, e),
      measure: (name, m, i, n) => bar.measure(name, MEASURE_INFO[m].label, i, n),
    },
  };
}

/** A comparison's display: each run's final fit, Ψ and gradient count; σ in the epoch lines. */
export function compareProgress(ctx: Context, epochs: number): ProgressDisplay<CompareProgress> {
  const bar = new RunBar(ctx, epochs);
  return {
    stop: () => bar.stop(),
    onProgress: {
      run: (e) =>
        bar.run(e, (tag, r) => {
          const psi = r.psi ? `, Ψ ${fmt(r.psi.psi)}` : '';
          const how = r.stopReason === 'diverged' ? ` diverged in epoch ${r.epochs + 1};` : '';
          ctx.log(
            `${tag}:${how} train ${fmt(r.final.trainLoss)}, test ${fmt(r.final.testLoss)}, test acc ${pct(r.final.testAccuracy)}${psi}, ${int(r.gradientEvaluations)} gradients (${duration(r.seconds)})`,
          );
        }),
      step: (name, e) => bar.step(name, e),
      epoch: (name, e) => {
        const sigma = e.optimizer?.sigmaMean;
        return bar.epoch(name, e, sigma === undefined ? '' : `, σ mean ${fmt(sigma)}`);
      },
    },
  };
}
