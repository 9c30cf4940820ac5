// certify: an upper bound on the test error of a trained classifier with a stated confidence.
// For each posterior Q = N(w, diag σ²) (PACGen's σ* shape and an isotropic σ, each with its
// scale chosen by the bound, and the optimized posterior) the 0-1 error of Q on all n training
// samples by Monte Carlo, bounded by the sample-convergence bound, then the PAC-Bayes-kl bound
// with the prior N(w₀, λI), λ from a fixed grid; optionally a prior whose mean is learned on
// part of the training samples, the bound then on the rest. docs/method.md §9.

import { PacgenError } from '@pacgen/core-wasm';
import { checkPoint } from '../checks.js';
import { pacgen } from '../pacgen/report.js';
import { gaussianKlSums } from './gaussian-kl.js';
import type { CertificateObjective } from './objective.js';
import { heldOutObjective, learnPriorMean } from './learned-prior.js';
import { optimizePosterior } from './optimize-posterior.js';
import { certifyPosterior, meanErrorRates, type Candidate } from './posterior-certificate.js';
import { priorVariances } from './prior.js';
import { geometricScales, searchScale, searchShrink, type ScalePoint } from './scale-search.js';
import { samplesPerDraw } from './stochastic-error.js';
import {
  checkCertifyOptions,
  checkLearnedPrior,
  MEAN_STEP_PER_SIGMA,
  PRIOR_START_STEP,
  type CertificateReport,
  type CertifyOptions,
  type CertifySettings,
  type LearnedPriorSettings,
  type PosteriorCertificate,
  type PosteriorKind,
  STREAM,
} from './settings.js';

export type { CertificateReport, CertifyOptions, PosteriorCertificate, PosteriorKind };

/**
 * The certificate of a trained classifier: for each requested posterior, KL to the prior, the
 * Monte Carlo error of Q on all n training samples and its sample-convergence bound, the
 * PAC-Bayes-kl bound on the test error of Q, and the measured test error of Q and of the mean.
 * With probability ≥ 1 − δ every bound reported holds at once: δ is split between the
 * PAC-Bayes part (shared by the λ grid through a union bound) and the Monte Carlo bounds (one
 * share per posterior). With `learnedPrior` the prior's mean is first learned on the first k
 * training samples and n is the other n − k (learnPriorMean). Seeded: the same inputs give the
 * same report bit for bit (timings aside). Throws PacgenError on invalid options before any
 * evaluation.
 *
 * Cost: σ* 2K + 1 + 4P + 3 gradient evaluations on `sigmaStar.samples` samples (K probes, P ρ
 * displacements); each scale search one forward pass over `search.samples` samples per scale;
 * the shrink search 6 more; the optimization epochs·⌈n/batch⌉ minibatch gradients; each
 * certificate `passes` forward passes over the n training samples and `testPasses` over the
 * test samples, and about `draws` draws of m normals; a learned prior
 * epochs·⌈k/batchSize⌉ minibatch gradients and one forward pass over the samples.
 */
export async function certify(
  all: CertificateObjective,
  w: ArrayLike<number>,
  options: CertifyOptions = {},
): Promise<CertificateReport> {
  const learned = checkLearnedPrior(options, all.numTrainSamples);
  // With a learned prior everything below sees only the samples the prior did not learn from.
  const obj = learned ? heldOutObjective(all, learned.k) : all;
  const s = checkCertifyOptions(options, obj);
  const run = startRun(obj, checkPoint(obj, w), s);
  if (learned) run.learnedPrior = await learnPrior(run, all, learned);
  const meanErrors = await run.timed('errors of the mean', () => meanErrorRates(obj, run.w));
  if (s.posteriors.includes('sigma-star')) {
    const shape = s.sigmaStar.shape ?? (await sigmaStarShape(run));
    await searchShape(run, 'sigma-star', shape, s.search.sigmaStarScales);
  }
  const optimized = s.posteriors.includes('optimized');
  const fromPrior = s.optimize.start === 'prior';
  if (s.posteriors.includes('isotropic') || (optimized && !fromPrior)) {
    const ones = new Float64Array(run.m).fill(1);
    await searchShape(run, 'isotropic', ones, s.search.isotropicScales);
  }
  if (optimized) await (fromPrior ? optimizeFromPrior(run) : optimizeFromBest(run));
  const chosen = run.candidates.filter((c) => s.posteriors.includes(c.kind));
  const deltaEach = run.deltaMc / chosen.length;
  const block = samplesPerDraw(run.n, s.monteCarlo.samplesPerDraw);
  const certificates: PosteriorCertificate[] = [];
  for (const c of chosen) {
    const step = `certificate (${c.kind})`;
    const ctx = { grid: run.grid, w0: run.w0, deltaPb: run.deltaPb, deltaMc: deltaEach, block, s };
    certificates.push(await run.timed(step, () => certifyPosterior(obj, c, ctx)));
  }
  let best = certificates[0];
  for (const c of certificates) if (c.bound < best.bound) best = c;
  const forward =
    (s.monteCarlo.passes * run.n + s.monteCarlo.testPasses * obj.numTestSamples) * chosen.length +
    run.scans.reduce((a, sc) => a + sc.points.length * s.search.samples, 0) +
    run.n +
    obj.numTestSamples;
  return {
    n: run.n,
    m: run.m,
    numTestSamples: obj.numTestSamples,
    precision: obj.precision,
    seed: s.seed,
    delta: {
      total: s.delta,
      pacBayes: run.deltaPb,
      perPrior: run.deltaPb / run.grid.length,
      monteCarlo: run.deltaMc,
      perPosterior: deltaEach,
    },
    prior: {
      mean: run.learnedPrior ? 'learned' : run.w0 ? 'given' : 'zero',
      grid: s.priorGrid,
      distance: Math.sqrt(gaussianKlSums(run.w, run.ones, run.w0).sumSquaredDistance),
    },
    mean: meanErrors,
    learnedPrior: run.learnedPrior,
    certificates,
    best: best.posterior,
    scans: run.scans,
    optimization: run.optimization,
    sigmaStar: run.sigmaStar,
    timings: run.timings,
    cost: { forwardPasses: forward / run.n, gradientEvaluations: run.optimization?.steps ?? 0 },
  };
}

/** What the stages of one certify call share, and what they add to the report. */
interface Run {
  obj: CertificateObjective;
  s: CertifySettings;
  n: number;
  m: number;
  w: Float64Array;
  w0: Float64Array | null;
  ones: Float64Array;
  grid: number[];
  deltaPb: number;
  deltaMc: number;
  candidates: Candidate[];
  scans: { posterior: PosteriorKind; points: ScalePoint[] }[];
  sigmaStar: CertificateReport['sigmaStar'];
  optimization: CertificateReport['optimization'];
  learnedPrior: CertificateReport['learnedPrior'];
  timings: { step: string; seconds: number }[];
  /** Runs a stage and records its wall-clock seconds. */
  timed<T>(step: string, stage: () => Promise<T>): Promise<T>;
}

function startRun(obj: CertificateObjective, w: Float64Array, s: CertifySettings): Run {
  const deltaMc = s.delta * s.monteCarloShare;
  const timings: Run['timings'] = [];
  return {
    obj,
    s,
    n: obj.numTrainSamples,
    m: obj.numParams,
    w,
    w0: s.priorMean,
    ones: new Float64Array(obj.numParams).fill(1),
    grid: priorVariances(s.priorGrid),
    deltaPb: s.delta - deltaMc,
    deltaMc,
    candidates: [],
    scans: [],
    sigmaStar: null,
    optimization: null,
    learnedPrior: null,
    timings,
    async timed(step, stage) {
      const t0 = performance.now();
      const out = await stage();
      timings.push({ step, seconds: (performance.now() - t0) / 1000 });
      return out;
    },
  };
}

/**
 * The learned prior: its mean trained from w₀ on training samples [0, k) of `all` (the run's
 * objective holds the rest), which becomes the run's prior mean; its errors as a check.
 */
async function learnPrior(
  run: Run,
  all: CertificateObjective,
  settings: LearnedPriorSettings,
): Promise<NonNullable<Run['learnedPrior']>> {
  const { s } = run;
  const { k, epochs, batchSize, learningRate, momentum } = settings;
  const sgd = { epochs, batchSize, learningRate, momentum };
  const r = await run.timed('learned prior', () =>
    learnPriorMean(all, run.w0 as Float64Array, k, {
      ...sgd,
      seed: s.seed * 8 + STREAM.prior,
      onProgress: s.onProgress && ((d, t) => s.onProgress?.('learn prior', d, t)),
    }),
  );
  run.w0 = r.mean;
  const errors = await run.timed('errors of the prior mean', () => meanErrorRates(run.obj, r.mean));
  return {
    samples: k,
    ...sgd,
    steps: r.steps,
    history: r.history,
    heldOutError: errors.trainError,
    testError: errors.testError,
  };
}

/** PACGen's σ* on a seeded subset, with the bound's n the whole training set's. */
async function sigmaStarShape(run: Run): Promise<Float64Array> {
  const { s, obj } = run;
  return run.timed('σ* (Hessian diagonal, ρ)', async () => {
    const seed = s.seed * 8 + STREAM.curvature;
    const sub = await obj.subsetObjective(s.sigmaStar.samples, seed);
    const r = await pacgen(sub, run.w, {
      trainSamples: run.n,
      delta: run.deltaPb,
      gamma: s.sigmaStar.gamma,
      epsilon: s.sigmaStar.epsilon,
      diagonal: { method: 'hutchinson', probes: s.sigmaStar.probes },
      rho: { probes: s.sigmaStar.rhoProbes },
      seed,
      onProgress: s.onProgress && ((st, d, t) => s.onProgress?.(`σ* ${st}`, d, t)),
    });
    run.sigmaStar = {
      samples: sub.numSamples,
      probes: s.sigmaStar.probes,
      psiStar: r.psiStar,
      eta: r.eta,
      curvatureFractionStar: r.curvatureFractionStar,
    };
    return r.sigmaStar;
  });
}

/** The scale search of one shape; adds its curve and its best posterior to the run. */
async function searchShape(
  run: Run,
  kind: PosteriorKind,
  shape: Float64Array,
  scales: number[],
): Promise<void> {
  const { s } = run;
  const r = await run.timed(`scale search (${kind})`, () =>
    searchScale(run.obj, {
      mean: run.w,
      shape,
      priorMean: run.w0,
      priorVariances: run.grid,
      delta: run.deltaPb,
      scales,
      refine: s.search.refine,
      samples: s.search.samples,
      samplesPerDraw: samplesPerDraw(s.search.samples, s.monteCarlo.searchSamplesPerDraw),
      seed: s.seed * 8 + STREAM.search,
      onProgress: s.onProgress && ((d, t) => s.onProgress?.(`search ${kind}`, d, t)),
    }),
  );
  run.scans.push({ posterior: kind, points: r.points });
  const sigma = Float64Array.from(shape, (x) => x * r.best.scale);
  run.candidates.push({ kind, mean: run.w, sigma, scale: r.best.scale, shape });
}

/**
 * The optimized posterior, started from the searched posterior with the lowest estimate, its
 * mean first pulled towards the prior mean by the best shrink (searchShrink).
 */
async function optimizeFromBest(run: Run): Promise<void> {
  const { s } = run;
  const start = bestScan(run.scans);
  const from = run.candidates.find((c) => c.kind === start.posterior) as Candidate;
  const scale = start.point.scale;
  const shrunk = await run.timed('shrink search', () =>
    searchShrink(run.obj, {
      mean: run.w,
      shape: from.shape as Float64Array,
      priorMean: run.w0,
      priorVariances: run.grid,
      delta: run.deltaPb,
      shrinks: [1, ...s.optimize.shrinks],
      scales: geometricScales(scale / 4, scale * 1.5, 7),
      refine: 2,
      samples: s.search.samples,
      samplesPerDraw: samplesPerDraw(s.search.samples, s.monteCarlo.searchSamplesPerDraw),
      seed: s.seed * 8 + STREAM.search,
      onProgress: s.onProgress && ((d, t) => s.onProgress?.('search shrink', d, t)),
    }),
  );
  const best = shrunk.best;
  const sigma = Float64Array.from(from.shape as Float64Array, (x) => x * best.scale);
  const learningRate = s.optimize.learningRate ?? MEAN_STEP_PER_SIGMA * best.meanSigma;
  const origin = {
    start: start.posterior,
    shrinks: shrunk.points,
    shrink: best.shrink,
    priorSigma: null,
  };
  await optimizeFrom(run, origin, { mean: shrunk.mean, sigma, lambda: best.lambda }, learningRate);
}

/**
 * The optimized posterior started from the prior itself: mean w₀ (or 0), σ = priorSigma in
 * every coordinate and λ = priorSigma², where KL is 0 (no search: the trained weights play no
 * part).
 */
async function optimizeFromPrior(run: Run): Promise<void> {
  const { s } = run;
  const sd = s.optimize.priorSigma;
  const mean = run.w0 ? Float64Array.from(run.w0) : new Float64Array(run.m);
  const sigma = new Float64Array(run.m).fill(sd);
  const learningRate = s.optimize.learningRate ?? PRIOR_START_STEP;
  const origin = { start: 'prior' as const, shrinks: [], shrink: 0, priorSigma: sd };
  await optimizeFrom(run, origin, { mean, sigma, lambda: sd * sd }, learningRate);
}

/** Runs the optimization from a starting posterior and adds its result to the run. */
async function optimizeFrom(
  run: Run,
  origin: Pick<NonNullable<Run['optimization']>, 'start' | 'shrinks' | 'shrink' | 'priorSigma'>,
  from: { mean: Float64Array; sigma: Float64Array; lambda: number },
  learningRate: number,
): Promise<void> {
  const { s } = run;
  const momentum = s.optimize.momentum;
  const r = await run.timed('optimized posterior', () =>
    optimizePosterior(run.obj, {
      ...from,
      priorMean: run.w0,
      priorVariances: run.grid,
      delta: run.deltaPb,
      epochs: s.optimize.epochs,
      batchSize: s.optimize.batchSize,
      learningRate,
      meanMomentum: momentum ?? undefined,
      sigmaLearningRate: s.optimize.sigmaLearningRate,
      schedule: s.optimize.schedule,
      seed: s.seed * 8 + STREAM.optimize,
      onProgress: s.onProgress && ((d, t) => s.onProgress?.('optimize', d, t)),
    }),
  );
  run.candidates.push({
    kind: 'optimized',
    mean: r.mean,
    sigma: r.sigma,
    scale: null,
    shape: null,
  });
  run.optimization = {
    ...origin,
    history: r.history,
    steps: r.steps,
    lambda: r.lambda,
    learningRate,
    momentum,
    sigmaLearningRate: s.optimize.sigmaLearningRate,
    schedule: s.optimize.schedule,
  };
}

/** The scan point with the lowest estimated bound, and its posterior. */
function bestScan(scans: { posterior: PosteriorKind; points: ScalePoint[] }[]) {
  let out: { posterior: PosteriorKind; point: ScalePoint } | null = null;
  for (const sc of scans) {
    for (const p of sc.points) {
      if (!out || p.bound < out.point.bound) out = { posterior: sc.posterior, point: p };
    }
  }
  if (!out) throw new PacgenError('no scale search ran before the optimization');
  return out;
}
