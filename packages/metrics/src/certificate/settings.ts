// The settings of `certify` with their defaults and checks, and the report it returns.

import { PacgenError } from '@pacgen/core-wasm';
import { checkChoice, checkConfidence, checkPositive } from '../checks.js';
import type { Summary } from '../summary.js';
import type { CertificateObjective } from './objective.js';
import type { PriorEpoch } from './learned-prior.js';
import {
  POSTERIOR_SCHEDULES,
  type OptimizationEpoch,
  type PosteriorSchedule,
} from './optimize-posterior.js';
import { DEFAULT_PRIOR_GRID, priorVariances, type PriorVarianceGrid } from './prior.js';
import { geometricScales, type ScalePoint, type ShrinkPoint } from './scale-search.js';

/**
 * [choice] The default Adam step of the optimized posterior's mean, per unit of the starting
 * posterior's mean σ. The minibatch gradient at one weight draw is mostly noise, and Adam turns
 * it into steps of about its learning rate in random directions: a random walk that the KL pays
 * for as ‖w_Q − w₀‖² grows. A step of σ̄/100 keeps an epoch's walk (√600 steps on MNIST) at
 * about a quarter of σ̄. It reproduces the earlier fixed 1e-3 on the MNIST CNN (σ̄ 0.096 at the
 * start) and gives 4e-4 on the 784-600-10 MLP (σ̄ 0.041), where 1e-3 ended 2 epochs at an
 * estimated bound of 0.350 and 3e-4 at 0.324 (docs/certificates.md).
 */
export const MEAN_STEP_PER_SIGMA = 0.01;

/** Where the optimized posterior starts (CertifyOptions.optimize.start). */
export type OptimizeStart = 'trained' | 'prior';

export const OPTIMIZE_STARTS: readonly OptimizeStart[] = ['trained', 'prior'];

/** [choice] σ of the start from the prior: Pérez-Ortiz et al.'s (2021) σ_prior for MNIST. */
export const PRIOR_START_SIGMA = 0.03;

/**
 * [choice] From the prior the mean moves by SGD with momentum 0.9 (Pérez-Ortiz et al. use 0.95)
 * and a step of PRIOR_START_STEP: measured on the 784-600-10 MLP in docs/certificates.md.
 */
export const PRIOR_START_MOMENTUM = 0.9;
export const PRIOR_START_STEP = 1e-2;

/**
 * [choice] The learned prior (CertifyOptions.learnedPrior): half the training samples for the
 * prior, as Pérez-Ortiz et al. (2021) do, and plain SGD with momentum on them from w₀, measured
 * on the 784-600-10 MLP in docs/certificates.md.
 */
export const LEARNED_PRIOR_DEFAULTS = {
  fraction: 0.5,
  epochs: 5,
  batchSize: 100,
  learningRate: 0.01,
  momentum: 0.95,
};

/** Seed offsets of certify: every stage draws from a stream of its own. */
export const STREAM = { curvature: 1, search: 2, optimize: 3, train: 4, test: 5, prior: 6 };

/** The posteriors a certificate can bound (docs/method.md §9). */
export type PosteriorKind = 'sigma-star' | 'isotropic' | 'optimized';

export const POSTERIOR_KINDS: readonly PosteriorKind[] = ['sigma-star', 'isotropic', 'optimized'];

export interface CertifyOptions {
  /** Total confidence δ ∈ (0, 1): every bound reported holds at once with probability ≥ 1 − δ (default 0.05). */
  delta?: number;
  /** Share of δ spent on the Monte Carlo (sample-convergence) bounds, in (0, 1) (default 0.2). */
  monteCarloShare?: number;
  /** Prior mean w₀: the run's initialisation (see initialisationPrior), or null for 0 (default). */
  priorMean?: Float64Array | null;
  /** The grid of prior variances λ (default DEFAULT_PRIOR_GRID). */
  priorGrid?: PriorVarianceGrid;
  /**
   * A data-dependent prior (see learnPriorMean; default none): its mean learned from
   * `priorMean` by SGD on the first ⌊fraction·n⌋ training samples (`fraction` in (0, 1)), the
   * bound then counting only the other samples (its n is n − k). Defaults:
   * LEARNED_PRIOR_DEFAULTS. Needs `priorMean` (an initialisation chosen without the data).
   */
  learnedPrior?: {
    fraction?: number;
    epochs?: number;
    batchSize?: number;
    learningRate?: number;
    momentum?: number;
  } | null;
  /** Posteriors to certify (default all three). */
  posteriors?: PosteriorKind[];
  /**
   * PACGen's σ*: curvature on `samples` training samples (default 1000), Hutchinson `probes`
   * (16), ρ from `rhoProbes` (4), γ, ε (0.1); or σ* itself as `shape` (e.g. from a `pacgen`
   * report already computed with the same n), which skips the curvature.
   */
  sigmaStar?: {
    shape?: Float64Array;
    samples?: number;
    probes?: number;
    rhoProbes?: number;
    gamma?: number;
    epsilon?: number;
  };
  /**
   * The scale searches: error estimated on the first `samples` training samples (default
   * min(n, 5000)); scales (increasing) for σ*'s shape (default 10⁻⁴ … 10, 16 points) and for the
   * isotropic σ (parameter units, default 10⁻⁵ … 1, 16 points); `refine` points (3) on each
   * side of the best.
   */
  search?: {
    samples?: number;
    sigmaStarScales?: number[];
    isotropicScales?: number[];
    refine?: number;
  };
  /**
   * The optimized posterior (see optimizePosterior; default 4 epochs of 100-sample batches, Adam
   * steps of a hundredth of the starting posterior's mean σ for the mean (`learningRate`,
   * parameter units; see MEAN_STEP_PER_SIGMA) and 1e-2 for ln σ and ln λ),
   * started from the mean shrunk towards the prior mean by the best of `shrinks` (and 1; see
   * searchShrink; default 0.8, 0.6, 0.45, 0.35, 0.25).
   */
  optimize?: {
    /**
     * Where the optimization starts: 'trained' (default) from the trained weights as above, or
     * 'prior' from the prior itself (mean w₀, σ = `priorSigma` in every coordinate, λ =
     * priorSigma²: KL 0), so that the mean moves from w₀ only as far as the bound's surrogate
     * pays for (Pérez-Ortiz et al. 2021; docs/certificates.md). The trained weights then serve
     * only as the reported network; the searches run only for the posteriors asked for.
     */
    start?: OptimizeStart;
    /** σ of the start from the prior (parameter units; default PRIOR_START_SIGMA). */
    priorSigma?: number;
    /**
     * SGD with this momentum for the mean instead of Adam (default: Adam from the trained
     * weights, SGD with momentum PRIOR_START_MOMENTUM from the prior).
     */
    momentum?: number;
    shrinks?: number[];
    epochs?: number;
    batchSize?: number;
    learningRate?: number;
    sigmaLearningRate?: number;
    /** How both steps change over the run (default 'constant'; see optimizePosterior). */
    schedule?: PosteriorSchedule;
  };
  /**
   * The Monte Carlo errors of each certificate: `passes` over the n training samples (default 1)
   * and `testPasses` over the test samples (default 1), with one weight draw per block of
   * samples sized for about `draws` draws in all (default 5,000: the sample-convergence bound
   * then adds about 0.02 to an error of 0.1), or per `samplesPerDraw` samples when given (both
   * rounded down to a divisor of the sample count). The scale searches draw once per
   * max(1, round(m/2000)) samples, where a draw costs about as much as that block's forward
   * pass.
   */
  monteCarlo?: { passes?: number; testPasses?: number; draws?: number; samplesPerDraw?: number };
  /** Seed of every draw (default 0). */
  seed?: number;
  /** Progress of each stage: (stage, done, total). */
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** The certificate of one posterior. */
export interface PosteriorCertificate {
  posterior: PosteriorKind;
  /** The global scale chosen by the bound (σ* and isotropic), null for the optimized one. */
  scale: number | null;
  /** Statistics of σ (parameter units). */
  sigma: Summary;
  /** ‖w_Q − w₀‖₂ of the posterior mean (parameter units). */
  meanDistance: number;
  /** The grid's prior variance λ with the lowest KL (parameter units²) and that KL (nats). */
  lambda: number;
  kl: number;
  monteCarlo: {
    /** Monte Carlo 0-1 error of Q on the n training samples, and its standard error. */
    error: number;
    stdErr: number;
    /** K weight draws, of `samplesPerDraw` samples each, over `passes` passes. */
    draws: number;
    samplesPerDraw: number;
    passes: number;
    /** The δ of this sample-convergence bound. */
    delta: number;
    /** klInverse(error, ln(2/δ)/K): an upper bound on the training error of Q. */
    errorBound: number;
  };
  pacBayes: {
    /** The δ of the PAC-Bayes-kl bound, shared by `gridSize` priors. */
    delta: number;
    gridSize: number;
    /** ln(2√n·J/δ) and (KL + it)/n (nats, nats per sample). */
    confidenceTerm: number;
    complexity: number;
  };
  /** The certificate: the test error of Q is at most this, with the report's confidence. */
  bound: number;
  /** The measured (Monte Carlo) test error of Q, a check of the bound; null without a test set. */
  test: { error: number; stdErr: number; draws: number } | null;
}

export interface CertificateReport {
  /** Training samples n, parameters m, test samples, arithmetic, seed. */
  n: number;
  m: number;
  numTestSamples: number;
  precision: 'f32' | 'f64';
  seed: number;
  /** How δ was spent: PAC-Bayes part (per prior of the grid) and Monte Carlo (per posterior). */
  delta: {
    total: number;
    pacBayes: number;
    perPrior: number;
    monteCarlo: number;
    perPosterior: number;
  };
  /**
   * The prior N(w₀, λI): w₀ given, 0 or learned (then `n` counts the held-out samples only),
   * the λ grid, and ‖w − w₀‖₂ of the trained weights.
   */
  prior: { mean: 'given' | 'zero' | 'learned'; grid: PriorVarianceGrid; distance: number };
  /**
   * The learned prior: k samples it learned from (training samples [0, k); the bound's n
   * samples are the rest), its SGD settings and per-epoch loss and error, and the 0-1 errors
   * of its mean on the held-out and test samples. Null without one.
   */
  learnedPrior: {
    samples: number;
    epochs: number;
    batchSize: number;
    learningRate: number;
    momentum: number;
    steps: number;
    history: PriorEpoch[];
    heldOutError: number;
    testError: number | null;
  } | null;
  /** 0-1 error rates of the trained (deterministic) network on the training and test samples. */
  mean: { trainError: number; testError: number | null };
  certificates: PosteriorCertificate[];
  /** The posterior with the lowest bound. */
  best: PosteriorKind;
  /** The scale searches, every point: the bound against the posterior scale. */
  scans: { posterior: PosteriorKind; points: ScalePoint[] }[];
  /** The optimization: the posterior it started from, per-epoch estimates, steps, final λ. */
  optimization: {
    /** The searched posterior it started from, or the prior itself. */
    start: PosteriorKind | 'prior';
    /**
     * The best point of each shrink α of the start's mean, and the α the optimization began at
     * (none, and α = 0, from the prior).
     */
    shrinks: ShrinkPoint[];
    shrink: number;
    /** From the prior: its σ (= √λ at the start); null from a searched posterior. */
    priorSigma: number | null;
    history: OptimizationEpoch[];
    steps: number;
    lambda: number;
    /** The steps taken: for the mean (Adam's, or SGD's with `momentum`) and Adam's for ln σ, ln λ. */
    learningRate: number;
    momentum: number | null;
    sigmaLearningRate: number;
    /** How both steps changed over the run: constant, or cosine-decayed to 0. */
    schedule: PosteriorSchedule;
  } | null;
  /** PACGen's σ* behind the σ* shape: samples, probes, Ψ*, η, curvature fraction. */
  sigmaStar: {
    samples: number;
    probes: number;
    psiStar: number;
    eta: number;
    curvatureFractionStar: number;
  } | null;
  /** Wall-clock seconds per step. */
  timings: { step: string; seconds: number }[];
  /** Forward passes (in passes over the n training samples) and minibatch gradient steps. */
  cost: { forwardPasses: number; gradientEvaluations: number };
}

function requireInt(name: string, x: number, min: number): number {
  if (!(Number.isInteger(x) && x >= min)) {
    throw new PacgenError(`${name} must be an integer >= ${min}, got ${x}`);
  }
  return x;
}

/**
 * The learned prior's settings with defaults filled in, and k, the samples it learns from; null
 * without one. Checked before any evaluation (PacgenError). `n`: all the training samples.
 */
export function checkLearnedPrior(options: CertifyOptions, n: number) {
  const lp = options.learnedPrior;
  if (!lp) return null;
  const d = LEARNED_PRIOR_DEFAULTS;
  const s = {
    fraction: lp.fraction ?? d.fraction,
    epochs: lp.epochs ?? d.epochs,
    batchSize: lp.batchSize ?? d.batchSize,
    learningRate: lp.learningRate ?? d.learningRate,
    momentum: lp.momentum ?? d.momentum,
  };
  if (!(s.fraction > 0 && s.fraction < 1)) {
    throw new PacgenError(`learnedPrior.fraction must be in (0, 1), got ${s.fraction}`);
  }
  const k = Math.floor(s.fraction * n);
  if (k < 1 || n - k < 8) {
    throw new PacgenError(
      `learnedPrior.fraction ${s.fraction} of ${n} samples leaves ${k} for the prior and ${n - k} for the bound: each needs some (the bound ≥ 8)`,
    );
  }
  requireInt('learnedPrior.epochs', s.epochs, 1);
  requireInt('learnedPrior.batchSize', s.batchSize, 1);
  checkPositive('learnedPrior.learningRate', s.learningRate);
  if (!(s.momentum >= 0 && s.momentum < 1)) {
    throw new PacgenError(`learnedPrior.momentum must be in [0, 1), got ${s.momentum}`);
  }
  if (!options.priorMean) {
    throw new PacgenError(
      'a learned prior starts from an initialisation chosen without the data: give priorMean (e.g. initialisationPrior)',
    );
  }
  return { ...s, k };
}

/** The learned prior's checked settings and k (checkLearnedPrior). */
export type LearnedPriorSettings = NonNullable<ReturnType<typeof checkLearnedPrior>>;

/** The options with defaults filled in, checked before any evaluation (PacgenError). */
export function checkCertifyOptions(options: CertifyOptions, obj: CertificateObjective) {
  const n = obj.numTrainSamples;
  const m = obj.numParams;
  const delta = options.delta ?? 0.05;
  checkConfidence(delta);
  const monteCarloShare = options.monteCarloShare ?? 0.2;
  if (!(monteCarloShare > 0 && monteCarloShare < 1)) {
    throw new PacgenError(`monteCarloShare must be in (0, 1), got ${monteCarloShare}`);
  }
  if (!(Number.isInteger(n) && n >= 8)) {
    throw new PacgenError(`a certificate needs n ≥ 8 training samples, got ${n}`);
  }
  const priorMean = options.priorMean ?? null;
  if (priorMean && priorMean.length !== m) {
    throw new PacgenError(
      `the prior mean has length ${priorMean.length}, the model ${m} parameters`,
    );
  }
  const priorGrid = options.priorGrid ?? DEFAULT_PRIOR_GRID;
  priorVariances(priorGrid);
  const posteriors = options.posteriors ?? [...POSTERIOR_KINDS];
  if (posteriors.length === 0 || posteriors.some((p) => !POSTERIOR_KINDS.includes(p))) {
    throw new PacgenError(`posteriors must be some of ${POSTERIOR_KINDS.join(', ')}`);
  }
  const ss = options.sigmaStar ?? {};
  if (ss.shape && (ss.shape.length !== m || ss.shape.some((x) => !(x > 0)))) {
    throw new PacgenError(`sigmaStar.shape must hold ${m} numbers > 0`);
  }
  const sigmaStar = {
    shape: ss.shape ?? null,
    samples: requireInt('sigmaStar.samples', Math.min(ss.samples ?? 1000, n), 2),
    probes: requireInt('sigmaStar.probes', ss.probes ?? 16, 1),
    rhoProbes: requireInt('sigmaStar.rhoProbes', ss.rhoProbes ?? 4, 1),
    gamma: ss.gamma ?? 0.1,
    epsilon: ss.epsilon ?? 0.1,
  };
  checkPositive('sigmaStar.gamma', sigmaStar.gamma);
  checkPositive('sigmaStar.epsilon', sigmaStar.epsilon);
  const se = options.search ?? {};
  const search = {
    samples: requireInt('search.samples', Math.min(se.samples ?? 5000, n), 1),
    sigmaStarScales: se.sigmaStarScales ?? geometricScales(1e-4, 10, 16),
    isotropicScales: se.isotropicScales ?? geometricScales(1e-5, 1, 16),
    refine: requireInt('search.refine', se.refine ?? 3, 0),
  };
  const op = options.optimize ?? {};
  const shrinks = op.shrinks ?? [0.8, 0.6, 0.45, 0.35, 0.25];
  if (shrinks.some((x) => !(x > 0 && x <= 1))) {
    throw new PacgenError(`optimize.shrinks must be in (0, 1], got ${shrinks.join(', ')}`);
  }
  const start = checkChoice('optimize.start', op.start ?? 'trained', OPTIMIZE_STARTS);
  const schedule = checkChoice('optimize.schedule', op.schedule ?? 'constant', POSTERIOR_SCHEDULES);
  const fromPrior = start === 'prior';
  const momentum = op.momentum ?? (fromPrior ? PRIOR_START_MOMENTUM : null);
  if (momentum !== null && !(momentum >= 0 && momentum < 1)) {
    throw new PacgenError(`optimize.momentum must be in [0, 1), got ${momentum}`);
  }
  const optimize = {
    start,
    priorSigma: op.priorSigma ?? PRIOR_START_SIGMA,
    /** Null: Adam for the mean. */
    momentum,
    shrinks,
    epochs: requireInt('optimize.epochs', op.epochs ?? 4, 1),
    batchSize: requireInt('optimize.batchSize', op.batchSize ?? 100, 1),
    /** Null: MEAN_STEP_PER_SIGMA times the starting posterior's mean σ, or PRIOR_START_STEP. */
    learningRate: op.learningRate ?? null,
    sigmaLearningRate: op.sigmaLearningRate ?? 1e-2,
    schedule,
  };
  if (optimize.learningRate !== null) {
    checkPositive('optimize.learningRate', optimize.learningRate);
  }
  checkPositive('optimize.sigmaLearningRate', optimize.sigmaLearningRate);
  checkPositive('optimize.priorSigma', optimize.priorSigma);
  const mc = options.monteCarlo ?? {};
  const passes = requireInt('monteCarlo.passes', mc.passes ?? 1, 1);
  const draws = requireInt('monteCarlo.draws', mc.draws ?? 5000, 1);
  const monteCarlo = {
    passes,
    testPasses: requireInt('monteCarlo.testPasses', mc.testPasses ?? 1, 0),
    samplesPerDraw: requireInt(
      'monteCarlo.samplesPerDraw',
      mc.samplesPerDraw ?? Math.max(1, Math.floor((n * passes) / draws)),
      1,
    ),
    searchSamplesPerDraw: Math.max(1, Math.round(m / 2000)),
  };
  const seed = requireInt('seed', options.seed ?? 0, 0);
  return {
    delta,
    monteCarloShare,
    priorMean,
    priorGrid,
    posteriors,
    sigmaStar,
    search,
    optimize,
    monteCarlo,
    seed,
    onProgress: options.onProgress,
  };
}

/** certify's options with defaults filled in (checkCertifyOptions). */
export type CertifySettings = ReturnType<typeof checkCertifyOptions>;
