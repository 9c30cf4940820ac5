// The optimized posterior (Dziugaite & Roy 2017): a few epochs of gradient descent on a
// differentiable surrogate of the certificate's bound over the mean w, the log standard
// deviations ln σ and the log prior variance ln λ, from a starting posterior, with the
// reparametrization trick. docs/method.md §9.
//
// [choice] The surrogate is the bound's own form, klInverse(q, (KL + ln(2√n·J/δ))/n), with the
// 0-1 error replaced by q = L_CE(Q)/ln 2, the cross-entropy of the stochastic network on the
// minibatch divided by ln 2 (an upper bound on the 0-1 loss: a wrong prediction has
// p_y ≤ ½). Its gradient is dp/dq·∇q + dp/dc·∇KL/n (klInverseGradient), with dp/dq and dp/dc at
// a running average of q so one noisy minibatch does not swing the trade-off.

import { Random } from '@pacgen/core-wasm';
import { adam } from '../optim/aliases.js';
import { mixSeed } from '../optim/seeds.js';
import { bestPriorVariance, gaussianKl, gaussianKlSums } from './gaussian-kl.js';
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
  /** Passes over the training samples (default 2). */
  epochs?: number;
  /** Training samples per step (default 100). */
  batchSize?: number;
  /** Adam step of the mean (parameter units, default 1e-4). */
  learningRate?: number;
  /** Adam step of ln σ and ln λ (default 1e-3). */
  sigmaLearningRate?: number;
  seed: number;
  /** Called after each step with (steps done, steps planned). */
  onProgress?: (done: number, total: number) => void;
}

/** One epoch of the optimization, averaged over its steps. */
export interface OptimizationEpoch {
  epoch: number;
  /** Mean of q = L_CE(Q)/ln 2 over the epoch's minibatches. */
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

/** Decay of the running average of q, and how close to 0 or 1 it may come. */
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
  const m = obj.numParams;
  const n = obj.numTrainSamples;
  const epochs = options.epochs ?? 2;
  const batchSize = Math.min(options.batchSize ?? 100, n);
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const gridSize = options.priorVariances.length;
  const w0 = options.priorMean;
  const mean = Float64Array.from(options.mean);
  const logSigma = Float64Array.from(options.sigma, Math.log);
  const sigma = Float64Array.from(options.sigma);
  let logLambda = Math.log(options.lambda);
  const meanOpt = adam({ learningRate: options.learningRate ?? 1e-4 });
  const scaleOpt = adam({ learningRate: options.sigmaLearningRate ?? 1e-3 });
  let meanState = meanOpt.init(mean);
  let scaleState = scaleOpt.init(new Float64Array(m + 1));
  const weights = new Float64Array(m);
  const noise = new Float64Array(m);
  const confidence = Math.log((2 * Math.sqrt(n) * gridSize) / options.delta);
  const history: OptimizationEpoch[] = [];
  const order = new Int32Array(n);
  let qAverage = NaN;
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = 0; i < n; i++) order[i] = i;
    new Random(mixSeed(options.seed, epoch)).shuffle(order);
    let surrogateSum = 0;
    let errorSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const batch = order.subarray(s * batchSize, Math.min(n, (s + 1) * batchSize));
      drawWeights(weights, mean, sigma, new NormalStream(options.seed, epoch, s), noise);
      const g = await obj.gradient(weights, batch);
      const q = g.loss / Math.LN2;
      surrogateSum += q;
      errorSum += g.errors / batch.length;
      qAverage = Number.isNaN(qAverage) ? q : Q_AVERAGE * qAverage + (1 - Q_AVERAGE) * q;
      const lambda = Math.exp(logLambda);
      const sums = gaussianKlSums(mean, sigma, w0);
      const c = (gaussianKl(sums, lambda) + confidence) / n;
      const qClamped = Math.min(1 - Q_CLAMP, Math.max(Q_CLAMP, qAverage));
      const { dq, dc } = klInverseGradient(qClamped, c);
      const a = dq / Math.LN2;
      const b = dc / n;
      const gMean = new Float64Array(m);
      const gScale = new Float64Array(m + 1);
      for (let i = 0; i < m; i++) {
        const d = mean[i] - (w0 ? w0[i] : 0);
        const v = sigma[i] * sigma[i];
        gMean[i] = a * g.grad[i] + (b * d) / lambda;
        gScale[i] = a * g.grad[i] * sigma[i] * noise[i] + b * (v / lambda - 1);
      }
      gScale[m] = b * 0.5 * (m - (sums.sumVariance + sums.sumSquaredDistance) / lambda);
      const um = meanOpt.update(gMean, meanState, mean);
      const us = scaleOpt.update(gScale, scaleState);
      meanState = um.state;
      scaleState = us.state;
      for (let i = 0; i < m; i++) {
        mean[i] += um.updates[i];
        logSigma[i] += us.updates[i];
        sigma[i] = Math.exp(logSigma[i]);
      }
      logLambda += us.updates[m];
      step++;
      options.onProgress?.(step, epochs * stepsPerEpoch);
    }
    const grid = bestPriorVariance(gaussianKlSums(mean, sigma, w0), options.priorVariances);
    const error = errorSum / stepsPerEpoch;
    const { bound } = pacBayesKlBound({
      empiricalError: error,
      kl: grid.kl,
      n,
      delta: options.delta,
      gridSize,
    });
    history.push({ epoch, surrogate: surrogateSum / stepsPerEpoch, error, kl: grid.kl, bound });
  }
  return {
    mean,
    sigma,
    lambda: Math.exp(logLambda),
    history,
    steps: step,
    gradientEvaluations: step,
  };
}
