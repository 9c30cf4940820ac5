// One run of the perturbed-optimization comparison: a variant trained at a seed, evaluated every
// epoch and with Ψ at the unperturbed weights, and the record it leaves (final fit, Ψ, per-epoch
// curves with perturbedOPT's σ diagnostics). Browser-safe.

import type { Dataset } from '../data/dataset.js';
import type { PacgenOptions } from '../pacgen/report.js';
import {
  train,
  type EpochEvent,
  type EpochRecord,
  type PsiSchedule,
  type StepEvent,
  type StopReason,
} from '../train/train.js';
import type { Precision } from '@pacgen/core-wasm';
import {
  certificateMeasure,
  trainedCertificateInput,
  type CertificateMeasureDetails,
} from './certificate-measure.js';
import type { CompareMethod, ComparisonVariant } from './compare-variants.js';
import { finalFit, historyColumn, historyCurves, type FinalFit, type RunCurves } from './curves.js';

/** Per-epoch curves of a run (null where not evaluated; σ only for perturbedOPT). */
export interface CompareCurves extends RunCurves {
  /** σ of perturbedOPT's last step of the epoch (parameter units; 0 during warm-up). */
  sigmaMean: (number | null)[];
  sigmaMedian: (number | null)[];
  sigmaMin: (number | null)[];
  sigmaMax: (number | null)[];
  /** Fraction of coordinates with σ_i at the cap κ_i. */
  sigmaFractionAtCap: (number | null)[];
  /** The noise scale s of that step (0 during warm-up). */
  noiseScale: (number | null)[];
  /** Mean of the curvature estimate ĥ (loss units per parameter unit²). */
  curvatureMean: (number | null)[];
}

/** Ψ of a final model (unperturbed weights, evaluation mode). */
export interface ComparePsi {
  psi: number;
  psiStar: number;
  curvatureFraction: number;
  curvatureFractionStar: number;
  bound: number;
}

/** One training run: a method at a seed. */
export interface CompareRun {
  method: CompareMethod;
  /** The variant's label. */
  name: string;
  seed: number;
  stopReason: StopReason;
  epochs: number;
  steps: number;
  /** Minibatch gradient evaluations of training (Ψ's not included). */
  gradientEvaluations: number;
  /** Wall-clock seconds of the run (evaluations, Ψ and the certificate included). */
  seconds: number;
  final: FinalFit;
  /** Null when Ψ was switched off (psiEvery 0). */
  psi: ComparePsi | null;
  /**
   * The certificate of the final network at the measure's cheap setting (measureCertifyOptions:
   * a bound on its 0-1 test error with 95% confidence, n = the comparison's training set); null
   * when switched off or on data without class labels.
   */
  certificate: CertificateMeasureDetails | null;
  curves: CompareCurves;
}

/** A run's deterministic name (its file name): e.g. `perturbed-secant_seed2`. */
export function compareRunName(method: CompareMethod, seed: number): string {
  return `${method}_seed${seed}`;
}

/** Per-epoch curves from a training history, with perturbedOPT's σ diagnostics. */
function curvesOf(history: readonly EpochRecord[]): CompareCurves {
  const diag = (k: string) => historyColumn(history, (r) => r.optimizer?.[k]);
  return {
    ...historyCurves(history),
    sigmaMean: diag('sigmaMean'),
    sigmaMedian: diag('sigmaMedian'),
    sigmaMin: diag('sigmaMin'),
    sigmaMax: diag('sigmaMax'),
    sigmaFractionAtCap: diag('sigmaFractionAtCap'),
    noiseScale: diag('noiseScale'),
    curvatureMean: diag('curvatureMean'),
  };
}

/** What every run of a comparison shares: the data, the training budget and Ψ's estimator. */
export interface ComparisonRunSetup {
  data: { train: Dataset; test: Dataset };
  precision: Precision;
  batchSize: number;
  epochs: number;
  psiEvery: PsiSchedule;
  /** Ψ's neighbourhood, estimators and seed. */
  psi: PacgenOptions;
  /** The training samples Ψ's curvature is estimated on. */
  psiSamples: Int32Array;
  /** Certify each final network (default true; skipped on data without class labels). */
  certificate?: boolean;
  signal?: AbortSignal;
  onProgress?: {
    step?: (e: StepEvent) => void | Promise<void>;
    epoch?: (e: EpochEvent) => void | Promise<void>;
  };
}

/**
 * Trains `variant` at `seed` for `setup.epochs` epochs, evaluating train and test every epoch and
 * Ψ per `psiEvery`, then certifies the final network (see CompareRun.certificate); returns its
 * record, or null when `signal` stopped it. The same seed gives a bit-identical run.
 * Cost: see {@link compareTraining}.
 */
export async function trainComparisonRun(
  variant: ComparisonVariant,
  seed: number,
  setup: ComparisonRunSetup,
): Promise<CompareRun | null> {
  const r = await train({
    spec: variant.spec,
    precision: setup.precision,
    data: setup.data,
    optimizer: variant.optimizer(seed),
    batchSize: setup.batchSize,
    epochs: setup.epochs,
    seed,
    evalEvery: 1,
    psiEvery: setup.psiEvery,
    psi: setup.psi,
    psiSamples: setup.psiSamples,
    signal: setup.signal,
    onProgress: setup.onProgress,
  });
  if (r.stopReason === 'aborted') return null;
  const psi = r.history[r.history.length - 1]?.psi ?? null;
  const t0 = Date.now();
  const certificate = await runCertificate(variant, seed, setup, r.params, r.stopReason);
  return {
    method: variant.method,
    name: variant.name,
    seed,
    stopReason: r.stopReason,
    epochs: r.epochs,
    steps: r.steps,
    gradientEvaluations: r.gradientEvaluations,
    seconds: r.seconds + (Date.now() - t0) / 1000,
    final: finalFit(r.history),
    psi: psi && {
      psi: psi.psi,
      psiStar: psi.psiStar,
      curvatureFraction: psi.curvatureFraction,
      curvatureFractionStar: psi.curvatureFractionStar,
      bound: psi.bound,
    },
    certificate,
    curves: curvesOf(r.history),
  };
}

/**
 * The certificate of a comparison run's final weights, prior mean its initialisation at `seed`
 * (the run's), the measure seeded by `seed` too; null when switched off, on data without class
 * labels, or when the run diverged. Cost: see measureCertifyOptions.
 */
async function runCertificate(
  variant: ComparisonVariant,
  seed: number,
  setup: ComparisonRunSetup,
  params: Float64Array,
  stopReason: StopReason,
): Promise<CertificateMeasureDetails | null> {
  if (setup.certificate === false || stopReason === 'diverged') return null;
  const input = await trainedCertificateInput(
    variant.spec,
    params,
    setup.data,
    setup.precision,
    seed,
  );
  return input ? (await certificateMeasure(input, seed)).details : null;
}
