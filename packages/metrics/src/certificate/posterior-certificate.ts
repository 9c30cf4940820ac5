// The certificate of one posterior Q = N(w, diag σ²): KL to the prior at the grid's best λ,
// the Monte Carlo error of Q on the n training samples and its sample-convergence bound, the
// PAC-Bayes-kl bound, and the measured test error of Q as a check. docs/method.md §9.

import { bestPriorVariance, gaussianKlSums } from './gaussian-kl.js';
import type { CertificateObjective } from './objective.js';
import { pacBayesKlBound } from './pac-bayes-kl.js';
import { sampleConvergenceBound } from './sample-convergence.js';
import {
  STREAM,
  type CertifySettings,
  type PosteriorCertificate,
  type PosteriorKind,
} from './settings.js';
import { minMeanMax, summarizeVector } from '../summary.js';
import { samplesPerDraw, stochasticError } from './stochastic-error.js';

/** A posterior ready to be certified. */
export interface Candidate {
  kind: PosteriorKind;
  mean: Float64Array;
  sigma: Float64Array;
  scale: number | null;
  /** σ = scale·shape for the searched posteriors. */
  shape: Float64Array | null;
}

/** 0-1 error rates of the deterministic network at w on the training and test samples. */
export async function meanErrorRates(obj: CertificateObjective, w: Float64Array) {
  const tr = await obj.evaluate(w, 'train', 0, obj.numTrainSamples);
  const te = obj.numTestSamples > 0 ? await obj.evaluate(w, 'test', 0, obj.numTestSamples) : null;
  return {
    trainError: tr.errors / obj.numTrainSamples,
    testError: te ? te.errors / obj.numTestSamples : null,
  };
}

/** The certificate of one posterior: KL at the grid's best λ, Monte Carlo errors, the bound. */
export async function certifyPosterior(
  obj: CertificateObjective,
  c: Candidate,
  ctx: {
    grid: number[];
    w0: Float64Array | null;
    deltaPb: number;
    deltaMc: number;
    block: number;
    s: CertifySettings;
  },
): Promise<PosteriorCertificate> {
  const { s } = ctx;
  const sums = gaussianKlSums(c.mean, c.sigma, ctx.w0);
  const prior = bestPriorVariance(sums, ctx.grid);
  const progress = (what: string) =>
    s.onProgress && ((d: number, t: number) => s.onProgress?.(`${what} ${c.kind}`, d, t));
  const train = await stochasticError(obj, {
    mean: c.mean,
    sigma: c.sigma,
    split: 'train',
    passes: s.monteCarlo.passes,
    samplesPerDraw: ctx.block,
    seed: s.seed * 8 + STREAM.train,
    onProgress: progress('train error'),
  });
  const errorBound = sampleConvergenceBound(train.error, train.draws, ctx.deltaMc);
  const pb = pacBayesKlBound({
    empiricalError: errorBound,
    kl: prior.kl,
    n: obj.numTrainSamples,
    delta: ctx.deltaPb,
    gridSize: ctx.grid.length,
  });
  let test: PosteriorCertificate['test'] = null;
  if (obj.numTestSamples > 0 && s.monteCarlo.testPasses > 0) {
    const te = await stochasticError(obj, {
      mean: c.mean,
      sigma: c.sigma,
      split: 'test',
      passes: s.monteCarlo.testPasses,
      samplesPerDraw: samplesPerDraw(obj.numTestSamples, s.monteCarlo.samplesPerDraw),
      seed: s.seed * 8 + STREAM.test,
      onProgress: progress('test error'),
    });
    test = { error: te.error, stdErr: te.stdErr, draws: te.draws };
  }
  return {
    posterior: c.kind,
    scale: c.scale,
    sigma: minMeanMax(summarizeVector(c.sigma)),
    meanDistance: Math.sqrt(sums.sumSquaredDistance),
    lambda: prior.lambda,
    kl: prior.kl,
    monteCarlo: {
      error: train.error,
      stdErr: train.stdErr,
      draws: train.draws,
      samplesPerDraw: train.samplesPerDraw,
      passes: train.passes,
      delta: ctx.deltaMc,
      errorBound,
    },
    pacBayes: {
      delta: ctx.deltaPb,
      gridSize: ctx.grid.length,
      confidenceTerm: pb.confidenceTerm,
      complexity: pb.complexity,
    },
    bound: pb.bound,
    test,
  };
}
