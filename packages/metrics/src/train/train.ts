// The training loop: seeded shuffled minibatches over data set once on the engine, any optimizer
// (plain transformations or gradient-oracle wrappers), per-epoch evaluation in evaluation mode,
// optional Ψ tracking, early stop at a target training loss, and exact resume from checkpoints.
// Browser-safe: the node:fs checkpoint store is imported only when `checkpointDir` is given.

import {
  Network,
  PacgenError,
  Random,
  type EvalResult,
  type NetworkSpec,
  type Precision,
} from '@pacgen/core-wasm';
import type { Dataset } from '../data/dataset.js';
import { networkObjective } from '../objective/network.js';
import { fromTransformation } from '../optim/optimizer.js';
import { mixSeed } from '../optim/seeds.js';
import {
  isOptimizer,
  type GradientOracle,
  type GradientTransformation,
  type Optimizer,
} from '../optim/types.js';
import { pacgen, type PacgenOptions } from '../pacgen/report.js';
import type { CheckpointStore } from './checkpoint.js';
import { parseCheckpoint, type CheckpointData } from './checkpoint-data.js';
import { stringifyState } from './serialize.js';

/** Ψ at the end of an epoch (full training set, evaluation mode), from the PACGen report. */
export interface PsiRecord {
  /** Literal Ψ_{γ,ε} (nats). */
  psi: number;
  /** Ψ* at the bound-optimal σ* (nats). */
  psiStar: number;
  /** Ψ and Ψ* divided by m (nats per parameter). */
  psiPerParameter: number;
  psiStarPerParameter: number;
  /** Fractions of coordinates where the curvature enters Ψ and Ψ*. */
  curvatureFraction: number;
  curvatureFractionStar: number;
  /** ρ used (loss units per parameter unit³). */
  rho: number;
  /** η of σ* (loss units). */
  eta: number;
  /** The PAC-Bayes bound total at σ* (a score for cross-entropy, not a guarantee). */
  bound: number;
  /** Gradient evaluations the report spent (over the full training set). */
  gradientEvaluations: number;
}

/** One row of the history: the state after `epoch` completed epochs (0: before training). */
export interface EpochRecord {
  epoch: number;
  /** Optimizer steps so far. */
  steps: number;
  /** Minibatch gradient evaluations so far (training only; Ψ's are in `psi`). */
  gradientEvaluations: number;
  /**
   * Mean over the epoch's steps of the minibatch loss at the optimizer's point (training mode:
   * dropout on; w + u for perturbedOPT); null at epoch 0.
   */
  batchLoss: number | null;
  batchAccuracy: number | null;
  /** Full training set, evaluation mode (null when not evaluated this epoch). */
  trainLoss: number | null;
  trainAccuracy: number | null;
  /** Test set, evaluation mode (null when not evaluated or no test set). */
  testLoss: number | null;
  testAccuracy: number | null;
  /** testLoss − trainLoss (loss units). */
  gap: number | null;
  psi: PsiRecord | null;
  /** The optimizer's diagnostics after the epoch's last step (e.g. σ statistics). */
  optimizer: Record<string, number> | null;
}

/** Per-step progress. */
export interface StepEvent {
  /** Epoch in progress (1-based) and step within it (1-based). */
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  /** Optimizer steps so far, this one included. */
  steps: number;
  /** Minibatch loss and accuracy at the optimizer's point. */
  loss: number;
  accuracy: number;
  gradientEvaluations: number;
}

/** Per-epoch progress: the history row, with wall time (not in the history: runs stay comparable). */
export interface EpochEvent extends EpochRecord {
  /** Wall-clock seconds of this epoch, evaluation and Ψ included. */
  seconds: number;
}

export type StopReason = 'epochs' | 'target' | 'diverged' | 'aborted';

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
  psi?: Omit<PacgenOptions, 'params'>;
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
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new PacgenError(`seed must be a finite number, got ${seed}`);
  const limit = Math.min(options.epochs ?? Infinity, options.maxEpochs ?? Infinity);
  if (!Number.isInteger(limit) || limit < 0) {
    throw new PacgenError(
      `give epochs or maxEpochs as an integer ≥ 0 (got epochs=${options.epochs}, maxEpochs=${options.maxEpochs})`,
    );
  }
  const batchSize = options.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new PacgenError(`batchSize must be an integer ≥ 1, got ${batchSize}`);
  }
  const evalEvery = checkEvery('evalEvery', options.evalEvery ?? 1);
  const psiEvery = checkPsiSchedule(options.psiEvery ?? 0);
  const target = options.targetTrainLoss;
  if (target !== undefined && !Number.isFinite(target)) {
    throw new PacgenError(`targetTrainLoss must be a finite number, got ${target}`);
  }
  const { train: trainSet, test: testSet } = options.data;
  if (!trainSet || trainSet.n < 1) throw new PacgenError('data.train is empty');
  const n = trainSet.n;
  const nTest = testSet?.n ?? 0;
  if (batchSize > n)
    throw new PacgenError(`batchSize ${batchSize} exceeds the ${n} training samples`);
  const dropLast = options.dropLast ?? false;
  const stepsPerEpoch = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);

  if (!options.spec === !options.network)
    throw new PacgenError('give exactly one of spec and network');
  const net =
    options.network ??
    (await Network.create(options.spec as NetworkSpec, {
      precision: options.precision,
      maxBatch: options.maxBatch,
    }));
  const joined = joinData(trainSet, testSet);
  net.setData(joined.x, joined.y);
  if (options.initialParams) net.setParams(options.initialParams);
  else if (options.spec) net.initParams(seed);

  const opt: Optimizer<unknown> = isOptimizer(options.optimizer)
    ? options.optimizer
    : fromTransformation(options.optimizer);

  const store =
    options.checkpoint ??
    (options.checkpointDir !== undefined
      ? (await import('./checkpoint-fs.js')).fileCheckpointStore(options.checkpointDir)
      : null);
  const fingerprint = {
    numParams: net.numParams,
    precision: net.precision,
    trainSamples: n,
    testSamples: nTest,
    batchSize,
    dropLast,
    seed,
    optimizer: opt.name,
  };

  let w = Float64Array.from(net.params);
  let optState = opt.init(w);
  let history: EpochRecord[] = [];
  let epoch = 0;
  let steps = 0;
  let evals = 0;
  let resumedFrom: number | null = null;
  let finished: StopReason | null = null;

  if (store && options.resume) {
    const text = await store.load();
    if (text !== null) {
      const ck = parseCheckpoint(text, {
        fingerprint,
        numParams: w.length,
        optimizerState: optState,
      });
      w = Float64Array.from(ck.params);
      optState = ck.optimizerState;
      history = ck.history;
      epoch = resumedFrom = ck.epoch;
      steps = ck.steps;
      evals = ck.gradientEvaluations;
      finished = ck.finished;
    }
  }

  const evaluate = (start: number, count: number) => {
    net.setParams(w);
    return net.evaluate({ samples: { start, count } });
  };
  const psiSubset = options.psiSamples && checkIndices(options.psiSamples, n);
  const psiAt = async (): Promise<PsiRecord> => {
    const obj = networkObjective(net, {
      samples: psiSubset ?? { start: 0, count: n },
      params: w,
    });
    const scored = psiSubset ? { ...obj, numSamples: n } : obj;
    const r = await pacgen(scored, { ...options.psi, seed: options.psi?.seed ?? seed });
    return {
      psi: r.psi,
      psiStar: r.psiStar,
      psiPerParameter: r.perParameter.psi,
      psiStarPerParameter: r.perParameter.psiStar,
      curvatureFraction: r.curvatureFraction,
      curvatureFractionStar: r.curvatureFractionStar,
      rho: r.rho.value,
      eta: r.eta,
      bound: r.bound.total,
      gradientEvaluations: r.cost.gradientEvaluations,
    };
  };
  const record = async (
    batch: { loss: number; accuracy: number } | null,
    tr: EvalResult | null,
    evalTest: boolean,
    withPsi: boolean,
  ): Promise<EpochRecord> => {
    const te = evalTest && nTest > 0 ? evaluate(n, nTest) : null;
    return {
      epoch,
      steps,
      gradientEvaluations: evals,
      batchLoss: batch?.loss ?? null,
      batchAccuracy: batch?.accuracy ?? null,
      trainLoss: tr?.loss ?? null,
      trainAccuracy: tr?.accuracy ?? null,
      testLoss: te?.loss ?? null,
      testAccuracy: te?.accuracy ?? null,
      gap: tr && te ? te.loss - tr.loss : null,
      psi: withPsi ? await psiAt() : null,
      optimizer: batch && opt.diagnostics ? opt.diagnostics() : null,
    };
  };
  const save = async () => {
    if (!store) return;
    const data: CheckpointData = {
      format: 'pacgen-train/1',
      fingerprint,
      epoch,
      steps,
      gradientEvaluations: evals,
      params: w,
      optimizerState: optState,
      history,
      finished,
    };
    await store.save(stringifyState(data));
  };

  if (history.length === 0 && (evalEvery > 0 || psiEvery !== 0)) {
    const ts = now();
    const tr = evalEvery > 0 ? evaluate(0, n) : null;
    const row = await record(null, tr, evalEvery > 0, psiEvery !== 0);
    history.push(row);
    await save();
    await options.onProgress?.epoch?.({ ...row, seconds: (now() - ts) / 1000 });
  }

  const context = { precision: net.precision, trainSamples: n };
  // Beyond this the engine's copy of the parameters overflows.
  const maxParam = net.precision === 'f32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  const perm = new Int32Array(n);
  let stopReason: StopReason = finished ?? 'epochs';
  while (finished === null && epoch < limit) {
    const ts = now();
    const e = epoch + 1;
    for (let i = 0; i < n; i++) perm[i] = i;
    new Random(mixSeed(seed, 0x5a1f, e)).shuffle(perm);
    let lossSum = 0;
    let accSum = 0;
    let done = 0;
    for (let b = 0; b < stepsPerEpoch; b++) {
      if (options.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      const idx = perm.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
      const dropoutSeed = mixSeed(seed, 0xd0, steps) >>> 0;
      const gradAt: GradientOracle = (p) => {
        net.setParams(p);
        const r = net.gradient({ samples: idx, training: true, seed: dropoutSeed });
        evals++;
        return r;
      };
      const r = await opt.step(w, optState, gradAt, { ...context, batchSize: idx.length });
      const next = Float64Array.from(w, (x, i) => x + r.updates[i]);
      if (!Number.isFinite(r.loss) || !allFinite(next, maxParam)) {
        // Keep the last finite parameters.
        stopReason = finished = 'diverged';
        break;
      }
      w = next;
      optState = r.state;
      steps++;
      done++;
      lossSum += r.loss;
      accSum += r.accuracy;
      await options.onProgress?.step?.({
        epoch: e,
        step: b + 1,
        stepsPerEpoch,
        steps,
        loss: r.loss,
        accuracy: r.accuracy,
        gradientEvaluations: evals,
      });
    }
    if (stopReason === 'aborted') break;
    epoch = e;
    const batch = done > 0 ? { loss: lossSum / done, accuracy: accSum / done } : null;
    // The target needs the training loss every epoch.
    const onSchedule = evalEvery > 0 && epoch % evalEvery === 0;
    const tr =
      target !== undefined || onSchedule || epoch === limit || finished !== null
        ? evaluate(0, n)
        : null;
    if (finished === null && target !== undefined && (tr as EvalResult).loss <= target) {
      stopReason = finished = 'target';
    }
    const last = finished !== null || epoch === limit;
    const withPsi = psiEvery !== 0 && (last || onPsiSchedule(psiEvery, epoch));
    const row = await record(batch, tr, onSchedule || last, withPsi);
    history.push(row);
    await save();
    await options.onProgress?.epoch?.({ ...row, seconds: (now() - ts) / 1000 });
  }
  if (finished !== null) stopReason = finished;
  net.setParams(w);
  return {
    params: w,
    history,
    epochs: epoch,
    steps,
    gradientEvaluations: evals,
    stopReason,
    optimizerState: optState,
    network: net,
    resumedFrom,
    seconds: (now() - t0) / 1000,
  };
}

/** When a training run reports Ψ: every k epochs (0: never, besides the end), or at 0, 1, 2, 4, 8, …. */
export type PsiSchedule = number | 'log';

/** `s` when it is a valid Ψ schedule (an integer ≥ 0 or 'log'); a PacgenError otherwise. */
export function checkPsiSchedule(s: PsiSchedule): PsiSchedule {
  return s === 'log' ? s : checkEvery('psiEvery', s);
}

/** Whether `epoch` (not the last) is on the Ψ schedule `s` (≠ 0). */
export function onPsiSchedule(s: PsiSchedule, epoch: number): boolean {
  if (s === 'log') return epoch === 0 || (epoch & (epoch - 1)) === 0;
  return epoch % s === 0;
}

function checkEvery(name: string, k: number): number {
  if (!Number.isInteger(k) || k < 0)
    throw new PacgenError(`${name} must be an integer ≥ 0, got ${k}`);
  return k;
}

/** A copy of training-set indices, each an integer in [0, n). */
function checkIndices(idx: ArrayLike<number>, n: number): Int32Array {
  if (idx.length < 1) throw new PacgenError('psiSamples is empty');
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new PacgenError(`psiSamples[${i}] = ${v} is not a training-sample index in [0, ${n})`);
    }
  }
  return Int32Array.from(idx);
}

function allFinite(x: Float64Array, max: number): boolean {
  for (let i = 0; i < x.length; i++) if (!(Math.abs(x[i]) <= max)) return false;
  return true;
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/** Training samples then test samples, in one pair of arrays for one `setData`. */
function joinData(tr: Dataset, te: Dataset | undefined): { x: Dataset['x']; y: Dataset['y'] } {
  if (!te || te.n === 0) return { x: tr.x, y: tr.y };
  const size = (d: Dataset) => d.inputShape.reduce((a, b) => a * b, 1);
  if (size(tr) !== size(te)) {
    throw new PacgenError(
      `train and test inputs differ in shape: [${tr.inputShape.join(', ')}] vs [${te.inputShape.join(', ')}]`,
    );
  }
  if (tr.y instanceof Int32Array !== te.y instanceof Int32Array) {
    throw new PacgenError('train and test targets differ in kind (labels vs real targets)');
  }
  const x = new (tr.x.constructor as new (n: number) => Dataset['x'])(tr.x.length + te.x.length);
  x.set(tr.x);
  x.set(te.x, tr.x.length);
  const y =
    tr.y instanceof Int32Array
      ? new Int32Array(tr.y.length + te.y.length)
      : new Float32Array(tr.y.length + te.y.length);
  y.set(tr.y);
  y.set(te.y, tr.y.length);
  return { x, y };
}
