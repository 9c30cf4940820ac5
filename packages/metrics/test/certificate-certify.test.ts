// certify on a tiny trained classifier: the bound holds (above the measured test error of Q),
// every term is the one its pieces give, a seeded run repeats bit for bit, and the prior's
// mean is the initialisation the training started from.

import { Random } from '@pacgen/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  certify,
  drawWeights,
  heldOutObjective,
  initialisationPrior,
  klInverseGradient,
  learnPriorMean,
  networkCertificateObjective,
  NormalStream,
  optimizePosterior,
  pacBayesKlBound,
  sampleConvergenceBound,
  stochasticError,
  type CertificateObjective,
  type CertificateReport,
} from '../src/certificate/index.js';
import { type Dataset } from '../src/entries/data.js';
import { mlp } from '../src/entries/models.js';
import { adam, train } from '../src/entries/train.js';

/** Three 2-D Gaussian blobs (std 0.8) at radius 2, 120° apart: some overlap, so errors > 0. */
function blobs(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const angle = (2 * Math.PI * c) / 3;
    x[2 * i] = 2 * Math.cos(angle) + 0.8 * rng.normal();
    x[2 * i + 1] = 2 * Math.sin(angle) + 0.8 * rng.normal();
    y[i] = c;
  }
  return { name: 'blobs', x, y, n, inputShape: [2], numClasses: 3 };
}

const spec = mlp({ inputShape: [2], hidden: [8], numClasses: 3 });
const data = { train: blobs(3000, 1), test: blobs(3000, 2) };
const SEED = 5;
const OPTIONS = {
  search: { samples: 3000 },
  optimize: { epochs: 2, batchSize: 100, learningRate: 1e-3, sigmaLearningRate: 1e-2 },
  monteCarlo: { passes: 2, testPasses: 2 },
  sigmaStar: { samples: 500, probes: 8, rhoProbes: 2 },
  seed: 3,
};

let obj: CertificateObjective;
let prior: Float64Array;
let report: CertificateReport;

beforeAll(async () => {
  const run = await train({
    spec,
    data,
    optimizer: adam({ learningRate: 0.01 }),
    batchSize: 50,
    epochs: 3,
    seed: SEED,
    evalEvery: 0,
  });
  obj = await networkCertificateObjective({ spec, params: run.params, ...data });
  prior = await initialisationPrior(spec, SEED, 'f32');
  report = await certify(obj, obj.params(), { ...OPTIONS, priorMean: prior });
}, 60_000);

describe('certify on a tiny model (m = 51, n = 3,000)', () => {
  it('bounds the measured test error of Q for every posterior, far below 1', () => {
    expect(report.certificates.map((c) => c.posterior)).toEqual([
      'sigma-star',
      'isotropic',
      'optimized',
    ]);
    for (const c of report.certificates) {
      const test = c.test?.error as number;
      expect(test).toBeGreaterThan(0);
      expect(c.bound).toBeGreaterThan(test);
      expect(c.bound).toBeLessThan(0.5);
    }
    const best = report.certificates.find((c) => c.posterior === report.best);
    expect(best?.bound).toBe(Math.min(...report.certificates.map((c) => c.bound)));
  });

  it('spends δ = 0.05 as 0.04 on the PAC-Bayes part (over 10,001 priors) and 0.01/3 per Monte Carlo bound', () => {
    expect(report.delta.total).toBe(0.05);
    expect(report.delta.pacBayes).toBeCloseTo(0.04, 15);
    expect(report.delta.perPrior).toBeCloseTo(0.04 / 10001, 18);
    expect(report.delta.perPosterior).toBeCloseTo(0.01 / 3, 15);
  });

  it('each bound is the PAC-Bayes-kl bound of its terms, and the Monte Carlo error its own recount', async () => {
    for (const c of report.certificates) {
      const mc = c.monteCarlo;
      expect(mc.errorBound).toBe(sampleConvergenceBound(mc.error, mc.draws, mc.delta));
      expect(mc.draws).toBe((mc.passes * 3000) / mc.samplesPerDraw);
      const pb = pacBayesKlBound({
        empiricalError: mc.errorBound,
        kl: c.kl,
        n: 3000,
        delta: c.pacBayes.delta,
        gridSize: c.pacBayes.gridSize,
      });
      expect(c.bound).toBe(pb.bound);
      expect(c.pacBayes.complexity).toBe(pb.complexity);
      expect(c.bound).toBeGreaterThanOrEqual(mc.errorBound);
      expect(mc.errorBound).toBeGreaterThanOrEqual(mc.error);
    }
  });

  it('starts the optimized posterior from the best shrink of the mean towards the prior', () => {
    const o = report.optimization!;
    expect(o.shrinks.map((p) => p.shrink)).toEqual([1, 0.8, 0.6, 0.45, 0.35, 0.25]);
    const best = o.shrinks.reduce((a, b) => (b.bound < a.bound ? b : a));
    expect(o.shrink).toBe(best.shrink);
    expect(o.steps).toBe(2 * 30);
    expect(o.history.map((h) => h.epoch)).toEqual([1, 2]);
  });

  it('with σ → 0 the stochastic error is the trained network’s error', async () => {
    const w = obj.params();
    const r = await stochasticError(obj, {
      mean: w,
      sigma: new Float64Array(w.length),
      split: 'train',
      samplesPerDraw: 100,
      seed: 0,
    });
    expect(r.error).toBeCloseTo(report.mean.trainError, 15);
    expect(r.draws).toBe(30);
  });

  it('repeats bit for bit with the same seed', async () => {
    const again = await certify(obj, obj.params(), { ...OPTIONS, priorMean: prior });
    const strip = (r: CertificateReport) => ({ ...r, timings: [] });
    expect(strip(again)).toEqual(strip(report));
  });

  it('the prior mean is the initialisation of the run (0 epochs of training leave it)', async () => {
    const run = await train({
      spec,
      data,
      optimizer: adam(),
      batchSize: 50,
      epochs: 0,
      seed: SEED,
      evalEvery: 0,
    });
    expect(Array.from(prior)).toEqual(Array.from(run.params));
    expect(report.prior.mean).toBe('given');
  });

  it('refuses bad input with one clear error each, before any evaluation', async () => {
    const w = obj.params();
    for (const delta of [0, 1, -0.1, 1.5, Number.NaN]) {
      await expect(certify(obj, w, { delta })).rejects.toThrow(
        new RegExp(`^delta must be in \\(0, 1\\), got ${delta}$`),
      );
    }
    await expect(certify(obj, w, { priorMean: new Float64Array(3) })).rejects.toThrow(
      /^the prior mean has length 3, the model 51 parameters$/,
    );
    // Labels the network's outputs do not cover: 4 classes for a 3-output model.
    const four = { ...data.train, y: Int32Array.from(data.train.y, (_, i) => i % 4) };
    await expect(
      networkCertificateObjective({ spec, params: w, train: { ...four, numClasses: 4 } }),
    ).rejects.toThrow(/^label 3 of sample 3 is outside the 3 classes \[0, 2\]$/);
    // Real-valued targets have no 0-1 error to bound.
    const real = { ...data.train, y: Float32Array.from(data.train.y) };
    await expect(networkCertificateObjective({ spec, params: w, train: real })).rejects.toThrow(
      /class labels needed/,
    );
  });
});

describe('the optimized posterior started from the prior (optimize.start = prior)', () => {
  const FROM_PRIOR = {
    ...OPTIONS,
    posteriors: ['optimized' as const],
    optimize: { start: 'prior' as const, epochs: 4, batchSize: 100, sigmaLearningRate: 1e-2 },
  };
  let fromPrior: CertificateReport;
  beforeAll(async () => {
    fromPrior = await certify(obj, obj.params(), { ...FROM_PRIOR, priorMean: prior });
  }, 60_000);

  it('runs no search, starts at KL 0 and certifies a bound above the measured test error of Q', () => {
    const o = fromPrior.optimization!;
    expect(fromPrior.scans).toEqual([]);
    expect(o.start).toBe('prior');
    expect(o.shrinks).toEqual([]);
    expect(o.priorSigma).toBe(0.03);
    // The defaults from the prior: SGD with momentum 0.9 and a step of 1e-2 for the mean.
    expect(o.momentum).toBe(0.9);
    expect(o.learningRate).toBe(1e-2);
    expect(o.steps).toBe(4 * 30);
    const c = fromPrior.certificates[0];
    expect(c.posterior).toBe('optimized');
    expect(c.bound).toBeGreaterThan(c.test?.error as number);
    expect(c.bound).toBeLessThan(0.5);
    // The mean moved from w₀ by less than the trained weights did.
    expect(c.meanDistance).toBeGreaterThan(0);
    expect(c.meanDistance).toBeLessThan(report.prior.distance);
  });

  it('repeats bit for bit with the same seed', async () => {
    const again = await certify(obj, obj.params(), { ...FROM_PRIOR, priorMean: prior });
    const strip = (r: CertificateReport) => ({ ...r, timings: [] });
    expect(strip(again)).toEqual(strip(fromPrior));
  });

  it('refuses a start that is not trained or prior, a momentum outside [0, 1) and σ ≤ 0', async () => {
    const w = obj.params();
    const bad = (optimize: object) => certify(obj, w, { optimize } as never);
    await expect(bad({ start: 'init' })).rejects.toThrow(
      /^optimize\.start must be one of trained, prior$/,
    );
    await expect(bad({ momentum: 1 })).rejects.toThrow(
      /^optimize\.momentum must be in \[0, 1\), got 1$/,
    );
    await expect(bad({ start: 'prior', priorSigma: 0 })).rejects.toThrow(/priorSigma/);
  });

  it('its first SGD step from the prior is −lr·(∂p/∂q)·(q/L)·∇L at the draw (KL 0: no pull to w₀)', async () => {
    // One full-batch step (batch = n): q = the 0-1 error and L the cross-entropy at the draw
    // w₀ + σε (the running averages start at those values), c = ln(2√n·J/δ)/n at KL 0.
    const n = obj.numTrainSamples;
    const m = obj.numParams;
    const sd = 0.03;
    const lr = 0.05;
    const grid = [sd * sd];
    const delta = 0.04;
    const r = await optimizePosterior(obj, {
      mean: prior,
      sigma: new Float64Array(m).fill(sd),
      lambda: sd * sd,
      priorMean: prior,
      priorVariances: grid,
      delta,
      epochs: 1,
      batchSize: n,
      learningRate: lr,
      meanMomentum: 0.9,
      seed: 7,
    });
    const sigma = new Float64Array(m).fill(sd);
    const draw = drawWeights(new Float64Array(m), prior, sigma, new NormalStream(7, 1, 0));
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const g = await obj.gradient(draw, all);
    const q = g.errors / n;
    const c = Math.log((2 * Math.sqrt(n)) / delta) / n;
    const a = klInverseGradient(q, c).dq * (q / g.loss);
    for (let i = 0; i < m; i++) {
      expect(r.mean[i] - prior[i]).toBeCloseTo(-lr * a * g.grad[i], 6);
    }
  });

  it('a cosine schedule takes the full first step and half the second of two (cos π/2), in w and ln σ', async () => {
    // Full-batch steps, one an epoch: both runs agree after step 1 (cosine starts at the full
    // step) and take step 2 from the same state with the same draw, so its cosine step is
    // exactly ½(1 + cos(π/2)) = ½ of the constant one, for the SGD mean and Adam's ln σ alike.
    const n = obj.numTrainSamples;
    const m = obj.numParams;
    const sd = 0.03;
    const run = (epochs: number, schedule: 'constant' | 'cosine') =>
      optimizePosterior(obj, {
        mean: prior,
        sigma: new Float64Array(m).fill(sd),
        lambda: sd * sd,
        priorMean: prior,
        priorVariances: [sd * sd],
        delta: 0.04,
        epochs,
        batchSize: n,
        learningRate: 0.05,
        meanMomentum: 0.9,
        schedule,
        seed: 7,
      });
    const one = await run(1, 'constant');
    const constant = await run(2, 'constant');
    const cosine = await run(2, 'cosine');
    expect((await run(1, 'cosine')).mean).toEqual(one.mean);
    let moved = 0;
    for (let i = 0; i < m; i++) {
      const full = constant.mean[i] - one.mean[i];
      moved = Math.max(moved, Math.abs(full));
      expect(cosine.mean[i] - one.mean[i]).toBeCloseTo(0.5 * full, 12);
      const fullLog = Math.log(constant.sigma[i]) - Math.log(one.sigma[i]);
      expect(Math.log(cosine.sigma[i]) - Math.log(one.sigma[i])).toBeCloseTo(0.5 * fullLog, 12);
    }
    expect(moved).toBeGreaterThan(1e-4);
  });

  it('keeps the weights of an input that is always 0 at w₀ with σ² near λ: they cost almost no KL', async () => {
    // The blobs with a third input fixed at 0 (as MNIST's blank border pixels): its kernel row
    // gets no gradient, so SGD leaves its mean at w₀ and ln σ follows λ (here λ grows 3.6-fold
    // and those σ 1.89-fold; σ left at its start would cost 0.36 nats a weight).
    const widen = (d: Dataset): Dataset => {
      const x = new Float32Array(3 * d.n);
      for (let i = 0; i < d.n; i++) x.set([d.x[2 * i], d.x[2 * i + 1], 0], 3 * i);
      return { ...d, x, inputShape: [3] };
    };
    const spec3 = mlp({ inputShape: [3], hidden: [8], numClasses: 3 });
    const w0 = await initialisationPrior(spec3, SEED, 'f32');
    const o3 = await networkCertificateObjective({
      spec: spec3,
      params: w0,
      train: widen(data.train),
    });
    const sd = 0.03;
    const r = await optimizePosterior(o3, {
      mean: w0,
      sigma: new Float64Array(o3.numParams).fill(sd),
      lambda: sd * sd,
      priorMean: w0,
      priorVariances: [sd * sd],
      delta: 0.04,
      epochs: 4,
      learningRate: 0.01,
      meanMomentum: 0.9,
      seed: 1,
    });
    const kernel = o3.tensors[0];
    expect(kernel.shape).toEqual([3, 8]);
    const zeroRow = Array.from({ length: 8 }, (_, j) => kernel.offset + 2 * 8 + j);
    const lambda = r.lambda;
    let moved = 0;
    for (const i of zeroRow) {
      expect(r.mean[i]).toBe(w0[i]);
      const ratio = (r.sigma[i] * r.sigma[i]) / lambda;
      // Their KL ½(σ²/λ − 1 − ln(σ²/λ)) per weight: under 1e-3 nats.
      expect(0.5 * (ratio - 1 - Math.log(ratio))).toBeLessThan(1e-3);
    }
    for (let j = 0; j < 8; j++)
      moved += Math.abs(r.mean[kernel.offset + j] - w0[kernel.offset + j]);
    expect(moved).toBeGreaterThan(0.01);
  });
});

describe('a prior learned on part of the training data (learnedPrior)', () => {
  const LEARNED = {
    ...OPTIONS,
    posteriors: ['optimized' as const],
    optimize: { start: 'prior' as const, epochs: 2, batchSize: 100 },
    learnedPrior: { fraction: 0.4, epochs: 2, batchSize: 50 },
  };
  let learned: CertificateReport;
  beforeAll(async () => {
    learned = await certify(obj, obj.params(), { ...LEARNED, priorMean: prior });
  }, 60_000);

  it('bounds with n the held-out 1,800 samples, above the measured test error of Q', () => {
    expect(learned.n).toBe(1800);
    expect(learned.prior.mean).toBe('learned');
    const p = learned.learnedPrior!;
    expect(p.samples).toBe(1200);
    expect(p.steps).toBe(2 * 24);
    const c = learned.certificates[0];
    expect(c.monteCarlo.draws * c.monteCarlo.samplesPerDraw).toBe(2 * 1800); // 2 passes
    expect(c.bound).toBe(
      pacBayesKlBound({
        empiricalError: c.monteCarlo.errorBound,
        kl: c.kl,
        n: 1800,
        delta: c.pacBayes.delta,
        gridSize: c.pacBayes.gridSize,
      }).bound,
    );
    expect(c.bound).toBeGreaterThan(c.test?.error as number);
    // The learned prior's mean classifies about as well as the trained network (errors of
    // about 0.1 on these overlapping blobs), far better than w₀ (chance: 2/3).
    expect(p.heldOutError).toBeLessThan(0.2);
    expect(p.testError as number).toBeLessThan(0.2);
  });

  it('its mean is w₀ after SGD on the first k samples only: the held-out samples play no part', async () => {
    // The same SGD by hand over an objective whose samples after k are relabelled: same mean.
    const k = 1200;
    const relabelled = {
      ...data.train,
      y: Int32Array.from(data.train.y, (c, i) => (i < k ? c : (c + 1) % 3)),
    };
    const other = await networkCertificateObjective({
      spec,
      params: obj.params(),
      train: relabelled,
    });
    const opts = { epochs: 2, batchSize: 50, learningRate: 0.01, momentum: 0.95, seed: 1 };
    const a = await learnPriorMean(obj, prior, k, opts);
    const b = await learnPriorMean(other, prior, k, opts);
    expect(Array.from(b.mean)).toEqual(Array.from(a.mean));
    expect(a.history[1].error).toBeLessThan(a.history[0].error + 0.05);
    // One full-batch step by hand: w₀ − lr·∇L (the seeded order sums the f32 gradient in
    // another order: equal to f32 rounding).
    const one = await learnPriorMean(obj, prior, k, { ...opts, epochs: 1, batchSize: k });
    const all = Int32Array.from({ length: k }, (_, i) => i);
    const g = await obj.gradient(prior, all);
    for (let i = 0; i < prior.length; i++) {
      const step = 0.01 * g.grad[i];
      expect(Math.abs(one.mean[i] - (prior[i] - step))).toBeLessThanOrEqual(
        1e-5 * Math.abs(step) + 1e-12,
      );
    }
  });

  it('the held-out objective is samples [k, n) of the whole one', async () => {
    const held = heldOutObjective(obj, 1000);
    const w = obj.params();
    expect(held.numTrainSamples).toBe(2000);
    expect(await held.evaluate(w, 'train', 5, 300)).toEqual(
      await obj.evaluate(w, 'train', 1005, 300),
    );
    const g1 = await held.gradient(w, Int32Array.of(0, 7, 1999));
    const g2 = await obj.gradient(w, Int32Array.of(1000, 1007, 2999));
    expect(Array.from(g1.grad)).toEqual(Array.from(g2.grad));
    await expect(held.evaluate(w, 'train', 1990, 20)).rejects.toThrow(
      /^samples \[1990, 2010\) are outside the 2000 held-out samples$/,
    );
    await expect(held.gradient(w, Int32Array.of(2000))).rejects.toThrow(
      /outside the 2000 held-out/,
    );
  });

  it('repeats bit for bit, and refuses a fraction outside (0, 1) or no start', async () => {
    const again = await certify(obj, obj.params(), { ...LEARNED, priorMean: prior });
    const strip = (r: CertificateReport) => ({ ...r, timings: [] });
    expect(strip(again)).toEqual(strip(learned));
    const w = obj.params();
    for (const fraction of [0, 1, 1.5]) {
      await expect(
        certify(obj, w, { learnedPrior: { fraction }, priorMean: prior }),
      ).rejects.toThrow(
        new RegExp(`^learnedPrior\\.fraction must be in \\(0, 1\\), got ${fraction}$`),
      );
    }
    await expect(certify(obj, w, { learnedPrior: { fraction: 0.5 } })).rejects.toThrow(
      /^a learned prior starts from an initialisation chosen without the data/,
    );
  });
});
