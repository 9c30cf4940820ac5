// The training loop: seeded shuffled minibatches over data set once on the engine, any optimizer
// (plain transformations or gradient-oracle wrappers), per-epoch evaluation in evaluation mode,
// optional Ψ tracking, early stop at a target training loss, and exact resume from checkpoints.
// Browser-safe: the node:fs checkpoint store is imported only when `checkpointDir` is given.

import type { EvalResult, Network, NetworkSpec, Precision } from '@pacgen/core-wasm';
import type { Dataset } from '../data/dataset.js';
import { fromTransformation } from '../optim/optimizer.js';
import { isOptimizer, type GradientTransformation, type Optimizer } from '../optim/types.js';
import type { PacgenOptions } from '../pacgen/report.js';
import type { CheckpointStore } from './checkpoint.js';
import { runEpoch } from './epoch.js';
import type { EpochEvent, EpochRecord, StepEvent, StopReason } from './history.js';
import { psiRecord } from './psi-record.js';
import { checkpointOf, startState } from './run-state.js';
import { checkIndices, onPsiSchedule, type PsiSchedule } from './schedule.js';
import { stringifyState } from './serialize.js';
import { trainSettings, trainingNetwork } from './settings.js';

export type { EpochEvent, EpochRecord, PsiRecord, StepEvent, StopReason } from './history.js';
export { checkPsiSchedule, onPsiSchedule, type PsiSchedule } from './schedule.js';

export interface TrainOptions {
  /** The network to build (with `precision`, `maxBatch`); or give `network`. */
  spec?: NetworkSpec;
  /** An existing network: its data is replaced; its current parameters start the run unless `initialParams`. */
  network?: Network;
  /** Engine arithmetic when building from `spec` (default 'f32'). */
  precision?: Precision;
  /** Samples per engine chunk when building from `spec` (default 256). */
  maxBatch?: number;
  data: { train: Dataset; test?: Dataset };
  /** An optimizer (`sgd(...)`, `perturbedOpt(...)`, `sam(...)`) or a plain transformation. */
  optimizer: Optimizer<unknown> | GradientTransformation<unknown>;
  /** Samples per step. */
  batchSize: number;
  /** Epochs to train (an upper limit when `targetTrainLoss` is set). */
  epochs?: number;
  /** Epoch cap (with `targetTrainLoss`); the limit is the smaller of `epochs` and `maxEpochs`. */
  maxEpochs?: number;
  /** Stop after the first epoch whose full training loss (evaluation mode) is ≤ this (loss units). */
  targetTrainLoss?: number;
  /** Seed of the initialisation (from `spec`), the shuffles and dropout (default 0). */
  seed?: number;
  /** Starting parameters (default: `initParams(seed)` from `spec`, the network's own otherwise). */
  initialParams?: ArrayLike<number>;
  /**
   * Starting buffers, the batch-norm running statistics of a loaded model (default: the
   * initial state from `spec`, the network's own otherwise).
   */
  initialBuffers?: ArrayLike<number>;
  /** Drop the last incomplete minibatch of each epoch (default false). */
  dropLast?: boolean;
  /** Evaluate train and test every k epochs, and at epoch 0 and at the end (default 1; 0: end only). */
  evalEvery?: number;
  /**
   * Ψ every k epochs (and at epoch 0 and at the end) by the PACGen orchestrator on the full
   * training set; `'log'`: at epochs 0, 1, 2, 4, 8, … and the end (a curve for runs of very
   * different lengths at a cost logarithmic in the epochs). Cost per report: see `pacgen`.
   */
  psiEvery?: PsiSchedule;
  /** Estimator options of the Ψ report (seed defaults to the run's). */
  psi?: PacgenOptions;
  /**
   * Training-set indices (in [0, n)) the Ψ report's curvature is estimated on, to make it cheap
   * (default: all n). The objective still counts n samples, so Ψ* and the bound use the training
   * set's size; its gradients cost |psiSamples| samples each.
   */
  psiSamples?: ArrayLike<number>;
  onProgress?: {
    step?: (e: StepEvent) => void | Promise<void>;
    epoch?: (e: EpochEvent) => void | Promise<void>;
  };
  /** Directory of the checkpoint file (Node: written atomically after every epoch). */
  checkpointDir?: string;
  /** Any checkpoint store (instead of `checkpointDir`, e.g. in memory or in a browser). */
  checkpoint?: CheckpointStore;
  /**
   * Continue from the stored checkpoint when there is one (default false: start over). The
   * checkpoint must come from the same run (parameters, data sizes, batch size, seed, optimizer);
   * a larger epoch limit extends a finished run, whose last row keeps its end-of-run evaluations.
   */
  resume?: boolean;
  /** Stops the run before the next step (stopReason 'aborted'; nothing is checkpointed mid-epoch). */
  signal?: AbortSignal;
}

export interface TrainResult {
  /** Final parameters (f64 master copy; the network holds them rounded to its precision). */
  params: Float64Array;
  /**
   * Final buffers (batch-norm running statistics, as moved by the training steps; empty when
   * the network has none). The network holds them too.
   */
  buffers: Float64Array;
  history: EpochRecord[];
  /** Completed epochs. */
  epochs: number;
  steps: number;
  /** Minibatch gradient evaluations (training only). */
  gradientEvaluations: number;
  stopReason: StopReason;
  optimizerState: unknown;
  /** The network, with the training (then test) samples set on it. */
  network: Network;
  /** The epoch the run resumed from, or null. */
  resumedFrom: number | null;
  seconds: number;
}

/**
 * Trains a network. Each epoch visits the training set in a seeded shuffled order (the data is
 * set on the engine once; minibatches are index lists), one optimizer step per minibatch with
 * dropout on (its mask seeded per step, the same for every gradient within a step). Then, in
 * evaluation mode, the training and test loss and accuracy and the gap, Ψ when asked, a history
 * row, and a checkpoint. Every random draw derives from (seed, epoch or step), so a run resumed
 * from a checkpoint continues bit-identically to an uninterrupted one.
 *
 * Cost: per step, the optimizer's gradient evaluations on `batchSize` samples; per evaluation,
 * one forward pass over the training and test sets; per Ψ, the PACGen report's.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const t0 = now();
  const cfg = trainSettings(options);
  const { seed, n, nTest, limit, evalEvery, psiEvery, target } = cfg;
  const net = await trainingNetwork(options, seed);
  const opt: Optimizer<unknown> = isOptimizer(options.optimizer)
    ? options.optimizer
    : fromTransformation(options.optimizer);
  const store =
    options.checkpoint ??
    (options.checkpointDir !== undefined
      ? (await import('#stores')).fileCheckpointStore(options.checkpointDir)
      : null);
  const fingerprint = {
    numParams: net.numParams,
    precision: net.precision,
    trainSamples: n,
    testSamples: nTest,
    batchSize: cfg.batchSize,
    dropLast: cfg.dropLast,
    seed,
    optimizer: opt.name,
  };
  const run = await startState(net, opt, store && options.resume ? store : null, fingerprint);

  const evaluate = (start: number, count: number) => {
    net.setParams(run.w);
    return net.evaluate({ samples: { start, count } });
  };
  const psiSubset = options.psiSamples && checkIndices(options.psiSamples, n);
  const record = async (
    batch: { loss: number; accuracy: number } | null,
    tr: EvalResult | null,
    evalTest: boolean,
    withPsi: boolean,
    diagnostics: Record<string, number> | null = null,
  ): Promise<EpochRecord> => {
    const te = evalTest && nTest > 0 ? evaluate(n, nTest) : null;
    return {
      epoch: run.epoch,
      steps: run.steps,
      gradientEvaluations: run.evals,
      batchLoss: batch?.loss ?? null,
      batchAccuracy: batch?.accuracy ?? null,
      trainLoss: tr?.loss ?? null,
      trainAccuracy: tr?.accuracy ?? null,
      testLoss: te?.loss ?? null,
      testAccuracy: te?.accuracy ?? null,
      gap: tr && te ? te.loss - tr.loss : null,
      psi: withPsi ? await psiRecord(net, run.w, n, psiSubset, options.psi, seed) : null,
      optimizer: diagnostics,
    };
  };
  const finishEpoch = async (row: EpochRecord, ts: number) => {
    run.history.push(row);
    run.buffers = net.getBuffers();
    if (store) await store.save(stringifyState(checkpointOf(run, fingerprint)));
    await options.onProgress?.epoch?.({ ...row, seconds: (now() - ts) / 1000 });
  };

  if (run.history.length === 0 && (evalEvery > 0 || psiEvery !== 0)) {
    const ts = now();
    const tr = evalEvery > 0 ? evaluate(0, n) : null;
    await finishEpoch(await record(null, tr, evalEvery > 0, psiEvery !== 0), ts);
  }

  let stopReason: StopReason = run.finished ?? 'epochs';
  while (run.finished === null && run.epoch < limit) {
    const ts = now();
    const { batch, aborted, diagnostics } = await runEpoch(net, opt, run, cfg, options);
    if (aborted) {
      stopReason = 'aborted';
      break;
    }
    // The target needs the training loss every epoch.
    const onSchedule = evalEvery > 0 && run.epoch % evalEvery === 0;
    const tr =
      target !== undefined || onSchedule || run.epoch === limit || run.finished !== null
        ? evaluate(0, n)
        : null;
    if (run.finished === null && target !== undefined && (tr as EvalResult).loss <= target) {
      run.finished = 'target';
    }
    const last = run.finished !== null || run.epoch === limit;
    const withPsi = psiEvery !== 0 && (last || onPsiSchedule(psiEvery, run.epoch));
    await finishEpoch(await record(batch, tr, onSchedule || last, withPsi, diagnostics), ts);
  }
  if (run.finished !== null) stopReason = run.finished;
  net.setParams(run.w);
  return {
    params: run.w,
    buffers: net.getBuffers(),
    history: run.history,
    epochs: run.epoch,
    steps: run.steps,
    gradientEvaluations: run.evals,
    stopReason,
    optimizerState: run.optState,
    network: net,
    resumedFrom: run.resumedFrom,
    seconds: (now() - t0) / 1000,
  };
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
