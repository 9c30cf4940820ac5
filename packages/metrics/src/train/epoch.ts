// One epoch of training: the training set in a seeded shuffled order, one optimizer step per
// minibatch with dropout on (its mask seeded per step, the same for every gradient of a step),
// stopping at the first non-finite loss or parameter (the last finite parameters are kept).

import { type Network } from '@pacgen/core-wasm';
import { shuffledIndices } from '../data/shuffle.js';
import { mixSeed } from '../optim/seeds.js';
import type { GradientOracle, Optimizer } from '../optim/types.js';
import type { RunState } from './run-state.js';
import type { TrainSettings } from './settings.js';
import type { TrainOptions } from './train.js';

/**
 * Runs epoch `run.epoch + 1`, updating `run` (parameters, optimizer state, counters; `finished`
 * = 'diverged' on a non-finite step). Returns the mean minibatch loss and accuracy, or
 * `aborted` when `options.signal` fired (the epoch then does not count).
 * Cost: the optimizer's gradient evaluations per step, on `batchSize` samples.
 */
export async function runEpoch(
  net: Network,
  opt: Optimizer<unknown>,
  run: RunState,
  cfg: TrainSettings,
  options: Pick<TrainOptions, 'signal' | 'onProgress'>,
): Promise<{
  batch: { loss: number; accuracy: number } | null;
  aborted: boolean;
  /** The last step's diagnostics (null when the optimizer gives none or no step was done). */
  diagnostics: Record<string, number> | null;
}> {
  const { n, batchSize, seed, stepsPerEpoch } = cfg;
  const context = { precision: net.precision, trainSamples: n };
  // Beyond this the engine's copy of the parameters overflows.
  const maxParam = net.precision === 'f32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  const e = run.epoch + 1;
  const perm = shuffledIndices(n, mixSeed(seed, 0x5a1f, e));
  let lossSum = 0;
  let accSum = 0;
  let done = 0;
  let last: (() => Record<string, number>) | undefined;
  for (let b = 0; b < stepsPerEpoch; b++) {
    if (options.signal?.aborted) return { batch: null, aborted: true, diagnostics: null };
    const idx = perm.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
    const dropoutSeed = mixSeed(seed, 0xd0, run.steps) >>> 0;
    const gradAt: GradientOracle = (p) => {
      net.setParams(p);
      const r = net.gradient({ samples: idx, training: true, seed: dropoutSeed });
      run.evals++;
      return r;
    };
    const r = await opt.step(run.w, run.optState, gradAt, { ...context, batchSize: idx.length });
    const next = Float64Array.from(run.w, (x, i) => x + r.updates[i]);
    if (!Number.isFinite(r.loss) || !allFinite(next, maxParam)) {
      run.finished = 'diverged';
      break;
    }
    run.w = next;
    run.optState = r.state;
    last = r.diagnostics?.bind(r);
    run.steps++;
    done++;
    lossSum += r.loss;
    accSum += r.accuracy;
    await options.onProgress?.step?.({
      epoch: e,
      step: b + 1,
      stepsPerEpoch,
      steps: run.steps,
      loss: r.loss,
      accuracy: r.accuracy,
      gradientEvaluations: run.evals,
    });
  }
  run.epoch = e;
  const batch = done > 0 ? { loss: lossSum / done, accuracy: accSum / done } : null;
  return { batch, aborted: false, diagnostics: batch && last ? last() : null };
}

function allFinite(x: Float64Array, max: number): boolean {
  for (let i = 0; i < x.length; i++) if (!(Math.abs(x[i]) <= max)) return false;
  return true;
}
