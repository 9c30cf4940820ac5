// The perturbed-optimization comparison (docs/reproduction.md §4): the plain optimizer, dropout,
// SAM, ASAM and perturbedOPT (secant and probe curvature) trained on the same data, model and
// budget over several seeds; test accuracy and loss with their spread, the σ statistics of
// perturbedOPT over training, and Ψ of each final model (unperturbed weights, evaluation mode).
// This module runs the experiment; its variants, runs, summaries and correlations have their own
// modules, re-exported here as the comparison's one entry point. Browser-safe.

import { PacgenError, compileNetwork, type Precision } from '@pacgen/core-wasm';
import type { Dataset } from '../data/dataset.js';
import { selectSubset } from '../data/subset.js';
import { checkInteger } from '../checks.js';
import { mixSeed } from '../optim/seeds.js';
import {
  checkPsiSchedule,
  type EpochEvent,
  type PsiSchedule,
  type StepEvent,
} from '../train/train.js';
import { compareCorrelations, type CompareCorrelations } from './compare-correlations.js';
import { runGrid, type GridRunner } from './grid.js';
import {
  compareRunName,
  trainComparisonRun,
  type CompareRun,
  type ComparisonRunSetup,
} from './compare-run.js';
import { compareSummaries, type CompareSummary } from './compare-summaries.js';
import {
  comparisonVariants,
  variantSettings,
  type CompareMethod,
  type ComparisonVariant,
  type ComparisonVariantOptions,
  type ComparisonVariantSettings,
} from './compare-variants.js';

export { meanDifference, meanSd, type MeanDifference, type MeanSd } from '../stats.js';
export {
  compareCorrelations,
  type CompareCorrelations,
  type CompareTau,
} from './compare-correlations.js';
export {
  compareRunName,
  type CompareCurves,
  type ComparePsi,
  type CompareRun,
} from './compare-run.js';
export { compareSummaries, type CompareSummary } from './compare-summaries.js';
export {
  COMPARE_METHODS,
  DEFAULT_PERTURBED_COMPARE,
  comparisonVariants,
  type CompareMethod,
  type ComparisonVariant,
  type ComparisonVariantOptions,
  type ComparisonVariantSettings,
  type PerturbedCompareSettings,
} from './compare-variants.js';

/** A comparison: the variants' options, the data, the seeds, the training budget and Ψ's. */
export interface CompareOptions extends ComparisonVariantOptions {
  /** The same (already subsetted) samples for every run; the test set must not be empty. */
  data: { name?: string; train: Dataset; test: Dataset };
  /** A label of the network for the settings (default 'model'). */
  modelName?: string;
  /** Seeds of initialisation, shuffles, dropout and perturbations (default [1, 2, 3]). */
  seeds?: readonly number[];
  epochs: number;
  batchSize: number;
  /** Default 'f32'. */
  precision?: Precision;
  /**
   * Ψ every k epochs, and at epoch 0 and the last ('log': at 0, 1, 2, 4, 8, … and the last; 0: no
   * Ψ at all). Default `epochs`: Ψ at epoch 0 and at the end.
   */
  psiEvery?: PsiSchedule;
  /** Training samples (a fixed seeded subset) Ψ's curvature is estimated on (default 256). */
  psiSamples?: number;
  /** Hutchinson probes of Ψ's Hessian diagonal (default 8; 2 gradients each). */
  probes?: number;
  /** Random displacements of Ψ's ρ̂ (default 2; about 4 gradients each). */
  rhoProbes?: number;
  /** Seed of the Ψ subset and of Ψ's probes (default 0). */
  seed?: number;
  /**
   * Certify each final network at the certificate measure's cheap setting (default true;
   * skipped on data without class labels). See CompareRun.certificate.
   */
  certificate?: boolean;
  onProgress?: CompareProgress;
  /** Stops before the next step; the finished runs are returned (complete: false). */
  signal?: AbortSignal;
  /** Who trains each run (default: this process, localCompareRunner; e.g. a job queue). */
  runner?: GridRunner<ComparePoint, CompareRun>;
}

/** Progress of a comparison, per run and within a run. */
export interface CompareProgress {
  run?: (e: {
    index: number;
    total: number;
    name: string;
    method: CompareMethod;
    seed: number;
    status: 'start' | 'done';
    result?: CompareRun;
  }) => void | Promise<void>;
  step?: (name: string, e: StepEvent) => void | Promise<void>;
  epoch?: (name: string, e: EpochEvent) => void | Promise<void>;
}

/** Everything shared by the runs of a comparison. */
export interface CompareSettings extends ComparisonVariantSettings {
  format: 'pacgen-compare/1';
  data: { name: string; train: number; test: number; inputShape: number[]; numClasses: number };
  model: { name: string; numParams: number };
  seeds: number[];
  epochs: number;
  batchSize: number;
  precision: Precision;
  /** Ψ's neighbourhood (γ, ε), schedule and estimator budget; `seed` also picks the subset. */
  psi: {
    every: PsiSchedule;
    samples: number;
    probes: number;
    rhoProbes: number;
    gamma: number;
    epsilon: number;
  };
  seed: number;
  /** Whether each final network is certified (false also on data without class labels). */
  certificate: boolean;
}

/** The comparison's settings, runs, per-method summaries and τ of Ψ and the certificate against the gaps. */
export interface CompareResult {
  settings: CompareSettings;
  variants: { method: CompareMethod; name: string; gradientsPerStep: number }[];
  /** Method by method, seed by seed; without the run `signal` stopped. */
  runs: CompareRun[];
  summaries: CompareSummary[];
  /** Does Ψ (Ψ*) rank the final gaps of all runs, methods and seeds together? */
  correlations: CompareCorrelations;
  /** False when `signal` stopped the comparison. */
  complete: boolean;
  seconds: number;
}

function checkSeeds(seeds: readonly number[]): number[] {
  if (seeds.length === 0) throw new PacgenError('compare: seeds is empty');
  for (const s of seeds) {
    if (!Number.isInteger(s) || s < 0) {
      throw new PacgenError(`compare: seeds must be integers ≥ 0, got ${s}`);
    }
  }
  if (new Set(seeds).size !== seeds.length) {
    throw new PacgenError(`compare: seeds repeats a value (${seeds.join(', ')})`);
  }
  return [...seeds];
}

/**
 * The comparison's settings with their defaults, checked before any training (a PacgenError
 * names the first bad one), and the fixed seeded subset of training samples Ψ is estimated on.
 */
function comparisonSettings(
  options: CompareOptions,
  variants: readonly ComparisonVariant[],
): { settings: CompareSettings; psiIdx: Int32Array } {
  const vs = variantSettings(options);
  const seeds = checkSeeds(options.seeds ?? [1, 2, 3]);
  const epochs = checkInteger('compare epochs', options.epochs, 1);
  const batchSize = checkInteger('compare batchSize', options.batchSize, 1);
  const psiEvery = checkPsiSchedule(options.psiEvery ?? epochs);
  const psiSamples = checkInteger('compare psiSamples', options.psiSamples ?? 256, 1);
  const probes = checkInteger('compare probes', options.probes ?? 8, 1);
  const rhoProbes = checkInteger('compare rhoProbes', options.rhoProbes ?? 2, 1);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed))
    throw new PacgenError(`compare seed must be an integer, got ${seed}`);
  const precision = options.precision ?? 'f32';
  if (precision !== 'f32' && precision !== 'f64') {
    throw new PacgenError(`compare precision must be 'f32' or 'f64', got '${String(precision)}'`);
  }
  const { train: trainSet, test: testSet } = options.data;
  if (!trainSet || trainSet.n < 1) throw new PacgenError('compare: the training set is empty');
  if (!testSet || testSet.n < 1) {
    throw new PacgenError('compare: the test set is empty (the comparison needs test loss)');
  }
  const n = trainSet.n;
  if (batchSize > n) {
    throw new PacgenError(`compare: batch size ${batchSize} exceeds the ${n} training samples`);
  }
  const base = compileNetwork(options.specFor(0));
  for (const v of variants) {
    const c = compileNetwork(v.spec);
    if (c.numParams !== base.numParams) {
      throw new PacgenError(
        `compare: the ${v.method} network has ${c.numParams} parameters, the base ${base.numParams}: specFor must change only the dropout`,
      );
    }
  }
  const psiIdx =
    selectSubset(n, Math.min(psiSamples, n), mixSeed(seed, 3), 'Ψ') ??
    Int32Array.from({ length: n }, (_, i) => i);
  const settings: CompareSettings = {
    format: 'pacgen-compare/1',
    data: {
      name: options.data.name ?? trainSet.name,
      train: n,
      test: testSet.n,
      inputShape: [...trainSet.inputShape],
      numClasses: trainSet.numClasses,
    },
    model: { name: options.modelName ?? 'model', numParams: base.numParams },
    ...vs,
    seeds,
    epochs,
    batchSize,
    precision,
    psi: {
      every: psiEvery,
      samples: psiIdx.length,
      probes,
      rhoProbes,
      gamma: 0.1,
      epsilon: 0.1,
    },
    seed,
    certificate: (options.certificate ?? true) && trainSet.y instanceof Int32Array,
  };
  return { settings, psiIdx };
}

/**
 * Trains every variant of {@link comparisonVariants} at every seed (method by method) on the
 * same data for `epochs` epochs, evaluating train and test every epoch and Ψ (γ = ε = 0.1,
 * Hutchinson diagonal with `probes`, ρ̂ from `rhoProbes`, on a fixed seeded subset of
 * `psiSamples` training samples) at epoch 0 and the end (or per `psiEvery`), always at the
 * unperturbed weights in evaluation mode, and certifies each final network. Returns the runs
 * with their curves and per-method summaries. The same seed gives bit-identical runs.
 *
 * Cost per run, in gradient evaluations on `batchSize` samples: per step 1 (plain, dropout,
 * perturbed-secant), 2 (SAM, ASAM), 1 + 2·probeCount every probeEvery steps (perturbed-probes);
 * a forward pass over the training and the test set per epoch; per Ψ report about
 * 2·probes + 4·rhoProbes + 4 gradients on `psiSamples` samples; the certificate of the final
 * network (with class labels) about 13·min(n, 1000) + 2n training and 2 test-set forwards, no
 * gradient (measureCertifyOptions).
 */
export async function compareTraining(options: CompareOptions): Promise<CompareResult> {
  const t0 = Date.now();
  const variants = comparisonVariants(options);
  const { settings, psiIdx } = comparisonSettings(options, variants);
  const { psi } = settings;
  const setup: ComparisonRunSetup = {
    data: { train: options.data.train, test: options.data.test },
    precision: settings.precision,
    batchSize: settings.batchSize,
    epochs: settings.epochs,
    psiEvery: psi.every,
    psi: {
      gamma: psi.gamma,
      epsilon: psi.epsilon,
      diagonal: { method: 'hutchinson', probes: psi.probes },
      rho: { probes: psi.rhoProbes },
      seed: settings.seed,
    },
    psiSamples: psiIdx,
    certificate: settings.certificate,
    signal: options.signal,
  };
  const jobs = variants.flatMap((variant) =>
    settings.seeds.map((seed) => ({
      name: compareRunName(variant.method, seed),
      point: { variant, seed },
    })),
  );
  const runner = options.runner ?? localCompareRunner(setup, options);
  const { results: runs, complete } = await runGrid(jobs, runner, {
    signal: options.signal,
    onRun: async (e) => {
      if (e.status === 'skipped') return; // a comparison keeps no results between calls
      const { variant, seed } = e.point;
      await options.onProgress?.run?.({
        index: e.index,
        total: e.total,
        name: e.name,
        method: variant.method,
        seed,
        status: e.status,
        result: e.result,
      });
    },
  });
  return {
    settings,
    variants: variants.map((v) => ({
      method: v.method,
      name: v.name,
      gradientsPerStep: v.gradientsPerStep,
    })),
    runs,
    summaries: compareSummaries(runs, settings.methods),
    correlations: compareCorrelations(runs),
    complete,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** A comparison's grid point: a variant at a seed. */
export interface ComparePoint {
  variant: ComparisonVariant;
  seed: number;
}

/** The runner of a comparison in this process (see trainComparisonRun), with its progress. */
export function localCompareRunner(
  setup: ComparisonRunSetup,
  options: Pick<CompareOptions, 'onProgress'>,
): GridRunner<ComparePoint, CompareRun> {
  const progress = options.onProgress;
  return {
    run: ({ name, point }) =>
      trainComparisonRun(point.variant, point.seed, {
        ...setup,
        onProgress: {
          step: progress?.step && ((e) => progress.step?.(name, e)),
          epoch: progress?.epoch && ((e) => progress.epoch?.(name, e)),
        },
      }),
  };
}
