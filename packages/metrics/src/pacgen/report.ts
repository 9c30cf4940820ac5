// The PACGen orchestrator: curvature estimates from an Objective, then Ψ, Ψ*, σ* and the bound.

import { PacgenError } from '@pacgen/core-wasm';
import type { Objective } from '../objective/objective.js';
import { NON_FINITE } from '../error-codes.js';
import { EXACT_DIAGONAL_LIMIT, hessianDiagonal, type DiagonalMethod } from '../hessian/diagonal.js';
import type { FiniteDifferenceHealth } from '../hessian/health.js';
import { hessianLipschitz } from '../hessian/lipschitz.js';
import type { KinkPolicy } from '../hessian/operator.js';
import { summarizeByTensor, summarizeVector, type VectorSummary } from '../summary.js';
import { pacgenFromCurvature, type PacgenCurvatureResult } from './from-curvature.js';
import { MAX_MONTE_CARLO_SAMPLES, monteCarloPerturbedLoss } from './monte-carlo.js';
import { noiseModel, type NoiseKind } from './noise.js';
import { sumRange } from './psi.js';
import {
  checkConfidence,
  checkNonNegative,
  checkPoint,
  checkPositive,
  checkSampleCount,
} from '../checks.js';

/** Which stage a progress report is about, with (units done, units planned). */
export type PacgenProgress = (
  stage: 'diagonal' | 'rho' | 'monte-carlo',
  done: number,
  total: number,
) => void;

export interface PacgenOptions {
  /** Relative neighbourhood size γ (default 0.1). */
  gamma?: number;
  /** Absolute neighbourhood size ε (parameter units, default 0.1). */
  epsilon?: number;
  /** PAC-Bayes confidence δ (default 0.05). */
  delta?: number;
  /** Posterior family of the bound and the Monte Carlo check (default 'uniform'). */
  noise?: NoiseKind;
  /** Hessian diagonal estimator. */
  diagonal?: {
    /**
     * Default: 'exact' (2m + 1 gradients) up to EXACT_DIAGONAL_LIMIT parameters, 'hutchinson'
     * above; 'ggn' and 'hesscale' are the engine's passes (docs/method.md §5);
     * 'hutchinson-cv' is Hutchinson with the GGN as control variate (§5, core-wasm only).
     */
    method?: DiagonalMethod;
    /** Hutchinson probes K, also of 'hutchinson-cv' (default 100). */
    probes?: number;
    /** HVP step (default: the objective's). */
    step?: number;
    richardson?: boolean;
    /** Products that cross kinks: recomputed at smaller moves (default) or only reported. */
    onKink?: KinkPolicy;
    /** Allow the exact diagonal above its parameter limit. */
    force?: boolean;
  };
  /** ρ given (loss units per parameter unit³), or the estimator's settings (default {probes: 8}). */
  rho?:
    | number
    | {
        probes?: number;
        refine?: number;
        step?: number;
        richardson?: boolean;
        onKink?: KinkPolicy;
      };
  /** Loss evaluations of the Monte Carlo check of E_u[L̂(w+u)] at σ* (default: no check). */
  monteCarlo?: number;
  /**
   * n of the bound: the training samples the model was trained on (default
   * `obj.numSamples`). The curvature may be estimated on a subset of them; the bound's n is
   * still the whole training set's (docs/method.md §8).
   */
  trainSamples?: number;
  /** Seed of every random probe and perturbation (default 0). */
  seed?: number;
  onProgress?: PacgenProgress;
}

export interface PacgenReport extends PacgenCurvatureResult {
  /** L̂(w) (loss units). */
  trainLoss: number;
  numParams: number;
  /** Samples the loss and curvature were taken over (the bound's n is `ingredients.n`). */
  numSamples: number;
  precision: 'f32' | 'f64';
  diagonal: {
    method: DiagonalMethod;
    probes: number;
    /** h itself (loss units per parameter unit²), per coordinate, e.g. for export. */
    values: Float64Array;
    /** Statistics of h over all coordinates. */
    summary: VectorSummary;
    /** Statistics of h per parameter tensor. */
    perTensor: VectorSummary[];
    /** Statistics of the per-coordinate standard error of h (Hutchinson only). */
    stdErr: VectorSummary | null;
    /** Gradient evaluations. */
    cost: number;
    /** Kink crossings of its Hessian-vector products and the step shrinks (docs/method.md §5). */
    health: FiniteDifferenceHealth;
  };
  rho: {
    /** ρ used (loss units per parameter unit³); when estimated, a lower estimate. */
    value: number;
    estimated: boolean;
    probes: number;
    refine: number;
    /** Finite-difference noise level of ρ̂ (same units); ρ̂ within a few times it is 0. */
    noise: number | null;
    /** Gradient evaluations. */
    cost: number;
    /** Kink crossings of its Hessian-vector products and the step shrinks; null when given. */
    health: FiniteDifferenceHealth | null;
  };
  /** The Monte Carlo check at σ*, when asked. */
  monteCarlo?: {
    /** Estimate of E_u[L̂(w+u)] (loss units) and its standard error. */
    mean: number;
    stdErr: number;
    samples: number;
    /** Second-order prediction L̂(w) + ½·v·Σ h_i σ*_i² (loss units), what `mean` checks. */
    predicted: number;
    /** L̂(w) + the bound's curvature term (with the ρ allowance): ≥ predicted. */
    boundCurvature: number;
  };
  /** Total spent: gradient evaluations (HVPs count 2) and loss-only forward passes. */
  cost: { gradientEvaluations: number; lossEvaluations: number };
}

/** The report's settings with their defaults, checked before any gradient is spent. */
function pacgenSettings(obj: Objective, point: ArrayLike<number>, options: PacgenOptions) {
  const gamma = options.gamma ?? 0.1;
  const epsilon = options.epsilon ?? 0.1;
  const delta = options.delta ?? 0.05;
  const noise = options.noise ?? 'uniform';
  const seed = options.seed ?? 0;
  checkPositive('gamma', gamma);
  checkPositive('epsilon', epsilon);
  checkConfidence(delta);
  const n = options.trainSamples ?? obj.numSamples;
  checkSampleCount(n);
  noiseModel(noise);
  if (typeof options.rho === 'number') checkNonNegative('rho', options.rho, '>=');
  const mc = options.monteCarlo;
  if (
    mc !== undefined &&
    !(Number.isInteger(mc) && mc >= 4 && mc <= MAX_MONTE_CARLO_SAMPLES && mc % 2 === 0)
  ) {
    throw new PacgenError(
      `monteCarlo must be an even integer in [4, ${MAX_MONTE_CARLO_SAMPLES}] (loss evaluations), got ${mc}`,
    );
  }
  const w = checkPoint(obj, point);
  return { gamma, epsilon, delta, noise, seed, n, mc, w };
}

/** ρ: the given value, or `hessianLipschitz`'s estimate on the neighbourhood box. */
async function rhoPart(
  obj: Objective,
  w: Float64Array,
  options: PacgenOptions,
  s: { gamma: number; epsilon: number; seed: number },
): Promise<PacgenReport['rho']> {
  if (typeof options.rho === 'number') {
    return {
      value: options.rho,
      estimated: false,
      probes: 0,
      refine: 0,
      noise: null,
      cost: 0,
      health: null,
    };
  }
  const r = options.rho ?? {};
  const progress = options.onProgress;
  const est = await hessianLipschitz(obj, w, {
    gamma: s.gamma,
    epsilon: s.epsilon,
    probes: r.probes,
    refine: r.refine,
    step: r.step,
    richardson: r.richardson,
    onKink: r.onKink,
    // A different stream from the diagonal's probes.
    seed: s.seed + 1,
    onProgress: progress && ((done, total) => progress('rho', done, total)),
  });
  return {
    value: est.rho,
    estimated: true,
    probes: est.probes,
    refine: est.refine,
    noise: est.noise,
    cost: est.cost,
    health: est.health,
  };
}

/**
 * PACGen report for an objective at the parameter vector `point` (w, usually `obj.params()`):
 * the Hessian diagonal (exact or Hutchinson), ρ (given or estimated), Ψ, Ψ*, σ*, per-tensor
 * breakdown, the PAC-Bayes bound (which assumes a loss in [0, 1]; for cross-entropy it is a
 * score, not a guarantee) and optionally a Monte Carlo check of the expansion. Throws PacgenError on invalid settings before spending any gradient.
 *
 * Cost (gradient evaluations): 1 loss evaluation for L̂(w); diagonal 2m + 1 (exact) or 2K + 1
 * (Hutchinson), doubled HVPs with Richardson; ρ estimated 2·(2·probes·(1 + refine) + 1) + 1;
 * 2 more per step shrink at a kink (`diagonal.health`, `rho.health`); Monte Carlo
 * `monteCarlo` loss evaluations.
 */
export async function pacgen(
  obj: Objective,
  point: ArrayLike<number>,
  options: PacgenOptions = {},
): Promise<PacgenReport> {
  const { gamma, epsilon, delta, noise, seed, n, mc, w } = pacgenSettings(obj, point, options);
  const progress = options.onProgress;

  const trainLoss = await obj.loss(w);
  if (!Number.isFinite(trainLoss)) {
    throw new PacgenError(`the training loss at w is not finite (${trainLoss})`, {
      code: NON_FINITE,
    });
  }
  const d = options.diagonal ?? {};
  const diag = await hessianDiagonal(obj, w, {
    method: d.method ?? (obj.numParams <= EXACT_DIAGONAL_LIMIT ? 'exact' : 'hutchinson'),
    probes: d.probes,
    step: d.step,
    richardson: d.richardson,
    onKink: d.onKink,
    force: d.force,
    seed,
    onProgress: progress && ((done, total) => progress('diagonal', done, total)),
  });

  const rho = await rhoPart(obj, w, options, { gamma, epsilon, seed });

  const core = pacgenFromCurvature({
    w,
    h: diag.diagonal,
    rho: rho.value,
    n,
    gamma,
    epsilon,
    delta,
    noise,
    trainLoss,
    tensors: obj.tensors,
  });

  const report: PacgenReport = {
    ...core,
    trainLoss,
    numParams: obj.numParams,
    numSamples: obj.numSamples,
    precision: obj.precision,
    diagonal: {
      method: diag.method,
      probes: diag.probes,
      values: diag.diagonal,
      summary: summarizeVector(diag.diagonal),
      perTensor: summarizeByTensor(diag.diagonal, obj.tensors),
      stdErr: diag.stdErr && summarizeVector(diag.stdErr),
      cost: diag.cost,
      health: diag.health,
    },
    rho,
    cost: { gradientEvaluations: diag.cost + rho.cost, lossEvaluations: 1 },
  };

  if (mc !== undefined) {
    const est = await monteCarloPerturbedLoss(obj, w, core.sigmaStar, {
      samples: mc,
      seed: seed + 2,
      noise,
    });
    progress?.('monte-carlo', mc, mc);
    const v = noiseModel(noise).varianceFactor;
    const quad = Float64Array.from(diag.diagonal, (h, i) => h * core.sigmaStar[i] ** 2);
    report.monteCarlo = {
      mean: est.mean,
      stdErr: est.stdErr,
      samples: mc,
      predicted: trainLoss + 0.5 * v * sumRange(quad),
      boundCurvature: trainLoss + core.bound.curvatureTerm,
    };
    report.cost.lossEvaluations += est.cost.lossEvaluations;
  }
  return report;
}
