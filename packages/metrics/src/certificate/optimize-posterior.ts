// The optimized posterior (Dziugaite & Roy 2017): a few epochs of gradient descent on a
// differentiable surrogate of the certificate's bound over the mean w, the log standard
// deviations ln σ and the log prior variance ln λ, from a starting posterior, with the
// reparametrization trick. docs/method.md §9.
//
// [choice] The surrogate is the bound's own form, klInverse(q, (KL + ln(2√n·J/δ))/n), with the
// 0-1 error replaced by a calibrated cross-entropy q = r·L_CE(Q): L_CE(Q) the cross-entropy of
// the stochastic network on the minibatch (differentiable through the draw), r the ratio of the
// running averages of the minibatch 0-1 error and of L_CE, so that q runs at the level of the
// 0-1 error the bound will count. Its gradient is dp/dq·r·∇L_CE + dp/dc·∇KL/n
// (klInverseGradient), at the running averages so one noisy minibatch does not swing the
// trade-off. An uncalibrated L_CE/ln 2 (an upper bound on the 0-1 loss) weighs the loss about
// five times too much against KL: on the 784-600-10 MLP three epochs of it raised KL from
// 7,523 to 9,200 nats for an eighth less error, and the bound rose.

import { checkChoice } from '../checks.js';
import { shuffledIndices } from '../data/shuffle.js';
import { adam, sgd } from '../optim/aliases.js';
import { cosineDecaySchedule } from '../optim/schedules.js';
import type { GradientTransformation, ScalarOrSchedule } from '../optim/types.js';
import { mixSeed } from '../optim/seeds.js';
import {
  bestPriorVariance,
  gaussianKl,
  gaussianKlSums,
  type GaussianKlSums,
} from './gaussian-kl.js';
import { drawWeights, NormalStream } from './gaussian-noise.js';
import { klInverseGradient } from './kl-inverse.js';
import type { CertificateObjective } from './objective.js';
import { pacBayesKlBound } from './pac-bayes-kl.js';

export interface OptimizePosteriorOptions {
  /** Starting posterior: mean w and standard deviations σ (parameter units). */
  mean: Float64Array;
  sigma: Float64Array;
  /** Starting prior variance λ (parameter units²), e.g. the grid's best for the start. */
  lambda: number;
  priorMean: Float64Array | null;
  priorVariances: readonly number[];
  /** The δ of the PAC-Bayes-kl part (n is the objective's training samples). */
  delta: number;
  /** Passes over the training samples (default 4). */
  epochs?: number;
  /** Training samples per step (default 100). */
  batchSize?: number;
  /**
   * Step of the mean: Adam's (parameter units, default 1e-3), or SGD's (parameter units per
   * gradient unit) when `meanMomentum` is given.
   */
  learningRate?: number;
  /**
   * SGD with this heavy-ball momentum μ ∈ [0, 1) for the mean instead of Adam (default: Adam).
   * Adam moves every coordinate by about its step whatever the size of its gradient, so from
   * the prior the noise of the minibatch gradient becomes a random walk of all m coordinates
   * away from w₀, which the KL pays for; SGD moves a coordinate in proportion to its gradient
   * (Pérez-Ortiz et al. 2021 train from the prior with SGD and momentum 0.95).
   */
  meanMomentum?: number;
  /** Adam step of ln σ and ln λ (default 1e-2). */
  sigmaLearningRate?: number;
  /**
   * How both steps change over the run: 'constant' (default), or 'cosine', decayed to 0 at the
   * last step (Loshchilov & Hutter). With a constant step the noise of each minibatch and
   * weight draw keeps the variables wandering once the gradient's pull is as small as that
   * noise, which the KL pays for; a decaying step lets them settle.
   */
  schedule?: PosteriorSchedule;
  seed: number;
  /** Called after each step with (steps done, steps planned). */
  onProgress?: (done: number, total: number) => void;
}

/** One epoch of the optimization, averaged over its steps. */
export interface OptimizationEpoch {
  epoch: number;
  /** Mean of the calibrated surrogate q = r·L_CE(Q) over the epoch's minibatches. */
  surrogate: number;
  /** Mean minibatch 0-1 error at the drawn weights (an estimate of the error of Q). */
  error: number;
  /** KL at the grid's best λ at the end of the epoch (nats). */
  kl: number;
  /** The PAC-Bayes-kl bound with `error` in place of its upper bound (an estimate). */
  bound: number;
}

export interface OptimizedPosterior {
  mean: Float64Array;
  sigma: Float64Array;
  /** The continuous λ the optimization ended at (the certificate uses the grid's best). */
  lambda: number;
  history: OptimizationEpoch[];
  steps: number;
  /** Minibatch gradient evaluations (one per step). */
  gradientEvaluations: number;
}

/** The step schedules of the optimized posterior. */
export const POSTERIOR_SCHEDULES = ['constant', 'cosine'] as const;
export type PosteriorSchedule = (typeof POSTERIOR_SCHEDULES)[number];

/** Decay of the running averages of the error and the loss, and how close to 0 or 1 q may come. */
const Q_AVERAGE = 0.98;
const Q_CLAMP = 1e-4;

/**
 * Minimises the surrogate bound over (w, ln σ, ln λ) with Adam, one weight draw w + σ⊙ε per
 * minibatch: ∂/∂w = the gradient g at the draw, ∂/∂ln σ = g⊙σ⊙ε, plus the KL's derivatives
 * (w − w₀)/λ, σ²/λ − 1 and ½(m − (Σσ² + Σ(w − w₀)²)/λ). Seeded: bit-for-bit repeatable.
 * Cost: epochs·⌈n/batchSize⌉ minibatch gradient evaluations and as many draws of m normals.
 */
export async function optimizePosterior(
  obj: CertificateObjective,
  options: OptimizePosteriorOptions,
): Promise<OptimizedPosterior> {
  const n = obj.numTrainSamples;
  const epochs = options.epochs ?? 4;
  const batchSize = Math.min(options.batchSize ?? 100, n);
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const gridSize = options.priorVariances.length;
  const st = startState(obj.numParams, options, epochs * stepsPerEpoch);
  const confidence = Math.log((2 * Math.sqrt(n) * gridSize) / options.delta);
  const history: OptimizationEpoch[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffledIndices(n, mixSeed(options.seed, epoch));
    let surrogateSum = 0;
    let errorSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const batch = order.subarray(s * batchSize, Math.min(n, (s + 1) * batchSize));
      const stream = new NormalStream(options.seed, epoch, s);
      const r = await posteriorStep(obj, st, batch, stream, (kl) => (kl + confidence) / n);
      surrogateSum += r.surrogate;
      errorSum += r.error;
      step++;
      options.onProgress?.(step, epochs * stepsPerEpoch);
    }
    const sums = gaussianKlSums(st.mean, st.sigma, st.w0);
    const grid = bestPriorVariance(sums, options.priorVariances);
    const error = errorSum / stepsPerEpoch;
    const pb = { empiricalError: error, kl: grid.kl, n, delta: options.delta, gridSize };
    const { bound } = pacBayesKlBound(pb);
    history.push({ epoch, surrogate: surrogateSum / stepsPerEpoch, error, kl: grid.kl, bound });
  }
  return {
    mean: st.mean,
    sigma: st.sigma,
    lambda: Math.exp(st.logLambda),
    history,
    steps: step,
    gradientEvaluations: step,
  };
}

/** The variables being optimized, their Adam states and the running sums of KL. */
interface PosteriorState {
  mean: Float64Array;
  logSigma: Float64Array;
  sigma: Float64Array;
  logLambda: number;
  w0: Float64Array | null;
  meanOpt: GradientTransformation<unknown[]>;
  scaleOpt: GradientTransformation<unknown[]>;
  meanState: unknown[];
  scaleState: unknown[];
  /** Σσ², Σ(w − w₀)², Σ ln σ² at the current variables, kept up to date by each step. */
  sums: GaussianKlSums;
  /** Running averages of the minibatch 0-1 error and cross-entropy (NaN before the first step). */
  errorAverage: number;
  lossAverage: number;
  weights: Float64Array;
  noise: Float64Array;
}

function startState(
  m: number,
  options: OptimizePosteriorOptions,
  totalSteps: number,
): PosteriorState {
  const mean = Float64Array.from(options.mean);
  const schedule = checkChoice('schedule', options.schedule ?? 'constant', POSTERIOR_SCHEDULES);
  const step = (value: number): ScalarOrSchedule =>
    schedule === 'cosine' ? cosineDecaySchedule({ value, steps: totalSteps }) : value;
  const learningRate = step(options.learningRate ?? 1e-3);
  const meanOpt =
    options.meanMomentum === undefined
      ? adam({ learningRate })
      : sgd({ learningRate, momentum: options.meanMomentum });
  const scaleOpt = adam({ learningRate: step(options.sigmaLearningRate ?? 1e-2) });
  return {
    mean,
    logSigma: Float64Array.from(options.sigma, Math.log),
    sigma: Float64Array.from(options.sigma),
    logLambda: Math.log(options.lambda),
    w0: options.priorMean,
    meanOpt,
    scaleOpt,
    meanState: meanOpt.init(mean),
    scaleState: scaleOpt.init(new Float64Array(m + 1)),
    sums: gaussianKlSums(mean, options.sigma, options.priorMean),
    errorAverage: NaN,
    lossAverage: NaN,
    weights: new Float64Array(m),
    noise: new Float64Array(m),
  };
}

/**
 * One step: a draw w + σ⊙ε, the minibatch gradient there, the surrogate's gradient in
 * (w, ln σ, ln λ) and the Adam updates. `budget` maps KL to the kl budget c.
 * Cost: 1 minibatch gradient evaluation, m normals, O(m) arithmetic.
 */
async function posteriorStep(
  obj: CertificateObjective,
  st: PosteriorState,
  batch: Int32Array,
  stream: NormalStream,
  budget: (kl: number) => number,
): Promise<{ surrogate: number; error: number }> {
  const m = st.mean.length;
  const n = obj.numTrainSamples;
  drawWeights(st.weights, st.mean, st.sigma, stream, st.noise);
  const g = await obj.gradient(st.weights, batch);
  const error = g.errors / batch.length;
  st.errorAverage = average(st.errorAverage, error);
  st.lossAverage = average(st.lossAverage, g.loss);
  const q = Math.min(1 - Q_CLAMP, Math.max(Q_CLAMP, st.errorAverage));
  const ratio = q / Math.max(st.lossAverage, Q_CLAMP);
  const lambda = Math.exp(st.logLambda);
  const c = budget(gaussianKl(st.sums, lambda));
  const { dq, dc } = klInverseGradient(q, c);
  const a = dq * ratio;
  const b = dc / n;
  const { mean, sigma, logSigma, noise, w0 } = st;
  const gMean = new Float64Array(m);
  const gScale = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) {
    const d = mean[i] - (w0 ? w0[i] : 0);
    gMean[i] = a * g.grad[i] + (b * d) / lambda;
    gScale[i] = a * g.grad[i] * sigma[i] * noise[i] + b * ((sigma[i] * sigma[i]) / lambda - 1);
  }
  const { sumVariance, sumSquaredDistance } = st.sums;
  gScale[m] = b * 0.5 * (m - (sumVariance + sumSquaredDistance) / lambda);
  const um = st.meanOpt.update(gMean, st.meanState, mean);
  const us = st.scaleOpt.update(gScale, st.scaleState);
  st.meanState = um.state;
  st.scaleState = us.state;
  let variance = 0;
  let squared = 0;
  let logs = 0;
  for (let i = 0; i < m; i++) {
    mean[i] += um.updates[i];
    logSigma[i] += us.updates[i];
    sigma[i] = Math.exp(logSigma[i]);
    const d = mean[i] - (w0 ? w0[i] : 0);
    variance += sigma[i] * sigma[i];
    squared += d * d;
    logs += 2 * logSigma[i];
  }
  st.logLambda += us.updates[m];
  st.sums = { m, sumVariance: variance, sumSquaredDistance: squared, sumLogVariance: logs };
  return { surrogate: ratio * g.loss, error };
}

/** The running average after one more value (the value itself at the start). */
function average(previous: number, value: number): number {
  return Number.isNaN(previous) ? value : Q_AVERAGE * previous + (1 - Q_AVERAGE) * value;
}
