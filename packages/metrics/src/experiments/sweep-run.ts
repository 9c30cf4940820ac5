// One run of a sweep: a grid point trained to the target training loss under the epoch cap
// (resuming from its checkpoint), with loss, gap and Ψ per epoch, then its final generalization
// measures on the Ψ subset and its certificate on the training subset it was trained on; and
// the record of it that the sweep stores. Browser-safe.

import type { NetworkSpec } from '@pacgen/core-wasm';
import type { Dataset } from '../data/dataset.js';
import { networkObjective } from '../objective/network.js';
import type { PacgenOptions } from '../pacgen/report.js';
import { trainedCertificateInput } from './certificate-measure.js';
import type { CheckpointStore } from '../train/checkpoint.js';
import { train, type EpochEvent, type StepEvent, type StopReason } from '../train/train.js';
import { finalFit, historyCurves, type FinalFit, type RunCurves } from './curves.js';
import { generalizationMeasures, type MeasureName, type MeasureReport } from './measures.js';
import { sweepOptimizer, type SweepPoint } from './sweep-grid.js';
import type { SweepSettings } from './sweep-settings.js';

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
  final: FinalFit;
  curves: SweepCurves;
  /** The final measures (null for a diverged run). */
  measures: MeasureReport | null;
  /** The epoch a run resumed from when it was interrupted, or null. */
  resumedFrom: number | null;
  seconds: { train: number; measures: number };
}

/** What every run of a sweep shares: the model, the settings, the data and the Ψ subset. */
export interface SweepRunSetup {
  spec: NetworkSpec;
  settings: SweepSettings;
  /** The subsets every run trains and tests on. */
  data: { train: Dataset; test: Dataset };
  /** The training samples Ψ's curvature and the final measures are estimated on. */
  psiSamples: Int32Array;
  signal?: AbortSignal;
}

/** Where one run keeps its checkpoint, and its progress callbacks. */
export interface SweepRunHooks {
  checkpoint: CheckpointStore;
  onProgress?: {
    step?: (e: StepEvent) => void | Promise<void>;
    epoch?: (e: EpochEvent) => void | Promise<void>;
    measure?: (measure: MeasureName, index: number, total: number) => void | Promise<void>;
  };
}

/** Ψ's estimator options of a sweep (its seed is the sweep's, given apart). */
export function sweepPsiOptions(settings: SweepSettings): Omit<PacgenOptions, 'seed'> {
  return {
    gamma: settings.gamma,
    epsilon: settings.epsilon,
    diagonal: { method: 'hutchinson', probes: settings.budget.probes },
    rho: { probes: settings.budget.rhoProbes },
  };
}

/**
 * Trains the run `name` of grid point `point` from its checkpoint, if any, until the training
 * loss reaches the target or the epoch cap (evaluating train and test every epoch, Ψ per
 * psiEvery), then computes its measures on the Ψ subset and its certificate (cheap setting, see
 * measureCertifyOptions) on the training subset (none for a diverged run). Returns its
 * record, or null when `signal` stopped it (its checkpoint holds its last epoch). Cost: see
 * {@link runSweep}.
 */
export async function trainSweepRun(
  name: string,
  point: SweepPoint,
  setup: SweepRunSetup,
  hooks: SweepRunHooks,
): Promise<SweepRunResult | null> {
  const { settings, psiSamples } = setup;
  const { budget, seed } = settings;
  const psiOptions = sweepPsiOptions(settings);
  const tr = Date.now();
  const r = await train({
    spec: setup.spec,
    precision: settings.precision,
    data: setup.data,
    optimizer: sweepOptimizer(point, settings.samRho),
    batchSize: point.batchSize,
    maxEpochs: settings.maxEpochs,
    targetTrainLoss: settings.targetLoss,
    seed: point.seed,
    evalEvery: 1,
    psiEvery: budget.psiEvery,
    psi: { ...psiOptions, seed },
    psiSamples,
    checkpoint: hooks.checkpoint,
    resume: true,
    signal: setup.signal,
    onProgress: { step: hooks.onProgress?.step, epoch: hooks.onProgress?.epoch },
  });
  if (r.stopReason === 'aborted') return null;
  const trainSeconds = (Date.now() - tr) / 1000;
  let measures: MeasureReport | null = null;
  const tm = Date.now();
  if (r.stopReason !== 'diverged') {
    const obj = networkObjective(r.network, { samples: psiSamples, params: r.params });
    // The certificate bounds the test error of this network: n is the whole training subset,
    // the prior mean the initialisation the run started from (its seed), never the data;
    // skipped on data with real targets (the toy's BCE).
    const certificate = await trainedCertificateInput(
      setup.spec,
      r.params,
      setup.data,
      settings.precision,
      point.seed,
    );
    measures = await generalizationMeasures({ ...obj, numSamples: setup.data.train.n }, r.params, {
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
      certificate,
      onProgress: (m, i, total) => hooks.onProgress?.measure?.(m, i, total),
    });
  }
  return {
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
    final: finalFit(r.history),
    curves: historyCurves(r.history),
    measures,
    resumedFrom: r.resumedFrom,
    seconds: { train: trainSeconds, measures: (Date.now() - tm) / 1000 },
  };
}
