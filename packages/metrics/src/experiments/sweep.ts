// The sweeps of docs/reproduction.md §2: a grid of training runs (batch sizes, learning rates,
// optimizers, seeds) on one data set and model, each trained to a common training loss under an
// epoch cap, with per-epoch loss, gap and Ψ curves, the final generalization measures, and the
// rank agreement (Kendall's τ, plain and granulated) between each measure and the final gap.
// Resumable: a SweepStore keeps one result per finished run and a checkpoint per unfinished one
// (by default a results folder, whose node:fs code is imported only then). This module runs the
// sweep; its grid, settings, runs, store and correlations have their own modules, re-exported
// here as the sweep's one entry point.

import { PacgenError, compileNetwork, type NetworkSpec, type Precision } from '@pacgen/core-wasm';
import type { Dataset } from '../data/dataset.js';
import { OTHER_SETTINGS } from '../error-codes.js';
import { selectSubset, subsetSamples } from '../data/subset.js';
import { mixSeed } from '../optim/seeds.js';
import type { EpochEvent, StepEvent } from '../train/train.js';
import { runGrid, type GridRunner } from './grid.js';
import type { MeasureName } from './measures.js';
import { settingsDiff } from './sweep-files.js';
import { sweepCorrelations, type SweepCorrelations } from './sweep-correlations.js';
import { runName, sweepPoints, type SweepGrid, type SweepPoint } from './sweep-grid.js';
import { trainSweepRun, type SweepRunResult, type SweepRunSetup } from './sweep-run.js';
import {
  DEFAULT_SWEEP_BUDGET,
  checkBudget,
  specHash,
  type SweepBudget,
  type SweepSettings,
} from './sweep-settings.js';
import type { SweepStore } from './sweep-store.js';

export {
  errorGap,
  sweepCorrelations,
  type GapKind,
  type GapRanking,
  type MeasureCorrelation,
  type SweepCorrelations,
} from './sweep-correlations.js';
export {
  SWEEP_OPTIMIZERS,
  runName,
  sweepOptimizer,
  sweepPoints,
  type SweepGrid,
  type SweepOptimizer,
  type SweepPoint,
} from './sweep-grid.js';
export type { SweepCurves, SweepRunResult } from './sweep-run.js';
export { DEFAULT_SWEEP_BUDGET, type SweepBudget, type SweepSettings } from './sweep-settings.js';
export type { SweepRecord, SweepStore } from './sweep-store.js';

/** A sweep: the grid, the model and data, the target, the budget and where results go. */
export interface SweepOptions {
  grid: SweepGrid;
  model: { name: string; spec: NetworkSpec };
  data: { name: string; train: Dataset; test: Dataset };
  /** Results folder: sweep.json, runs/NAME.json, checkpoints/NAME/ (created; Node only). */
  outDir?: string;
  /** Any sweep store (instead of `outDir`, e.g. in memory or in a browser). */
  store?: SweepStore;
  /** Default 0.01 (cross-entropy; Jiang et al.'s stopping criterion). */
  targetLoss?: number;
  /** Default 30. */
  maxEpochs?: number;
  /** Default 'f32'. */
  precision?: Precision;
  budget?: Partial<SweepBudget>;
  /** Default 0. */
  seed?: number;
  /** Keep each run's checkpoint (its final parameters) after its result is written (default false). */
  keepCheckpoints?: boolean;
  onProgress?: SweepProgress;
  /** Stops before the next step; finished runs stay on disk, the current one at its last epoch. */
  signal?: AbortSignal;
  /** Who trains each run (default: this process, localSweepRunner; e.g. a job queue). */
  runner?: GridRunner<SweepPoint, SweepRunResult>;
}

/** Progress of a sweep, per run and within a run. */
export interface SweepProgress {
  run?: (e: {
    index: number;
    total: number;
    name: string;
    point: SweepPoint;
    status: 'start' | 'skipped' | 'done';
    result?: SweepRunResult;
  }) => void | Promise<void>;
  step?: (name: string, e: StepEvent) => void | Promise<void>;
  epoch?: (name: string, e: EpochEvent) => void | Promise<void>;
  measure?: (
    name: string,
    measure: MeasureName,
    index: number,
    total: number,
  ) => void | Promise<void>;
}

/** The sweep's settings and runs (finished earlier or now), and τ of each measure. */
export interface SweepResult {
  settings: SweepSettings;
  points: SweepPoint[];
  /** In grid order; absent for a run stopped by `signal`. */
  runs: SweepRunResult[];
  /** Runs found finished on disk, and runs trained now. */
  skipped: string[];
  trained: string[];
  diverged: string[];
  /** False when `signal` stopped the sweep. */
  complete: boolean;
  correlations: SweepCorrelations;
  seconds: number;
}

/**
 * The sweep's settings with their defaults, checked before any training (a PacgenError names
 * the first bad one), with the seeded data subsets and the Ψ subset every run shares.
 */
function sweepSetup(options: SweepOptions, points: readonly SweepPoint[]): SweepRunSetup {
  const budget: SweepBudget = { ...DEFAULT_SWEEP_BUDGET, ...options.budget };
  checkBudget(budget);
  const seed = options.seed ?? 0;
  const targetLoss = options.targetLoss ?? 0.01;
  const maxEpochs = options.maxEpochs ?? 30;
  if (!(Number.isFinite(targetLoss) && targetLoss >= 0)) {
    throw new PacgenError(`targetLoss must be a finite number ≥ 0, got ${targetLoss}`);
  }
  if (!(Number.isInteger(maxEpochs) && maxEpochs >= 1)) {
    throw new PacgenError(`maxEpochs must be an integer ≥ 1, got ${maxEpochs}`);
  }
  const trainSet = subsetSamples(options.data.train, budget.trainSubset, {
    seed: mixSeed(seed, 1),
  });
  const testSet = subsetSamples(options.data.test, budget.testSubset, { seed: mixSeed(seed, 2) });
  const n = trainSet.n;
  for (const p of points) {
    if (p.batchSize > n) {
      throw new PacgenError(`batch size ${p.batchSize} exceeds the ${n} training samples`);
    }
  }
  const psiIdx =
    selectSubset(n, Math.min(budget.psiSamples, n), mixSeed(seed, 3), 'Ψ') ??
    Int32Array.from({ length: n }, (_, i) => i);
  const compiled = compileNetwork(options.model.spec);
  const settings: SweepSettings = {
    format: 'pacgen-sweep/1',
    data: {
      name: options.data.name,
      train: n,
      test: testSet.n,
      inputShape: [...trainSet.inputShape],
      numClasses: trainSet.numClasses,
    },
    model: {
      name: options.model.name,
      numParams: compiled.numParams,
      specHash: specHash(options.model.spec),
    },
    precision: options.precision ?? 'f32',
    targetLoss,
    maxEpochs,
    budget,
    seed,
    gamma: 0.1,
    epsilon: 0.1,
    samRho: 0.05,
    flatnessTarget: 0.1,
  };
  return {
    spec: options.model.spec,
    settings,
    data: { train: trainSet, test: testSet },
    psiSamples: psiIdx,
    signal: options.signal,
  };
}

/**
 * Runs (or resumes) a sweep. For each grid point in order: if the store holds its result (from
 * the same settings; runs/NAME.json in a folder) it is loaded and skipped; otherwise the run
 * trains from its checkpoint, if any, until the training loss reaches `targetLoss` or
 * `maxEpochs` (evaluating train and test every epoch, Ψ every `psiEvery`), its measures are
 * computed on the fixed Ψ subset, and its result is stored atomically. Then Kendall's τ of every
 * measure against the final cross-entropy and 0-1 error gaps, with bootstrap intervals (see
 * sweepCorrelations). Throws a PacgenError before any training when `outDir` (or `store`) holds
 * a sweep of other settings.
 *
 * Cost per run, in gradient evaluations (a forward pass costs about a third to a half of one):
 * training, the optimizer's per step on `batchSize` samples (1; 2 for SAM); a forward pass over
 * the training and the test set per epoch; a Ψ report every `psiEvery` epochs,
 * 2·probes + 4·rhoProbes + 4 on `psiSamples` samples; the final measures on the same samples
 * (`generalizationMeasures`), about 4·probes + 4·rhoProbes + 2·lanczosIterations + sharpnessSteps
 * + 8, and about 2·(6 + flatnessIterations)·flatnessSamples forward passes; the certificate
 * (measureCertifyOptions) no gradient and about 15 forward passes over a training subset of
 * 1,000 samples (13·min(n, 1000) + 2n samples and the test subset twice).
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const t0 = Date.now();
  const points = sweepPoints(options.grid);
  const setup = sweepSetup(options, points);
  const { settings } = setup;
  const store = options.store ?? (await fileStore(options.outDir));
  const previous = await store.readSettings();
  if (previous) {
    const diff = settingsDiff(previous, settings);
    if (diff.length > 0) {
      throw new PacgenError(
        `${store.name} holds a sweep of other settings (${diff.join('; ')}): use another folder, or delete it`,
        { code: OTHER_SETTINGS },
      );
    }
  }
  await store.writeSweep({ settings, grid: { ...options.grid }, points: points.map(runName) });

  const runner = options.runner ?? localSweepRunner(setup, store, options);
  const jobs = points.map((point) => ({ name: runName(point), point }));
  const {
    results: runs,
    skipped,
    trained,
    complete,
  } = await runGrid(jobs, runner, {
    store: {
      read: ({ name, point }) => store.readRun({ name, point, settings }),
      async write({ name }, result) {
        await store.writeRun(result);
        if (!options.keepCheckpoints) await store.removeCheckpoint(name);
      },
    },
    signal: options.signal,
    onRun: options.onProgress?.run,
  });
  return {
    settings,
    points,
    runs,
    skipped,
    trained,
    diverged: runs.filter((r) => r.stopReason === 'diverged').map((r) => r.name),
    complete,
    correlations: sweepCorrelations(runs),
    seconds: (Date.now() - t0) / 1000,
  };
}

/**
 * The runner of a sweep in this process: trains the run from its checkpoint in `store`, with the
 * sweep's progress callbacks (see trainSweepRun).
 */
export function localSweepRunner(
  setup: SweepRunSetup,
  store: SweepStore,
  options: Pick<SweepOptions, 'onProgress'>,
): GridRunner<SweepPoint, SweepRunResult> {
  const progress = options.onProgress;
  return {
    run: ({ name, point }) =>
      trainSweepRun(name, point, setup, {
        checkpoint: store.checkpoint(name),
        onProgress: {
          step: progress?.step && ((e) => progress.step?.(name, e)),
          epoch: progress?.epoch && ((e) => progress.epoch?.(name, e)),
          measure: (m, i, total) => progress?.measure?.(name, m, i, total),
        },
      }),
  };
}

/** The results folder's store (Node only: `#stores` is a stub that refuses in browsers). */
async function fileStore(outDir: string | undefined): Promise<SweepStore> {
  if (outDir === undefined) throw new PacgenError('runSweep: give outDir or store');
  return (await import('#stores')).fileSweepStore(outDir);
}
