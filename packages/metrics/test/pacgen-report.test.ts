import { Network, PacgenError, Random, type NetworkSpec } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import {
  hessianDiagonal,
  hessianLipschitz,
  monteCarloPerturbedLoss,
  networkObjective,
  noiseModel,
  pacgen,
  pacgenFromCurvature,
  type Objective,
} from '../src/index.js';

async function makeObjective(spec: NetworkSpec, n: number, seed: number): Promise<Objective> {
  const net = await Network.create(spec, { precision: 'f64' });
  net.initParams(seed);
  const rng = new Random(seed + 100);
  const c = net.compiled;
  const x = Array.from({ length: n * c.inputSize }, () => 2 * rng.normal());
  const y = c.targetIsLabel
    ? Array.from({ length: n }, () => rng.int(c.outputSize))
    : Array.from({ length: n * c.outputSize }, () => rng.normal());
  net.setData(x, y);
  return networkObjective(net);
}

async function exactDiagonal(obj: Objective, w: Float64Array): Promise<Float64Array> {
  const h = new Float64Array(w.length);
  const e = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    e[i] = 1;
    h[i] = (await obj.hvp(w, e))[i];
    e[i] = 0;
  }
  return h;
}

/** Counts every call, to check that bad settings fail before any gradient is spent. */
function counting(obj: Objective): Objective & { calls: number } {
  const wrapped = {
    ...obj,
    calls: 0,
    params: () => obj.params(),
    loss: (w: ArrayLike<number>) => (wrapped.calls++, obj.loss(w)),
    gradient: (w: ArrayLike<number>) => (wrapped.calls++, obj.gradient(w)),
    hvp: (w: ArrayLike<number>, v: ArrayLike<number>) => (wrapped.calls++, obj.hvp(w, v)),
  };
  return wrapped;
}

const smooth: NetworkSpec = {
  inputShape: [3],
  layers: [
    { type: 'dense', name: 'h', units: 6, activation: 'tanh' },
    { type: 'dense', name: 'out', units: 3 },
  ],
  loss: 'softmax-cross-entropy',
};

describe('pacgen(): the orchestrator on an engine network (f64)', () => {
  // ε = 1 so that a good share of coordinates reach the curvature branch of Ψ.
  const settings = { gamma: 0.1, epsilon: 1, delta: 0.05 };

  it('exact diagonal: Ψ, Ψ*, σ* equal pacgenFromCurvature on the exact diagonal', async () => {
    const obj = await makeObjective(smooth, 40, 1);
    const w = obj.params();
    const h = await exactDiagonal(obj, w);
    const report = await pacgen(obj, obj.params(), { ...settings, rho: 0.5 });
    const ref = pacgenFromCurvature({ w, h, rho: 0.5, n: 40, ...settings });
    expect(report.curvatureFraction).toBeGreaterThan(0.2);
    expect(Math.abs(report.psi - ref.psi)).toBeLessThan(1e-9);
    expect(Math.abs(report.psiStar - ref.psiStar)).toBeLessThan(1e-9);
    report.sigmaStar.forEach((s, i) => expect(s / ref.sigmaStar[i]).toBeCloseTo(1, 9));
    expect(report.trainLoss).toBeCloseTo(await obj.loss(w), 14);
    expect(report.bound.trainLoss).toBe(report.trainLoss);
    expect(report.numParams).toBe(45);
    expect(report.numSamples).toBe(40);
    expect(report.rho).toMatchObject({ value: 0.5, estimated: false, cost: 0 });
    expect(report.diagonal.method).toBe('exact');
    expect(report.diagonal.stdErr).toBeNull();
    expect(report.diagonal.perTensor.map((t) => t.name)).toEqual([
      'h/kernel',
      'h/bias',
      'out/kernel',
      'out/bias',
    ]);
    expect(report.perTensor!.map((t) => t.size)).toEqual([18, 6, 18, 3]);
    // 2m HVP gradients + 1 check; 1 loss evaluation.
    expect(report.cost).toEqual({ gradientEvaluations: 2 * 45 + 1, lossEvaluations: 1 });
  });

  it("the bound's n is trainSamples (the training set) when the curvature is on a subset", async () => {
    const obj = await makeObjective(smooth, 40, 1);
    const w = obj.params();
    const h = await exactDiagonal(obj, w);
    const report = await pacgen(obj, obj.params(), { ...settings, rho: 0.5, trainSamples: 60000 });
    const ref = pacgenFromCurvature({ w, h, rho: 0.5, n: 60000, ...settings });
    const at40 = pacgenFromCurvature({ w, h, rho: 0.5, n: 40, ...settings });
    expect(report.ingredients.n).toBe(60000);
    expect(report.numSamples).toBe(40);
    expect(Math.abs(report.psiStar - ref.psiStar)).toBeLessThan(1e-9);
    expect(Math.abs(report.bound.complexityTerm - ref.bound.complexityTerm)).toBeLessThan(1e-12);
    // n = 60,000 instead of 40: a smaller η, so a larger Ψ* and a much smaller complexity term.
    expect(report.psiStar).toBeGreaterThan(at40.psiStar);
    expect(report.bound.complexityTerm).toBeLessThan(at40.bound.complexityTerm / 10);
    await expect(pacgen(obj, obj.params(), { trainSamples: 1 })).rejects.toThrow(
      /must be an integer >= 2/,
    );
  });

  it('Hutchinson diagonal: Ψ within the interval its standard errors allow', async () => {
    const obj = await makeObjective(smooth, 40, 1);
    const w = obj.params();
    const h = await exactDiagonal(obj, w);
    const probes = 400;
    // ρ = 0 and ε = 5: about half the coordinates on the curvature branch, so Ψ depends on ĥ.
    const settings = { gamma: 0.1, epsilon: 5, delta: 0.05 };
    const report = await pacgen(obj, obj.params(), {
      ...settings,
      rho: 0,
      diagonal: { method: 'hutchinson', probes },
      seed: 3,
    });
    expect(report.diagonal.probes).toBe(probes);
    expect(report.diagonal.stdErr).not.toBeNull();
    const exact = pacgenFromCurvature({ w, h, rho: 0, n: 40, ...settings });
    expect(exact.curvatureFraction).toBeGreaterThan(0.3);
    expect(exact.curvatureFraction).toBeLessThan(0.7);
    // Ψ is non-decreasing in every h_i: h ± 5·stdErr brackets it whenever every coordinate
    // is within 5 standard errors.
    const hHat = new Float64Array(w.length);
    const lo = new Float64Array(w.length);
    const hi = new Float64Array(w.length);
    // ĥ and its standard error from the estimator itself, with the report's seed.
    const d = await hessianDiagonal(obj, w, { method: 'hutchinson', probes, seed: 3 });
    for (let i = 0; i < w.length; i++) {
      hHat[i] = d.diagonal[i];
      lo[i] = hHat[i] - 5 * d.stdErr![i];
      hi[i] = hHat[i] + 5 * d.stdErr![i];
    }
    const at = (x: Float64Array) => pacgenFromCurvature({ w, h: x, rho: 0, n: 40, ...settings });
    expect(report.psi).toBeCloseTo(at(hHat).psi, 12);
    expect(exact.psi).toBeGreaterThanOrEqual(at(lo).psi);
    expect(exact.psi).toBeLessThanOrEqual(at(hi).psi);
    // Linearised: on the curvature branch ∂ψ_i/∂h_i = 1/(2a_i), so SE(Ψ)² = Σ (se_i/(2ĥ_i))².
    let varPsi = 0;
    const kappa = Float64Array.from(w, (x) => settings.gamma * Math.abs(x) + settings.epsilon);
    for (let i = 0; i < w.length; i++) {
      if (hHat[i] * kappa[i] ** 2 > 1) varPsi += (d.stdErr![i] / (2 * hHat[i])) ** 2;
    }
    const sePsi = Math.sqrt(varPsi);
    expect(Math.abs(report.psi - exact.psi)).toBeLessThan(3 * sePsi);
    expect(Math.abs(report.psiStar - exact.psiStar) / exact.psiStar).toBeLessThan(0.05);
    expect(report.cost.gradientEvaluations).toBe(2 * probes + 1 + report.rho.cost);
  });

  it('estimated ρ: the estimator result, its cost, and progress by stage', async () => {
    const obj = await makeObjective(smooth, 40, 2);
    const w = obj.params();
    const stages = new Set<string>();
    const report = await pacgen(obj, obj.params(), {
      ...settings,
      rho: { probes: 3, refine: 1 },
      seed: 9,
      monteCarlo: 8,
      onProgress: (stage) => stages.add(stage),
    });
    const direct = await hessianLipschitz(obj, w, {
      gamma: settings.gamma,
      epsilon: settings.epsilon,
      probes: 3,
      refine: 1,
      seed: 10,
    });
    expect(report.rho.estimated).toBe(true);
    expect(report.rho.value).toBe(direct.rho);
    expect(report.rho.value).toBeGreaterThan(0);
    expect(report.rho.noise).not.toBeNull();
    expect(report.rho.cost).toBe(1 + 2 * (2 * 3 * (1 + 1) + 1));
    expect(report.cost.gradientEvaluations).toBe(2 * 45 + 1 + report.rho.cost);
    expect(report.cost.lossEvaluations).toBe(1 + 8);
    expect([...stages].sort()).toEqual(['diagonal', 'monte-carlo', 'rho']);
    expect(report.monteCarlo!.boundCurvature).toBeGreaterThanOrEqual(report.monteCarlo!.predicted);
  });

  it('rejects bad settings before spending any evaluation', async () => {
    const obj = counting(await makeObjective(smooth, 40, 1));
    const bad: [object, RegExp][] = [
      [{ gamma: 0 }, /gamma/],
      [{ epsilon: -1 }, /epsilon/],
      [{ delta: 1.5 }, /delta/],
      [{ rho: NaN }, /rho/],
      [{ rho: -2 }, /rho/],
      [{ noise: 'cauchy' }, /noise/],
      [{ monteCarlo: 7 }, /monteCarlo/],
    ];
    for (const [patch, message] of bad) {
      await expect(pacgen(obj, obj.params(), patch)).rejects.toThrow(PacgenError);
      await expect(pacgen(obj, obj.params(), patch)).rejects.toThrow(message);
    }
    await expect(pacgen(obj, [1, 2])).rejects.toThrow(/w has length 2, the objective has/);
    expect(obj.calls).toBe(0);
  });
});

describe('monteCarloPerturbedLoss', () => {
  const linear: NetworkSpec = {
    inputShape: [4],
    layers: [{ type: 'dense', units: 2 }],
    loss: 'mse',
  };

  for (const noise of ['uniform', 'truncated-gaussian'] as const) {
    it(`${noise}: on a quadratic loss, matches L̂(w) + ½·v·Σ h_i σ_i² exactly in expectation`, async () => {
      const obj = await makeObjective(linear, 30, 4);
      const w = obj.params();
      const h = await exactDiagonal(obj, w);
      const rng = new Random(8);
      const sigma = Float64Array.from(w, () => 0.5 * rng.uniform());
      const v = noiseModel(noise).varianceFactor;
      let expected = await obj.loss(w);
      for (let i = 0; i < w.length; i++) expected += 0.5 * v * h[i] * sigma[i] ** 2;
      const r = await monteCarloPerturbedLoss(obj, w, sigma, { samples: 2000, seed: 1, noise });
      expect(r.cost).toEqual({ lossEvaluations: 2000, gradientEvaluations: 0 });
      expect(r.draws).toBe(1000);
      expect(Math.abs(r.mean - expected)).toBeLessThan(4 * r.stdErr);
      // Antithetic pairs remove the first-order term: small error at a non-minimum.
      expect(r.stdErr / (expected - (await obj.loss(w)))).toBeLessThan(0.05);
    });
  }

  it('is reproducible by seed and rejects bad arguments', async () => {
    const obj = await makeObjective(linear, 30, 4);
    const w = obj.params();
    const sigma = new Float64Array(w.length).fill(0.1);
    const a = await monteCarloPerturbedLoss(obj, w, sigma, { seed: 5 });
    const b = await monteCarloPerturbedLoss(obj, w, sigma, { seed: 5 });
    expect(a.mean).toBe(b.mean);
    await expect(monteCarloPerturbedLoss(obj, w, sigma, { samples: 5 })).rejects.toThrow(
      /samples must be an even integer in \[4, 10000000\], got 5/,
    );
    await expect(monteCarloPerturbedLoss(obj, w, [1, 2])).rejects.toThrow(/sigma has length 2/);
    await expect(
      monteCarloPerturbedLoss(
        obj,
        w,
        Float64Array.from(sigma, (s) => -s),
      ),
    ).rejects.toThrow(/sigma\[0\] is negative/);
  });
});
