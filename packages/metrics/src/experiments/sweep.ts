// The sweeps of METHOD.md §6: a grid of training runs (batch sizes, learning rates, optimizers,
// seeds) on one data set and model, each trained to a common training loss under an epoch cap,
// with per-epoch loss, gap and Ψ curves, the final generalization measures, and the rank
// agreement (Kendall's τ, plain and granulated) between each measure and the final gap.
// Resumable: one JSON file per finished run, written atomically; a run in progress continues
// from its per-epoch checkpoint. Node only for the files (node: modules are imported lazily).

import { PacgenError, compileNetwork, type NetworkSpec, type Precision } from '@pacgen/core-wasm';
import type { Dataset } from '../data/dataset.js';
import { selectSubset, subsetSamples } from '../data/subset.js';
import { networkObjective } from '../objective/network.js';
import { adam, sgd } from '../optim/aliases.js';
import { perturbedOpt } from '../optim/perturbed.js';
import { sam } from '../optim/sam.js';
import { mixSeed } from '../optim/seeds.js';
import type { GradientTransformation, Optimizer } from '../optim/types.js';
import type { PacgenOptions } from '../pacgen/report.js';
import { encodeState } from '../train/serialize.js';
import {
  train,
  type EpochEvent,
  type PsiSchedule,
  type StepEvent,
  type StopReason,
} from '../train/train.js';
import { historyCurves, type RunCurves } from './curves.js';
import { parseSweepFile, parseSweepRunFile, settingsDiff } from './sweep-files.js';
import { granulatedTau, kendallTau, type GranulatedResult, type KendallResult } from './kendall.js';
import {
  MEASURE_NAMES,
  generalizationMeasures,
  type MeasureName,
  type MeasureReport,
} from './measures.js';

/** Optimizers a sweep can use: plain SGD (the paper's), Adam, SAM over SGD, perturbedOPT over SGD or Adam. */
export const SWEEP_OPTIMIZERS = ['sgd', 'adam', 'sam', 'perturbed', 'perturbed-adam'] as const;
export type SweepOptimizer = (typeof SWEEP_OPTIMIZERS)[number];

/** One grid point: a training run. */
export interface SweepPoint {
  optimizer: SweepOptimizer;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export interface SweepGrid {
  batchSizes: readonly number[];
  /** Default [0.1] (the paper's SGD learning rate). */
  learningRates?: readonly number[];
  /** Default ['sgd']. */
  optimizers?: readonly SweepOptimizer[];
  /** Seeds of initialisation, shuffles and dropout (default [1]). */
  seeds?: readonly number[];
}

/** The compute budget of a sweep: every size and count that sets its cost. */
export interface SweepBudget {
  /** Training samples (a seeded subset of the data; all when the data has fewer). */
  trainSubset: number;
  /** Test samples (likewise). */
  testSubset: number;
  /** Training samples (a fixed seeded subset) the curvature of Ψ and the final measures uses. */
  psiSamples: number;
  /** Hutchinson probes of Ψ's Hessian diagonal and of the trace (2 gradients each). */
  probes: number;
  /** Random displacements of ρ̂ (about 4 gradients each). */
  rhoProbes: number;
  /**
   * Ψ every k epochs, and at epoch 0 and the last (0: no Ψ curve; the final measures still have
   * Ψ); 'log': at epochs 0, 1, 2, 4, 8, … and the last.
   */
  psiEvery: PsiSchedule;
  /** Lanczos steps of the top eigenvalue (2 gradients each). */
  lanczosIterations: number;
  /** Ascent points of the SAM sharpness (1 gradient each). */
  sharpnessSteps: number;
  /** Monte Carlo draws per noise level of the magnitude-aware flatness (1 forward pass each). */
  flatnessSamples: number;
  /** Bisection steps of the flatness. */
  flatnessIterations: number;
}

/**
 * Small by default. Measured for the MNIST CNN in f32 on 2 shared CPU cores: an epoch (training
 * on 1000 samples, evaluation on 1000 + 1000) 1 to 1.6 s, a Ψ report about 5 s, the final
 * measures about 16 s; a run capped at 30 epochs about 1.5 min.
 */
export const DEFAULT_SWEEP_BUDGET: Readonly<SweepBudget> = {
  trainSubset: 1000,
  testSubset: 1000,
  psiSamples: 256,
  probes: 8,
  rhoProbes: 2,
  psiEvery: 5,
  lanczosIterations: 10,
  sharpnessSteps: 5,
  flatnessSamples: 4,
  flatnessIterations: 8,
};

/** Everything shared by the runs of a sweep; a results folder holds runs of one setting only. */
export interface SweepSettings {
  format: 'pacgen-sweep/1';
  data: { name: string; train: number; test: number; inputShape: number[]; numClasses: number };
  model: { name: string; numParams: number; specHash: string };
  precision: Precision;
  /** Training loss (evaluation mode, loss units) each run trains to. */
  targetLoss: number;
  /** Epoch cap. */
  maxEpochs: number;
  budget: SweepBudget;
  /** Seed of the data subsets, the Ψ subset and every estimator's probes. */
  seed: number;
  /** PACGen neighbourhood (γ, ε) of Ψ, SAM ρ of the 'sam' optimizer and of the sharpness measure, flatness target. */
  gamma: number;
  epsilon: number;
  samRho: number;
  flatnessTarget: number;
}

export interface SweepOptions {
  grid: SweepGrid;
  model: { name: string; spec: NetworkSpec };
  data: { name: string; train: Dataset; test: Dataset };
  /** Results folder: sweep.json, runs/NAME.json, checkpoints/NAME/ (created). */
  outDir: string;
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

/** Per-epoch curves of a run (null where not evaluated). */
export type SweepCurves = RunCurves;

/** What a finished run writes to runs/NAME.json. */
export interface SweepRunResult {
  format: 'pacgen-sweep-run/1';
  name: string;
  point: SweepPoint;
  settings: SweepSettings;
  stopReason: StopReason;
  /** The training loss reached the target. */
  reachedTarget: boolean;
  /** The epoch cap came first (the run is compared at a worse fit than the others). */
  hitCap: boolean;
  epochs: number;
  steps: number;
  gradientEvaluations: number;
  final: {
    trainLoss: number;
    testLoss: number;
    gap: number;
    trainAccuracy: number;
    testAccuracy: number;
  };
  curves: SweepCurves;
  /** The final measures (null for a diverged run). */
  measures: MeasureReport | null;
  /** The epoch a run resumed from when it was interrupted, or null. */
  resumedFrom: number | null;
  seconds: { train: number; measures: number };
}

/** τ of one measure against the final gap. */
export interface MeasureCorrelation {
  measure: MeasureName;
  /** Over every run that did not diverge (runs stopped by the cap included). */
  all: KendallResult;
  /** Over the runs that reached the target loss only. */
  atTarget: KendallResult;
  /** Jiang et al.'s granulated τ over the varied axes (the seed groups, never varies). */
  granulated: GranulatedResult;
}

export interface SweepCorrelations {
  final: MeasureCorrelation[];
  /** τ between Ψ (and Ψ*) and the gap over every (run, epoch ≥ 1) with Ψ computed. */
  epochwise: { measure: 'psi' | 'psiStar'; tau: KendallResult }[];
}

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

/** The grid's runs, in a fixed order (optimizer, learning rate, batch size, seed). */
export function sweepPoints(grid: SweepGrid): SweepPoint[] {
  const optimizers = grid.optimizers ?? ['sgd'];
  const lrs = grid.learningRates ?? [0.1];
  const seeds = grid.seeds ?? [1];
  const axis = <T>(name: string, v: readonly T[], ok: (x: T) => boolean) => {
    if (v.length === 0) throw new PacgenError(`sweep grid: ${name} is empty`);
    for (const x of v)
      if (!ok(x)) throw new PacgenError(`sweep grid: invalid ${name} value ${String(x)}`);
    if (new Set(v.map(String)).size !== v.length)
      throw new PacgenError(`sweep grid: ${name} repeats a value`);
  };
  axis('batchSizes', grid.batchSizes, (b) => Number.isInteger(b) && b >= 1);
  axis('learningRates', lrs, (l) => Number.isFinite(l) && l > 0);
  axis('optimizers', optimizers, (o) => (SWEEP_OPTIMIZERS as readonly string[]).includes(o));
  axis('seeds', seeds, (s) => Number.isInteger(s) && s >= 0);
  const points: SweepPoint[] = [];
  for (const optimizer of optimizers)
    for (const learningRate of lrs)
      for (const batchSize of grid.batchSizes)
        for (const seed of seeds) points.push({ optimizer, batchSize, learningRate, seed });
  return points;
}

/** The run's deterministic name (its file name): e.g. `sgd_bs64_lr0.1_seed1`. */
export function runName(p: SweepPoint): string {
  return `${p.optimizer}_bs${p.batchSize}_lr${String(p.learningRate)}_seed${p.seed}`;
}

/** The optimizer of a grid point (SAM ρ and perturbedOPT's defaults: σ from the bound, secant curvature). */
export function sweepOptimizer(
  p: SweepPoint,
  samRho: number,
): Optimizer<unknown> | GradientTransformation<unknown> {
  const lr = p.learningRate;
  switch (p.optimizer) {
    case 'sgd':
      return sgd({ learningRate: lr });
    case 'adam':
      return adam({ learningRate: lr });
    case 'sam':
      return sam({ inner: sgd({ learningRate: lr }), rho: samRho }) as Optimizer<unknown>;
    case 'perturbed':
    case 'perturbed-adam':
      return perturbedOpt({
        inner: p.optimizer === 'perturbed' ? sgd({ learningRate: lr }) : adam({ learningRate: lr }),
        scale: { bound: {} },
        seed: p.seed,
      }) as unknown as Optimizer<unknown>;
  }
}

/** FNV-1a of a string, hex. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function checkBudget(b: SweepBudget): void {
  for (const [k, v] of Object.entries(b)) {
    if (k === 'psiEvery' && v === 'log') continue;
    const min = k === 'psiEvery' || k === 'flatnessIterations' ? 0 : 1;
    if (!Number.isInteger(v) || v < min) {
      throw new PacgenError(`sweep budget ${k} must be an integer ≥ ${min}, got ${v}`);
    }
  }
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const { writeFileAtomic } = await import('../io/atomic.js');
  await writeFileAtomic(file, `${JSON.stringify(encodeState(value), null, 1)}\n`);
}

/**
 * Runs (or resumes) a sweep. For each grid point in order: if runs/NAME.json exists (from the same
 * settings) it is loaded and skipped; otherwise the run trains from its checkpoint, if any,
 * until the training loss reaches `targetLoss` or `maxEpochs` (evaluating train and test every
 * epoch, Ψ every `psiEvery`), its measures are computed on the fixed Ψ subset, and its result is
 * written atomically. Then Kendall's τ of every measure against the final gap. Throws a
 * PacgenError before any training when `outDir` holds a sweep of other settings.
 *
 * Cost per run, in gradient evaluations (a forward pass costs about a third to a half of one):
 * training, the optimizer's per step on `batchSize` samples (1; 2 for SAM); a forward pass over
 * the training and the test set per epoch; a Ψ report every `psiEvery` epochs,
 * 2·probes + 4·rhoProbes + 4 on `psiSamples` samples; the final measures on the same samples
 * (`generalizationMeasures`), about 4·probes + 4·rhoProbes + 2·lanczosIterations + sharpnessSteps
 * + 8, and about 2·(6 + flatnessIterations)·flatnessSamples forward passes.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const t0 = Date.now();
  const path = await import('node:path');
  const fs = await import('node:fs/promises');
  const points = sweepPoints(options.grid);
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
      specHash: hash(JSON.stringify(options.model.spec)),
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

  const out = options.outDir;
  const sweepFile = path.join(out, 'sweep.json');
  const { readFileBytesIfAny } = await import('../io/read-file.js');
  const sweepBytes = await readFileBytesIfAny(sweepFile, 'sweep file');
  if (sweepBytes) {
    const diff = settingsDiff(parseSweepFile(sweepBytes, sweepFile), settings);
    if (diff.length > 0) {
      throw new PacgenError(
        `${out} holds a sweep of other settings (${diff.join('; ')}): use another folder, or delete it`,
      );
    }
  }
  await writeJsonAtomic(sweepFile, {
    settings,
    grid: { ...options.grid },
    points: points.map(runName),
  });

  const psiOptions: Omit<PacgenOptions, 'params' | 'seed'> = {
    gamma: settings.gamma,
    epsilon: settings.epsilon,
    diagonal: { method: 'hutchinson', probes: budget.probes },
    rho: { probes: budget.rhoProbes },
  };
  const runs: SweepRunResult[] = [];
  const skipped: string[] = [];
  const trained: string[] = [];
  let complete = true;
  for (const [index, point] of points.entries()) {
    const name = runName(point);
    const file = path.join(out, 'runs', `${name}.json`);
    const event = { index, total: points.length, name, point };
    const foundBytes = await readFileBytesIfAny(file, 'run result');
    if (foundBytes) {
      const found = parseSweepRunFile(foundBytes, file, { name, point, settings });
      runs.push(found);
      skipped.push(name);
      await options.onProgress?.run?.({ ...event, status: 'skipped', result: found });
      continue;
    }
    if (options.signal?.aborted) {
      complete = false;
      break;
    }
    await options.onProgress?.run?.({ ...event, status: 'start' });
    const checkpointDir = path.join(out, 'checkpoints', name);
    const tr = Date.now();
    const r = await train({
      spec: options.model.spec,
      precision: settings.precision,
      data: { train: trainSet, test: testSet },
      optimizer: sweepOptimizer(point, settings.samRho),
      batchSize: point.batchSize,
      maxEpochs,
      targetTrainLoss: targetLoss,
      seed: point.seed,
      evalEvery: 1,
      psiEvery: budget.psiEvery,
      psi: { ...psiOptions, seed },
      psiSamples: psiIdx,
      checkpointDir,
      resume: true,
      signal: options.signal,
      onProgress: {
        step: options.onProgress?.step && ((e) => options.onProgress?.step?.(name, e)),
        epoch: options.onProgress?.epoch && ((e) => options.onProgress?.epoch?.(name, e)),
      },
    });
    if (r.stopReason === 'aborted') {
      complete = false;
      break;
    }
    const trainSeconds = (Date.now() - tr) / 1000;
    const last = r.history[r.history.length - 1];
    const diverged = r.stopReason === 'diverged';
    let measures: MeasureReport | null = null;
    const tm = Date.now();
    if (!diverged) {
      const obj = networkObjective(r.network, { samples: psiIdx, params: r.params });
      measures = await generalizationMeasures({ ...obj, numSamples: n }, r.params, {
        seed,
        psi: psiOptions,
        traceProbes: budget.probes,
        lanczosIterations: budget.lanczosIterations,
        sharpness: { radius: settings.samRho, steps: budget.sharpnessSteps },
        flatness: {
          target: settings.flatnessTarget,
          samples: budget.flatnessSamples,
          iterations: budget.flatnessIterations,
        },
        onProgress: (m, i, total) => options.onProgress?.measure?.(name, m, i, total),
      });
    }
    const result: SweepRunResult = {
      format: 'pacgen-sweep-run/1',
      name,
      point,
      settings,
      stopReason: r.stopReason,
      reachedTarget: r.stopReason === 'target',
      hitCap: r.stopReason === 'epochs',
      epochs: r.epochs,
      steps: r.steps,
      gradientEvaluations: r.gradientEvaluations,
      final: {
        trainLoss: last?.trainLoss ?? NaN,
        testLoss: last?.testLoss ?? NaN,
        gap: last?.gap ?? NaN,
        trainAccuracy: last?.trainAccuracy ?? NaN,
        testAccuracy: last?.testAccuracy ?? NaN,
      },
      curves: historyCurves(r.history),
      measures,
      resumedFrom: r.resumedFrom,
      seconds: { train: trainSeconds, measures: (Date.now() - tm) / 1000 },
    };
    await writeJsonAtomic(file, result);
    if (!options.keepCheckpoints) await fs.rm(checkpointDir, { recursive: true, force: true });
    runs.push(result);
    trained.push(name);
    await options.onProgress?.run?.({ ...event, status: 'done', result });
  }
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
 * Kendall's τ between each measure and the final gap (over all non-diverged runs, and over those
 * that reached the target), the granulated τ over the axes that vary (optimizer, learning rate,
 * batch size; the seed only groups), and τ between Ψ (Ψ*) and the gap over every epoch with Ψ.
 * Cost: O(N log N) per measure for N runs.
 */
export function sweepCorrelations(runs: readonly SweepRunResult[]): SweepCorrelations {
  const ok = runs.filter((r) => r.stopReason !== 'diverged' && r.measures !== null);
  const atTarget = ok.filter((r) => r.reachedTarget);
  const valueOf = (r: SweepRunResult, m: MeasureName) => r.measures?.values[m]?.value ?? NaN;
  const varied = (['optimizer', 'learningRate', 'batchSize'] as const).filter(
    (k) => new Set(ok.map((r) => String(r.point[k]))).size > 1,
  );
  const final = MEASURE_NAMES.filter((m) =>
    ok.some((r) => r.measures?.values[m] !== undefined),
  ).map((measure): MeasureCorrelation => ({
    measure,
    all: kendallTau(
      ok.map((r) => valueOf(r, measure)),
      ok.map((r) => r.final.gap),
    ),
    atTarget: kendallTau(
      atTarget.map((r) => valueOf(r, measure)),
      atTarget.map((r) => r.final.gap),
    ),
    granulated: granulatedTau(
      ok.map((r) => ({
        hyper: { ...r.point },
        measure: valueOf(r, measure),
        gap: r.final.gap,
      })),
      varied,
    ),
  }));
  const epochwise = (['psi', 'psiStar'] as const).map((measure) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const r of ok) {
      r.curves.epoch.forEach((e, i) => {
        const v = r.curves[measure][i];
        const g = r.curves.gap[i];
        if (e >= 1 && v !== null && g !== null) {
          xs.push(v);
          ys.push(g);
        }
      });
    }
    return { measure, tau: kendallTau(xs, ys) };
  });
  return { final, epochwise };
}
