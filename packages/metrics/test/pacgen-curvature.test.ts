import { PacgenError, Random } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import {
  effectiveCurvature,
  erf,
  etaForComplexity,
  neighbourhoodRadius,
  noiseModel,
  optimalPerturbation,
  pacBayesBound,
  pacgenFromCurvature,
  priorRadius,
  sigmaForEta,
  TRUNCATION,
  type NoiseKind,
} from '../src/index.js';
import { boundAt, bruteForceMinimum, simpson } from './pacgen-helpers.js';

describe('PACGen Ψ: reference values of docs/method.md §2 (γ = ε = 0.1)', () => {
  const cases: [number[], number, number][] = [
    [[4, 0.01], 0, 3.8286414],
    [[100, -5], 0, 4.5217886],
    [[30, 0.01], 0, 3.9198022],
    [[30, 0.01], 50, 4.4364856],
  ];
  for (const [h, rho, psi] of cases) {
    it(`w = (1, −2), h = (${h}), ρ = ${rho} → Ψ = ${psi}`, () => {
      const r = pacgenFromCurvature({ w: [1, -2], h, rho, n: 100 });
      expect(Math.abs(r.psi - psi)).toBeLessThan(1e-6);
      expect(r.perParameter.psi).toBeCloseTo(r.psi / 2, 14);
    });
  }

  it('reports the fraction on the curvature branch and the clamped coordinates', () => {
    // h = (100, −5): √100 = 10 > 1/0.2 = 5 (curvature), −5 clamps to a = 0 (1/κ branch).
    const r = pacgenFromCurvature({ w: [1, -2], h: [100, -5], rho: 0, n: 100 });
    expect(r.curvatureFraction).toBe(0.5);
    expect(r.ingredients.clampedFraction).toBe(0.5);
    expect(r.ingredients.kappa).toEqual({ min: 0.2, mean: 0.25, max: 0.30000000000000004 });
  });

  it('without curvature reduces to the weight-magnitude score Σ ln((|w_i| + κ_i)/κ_i)', () => {
    const w = [0.5, -1.5, 3, 0];
    const r = pacgenFromCurvature({ w, h: [0, 0, 0, 0], rho: 0, n: 10 });
    const expected = w.reduce(
      (s, x) => s + Math.log((1.1 * Math.abs(x) + 0.1) / (0.1 * Math.abs(x) + 0.1)),
      0,
    );
    expect(r.psi).toBeCloseTo(expected, 12);
    // With a = 0 everywhere, σ* = κ and Ψ* = Ψ.
    expect(r.psiStar).toBeCloseTo(expected, 12);
    expect(r.curvatureFraction).toBe(0);
    expect(r.curvatureFractionStar).toBe(0);
  });
});

describe('per-tensor breakdown', () => {
  it('sums to the totals and computes fractions per block', () => {
    const rng = new Random(3);
    const m = 30;
    const w = Float64Array.from({ length: m }, () => rng.normal());
    const h = Float64Array.from({ length: m }, () => 10 ** (4 * rng.uniform() - 1));
    const tensors = [
      { name: 'a/kernel', shape: [4, 5], offset: 0, size: 20 },
      { name: 'a/bias', shape: [5], offset: 20, size: 5 },
      { name: 'b/kernel', shape: [5, 1], offset: 25, size: 5 },
    ];
    const r = pacgenFromCurvature({ w, h, rho: 0.3, n: 500, tensors });
    const parts = r.perTensor!;
    expect(parts.map((p) => p.name)).toEqual(tensors.map((t) => t.name));
    expect(parts.reduce((s, p) => s + p.psi, 0)).toBeCloseTo(r.psi, 10);
    expect(parts.reduce((s, p) => s + p.psiStar, 0)).toBeCloseTo(r.psiStar, 10);
    const frac = parts.reduce((s, p) => s + p.curvatureFraction * p.size, 0) / m;
    expect(frac).toBeCloseTo(r.curvatureFraction, 12);
    const fracStar = parts.reduce((s, p) => s + p.curvatureFractionStar * p.size, 0) / m;
    expect(fracStar).toBeCloseTo(r.curvatureFractionStar, 12);
    expect(parts[1].perParameter.psi).toBeCloseTo(parts[1].psi / 5, 14);
  });
});

describe('validation', () => {
  const ok = { w: [1, -2], h: [4, 0.01], rho: 0, n: 100 };
  const bad: [string, object, RegExp][] = [
    ['gamma = 0', { gamma: 0 }, /gamma must be a finite number > 0/],
    ['gamma < 0', { gamma: -0.1 }, /gamma/],
    ['epsilon = 0', { epsilon: 0 }, /epsilon must be a finite number > 0/],
    ['delta = 0', { delta: 0 }, /delta must be in \(0, 1\)/],
    ['delta = 1', { delta: 1 }, /delta must be in \(0, 1\)/],
    ['n = 1', { n: 1 }, /n \(number of training samples\) must be an integer >= 2/],
    ['n = 2.5', { n: 2.5 }, /n \(number/],
    ['length mismatch', { h: [1, 2, 3] }, /h has length 3, expected 2/],
    ['empty w', { w: [], h: [] }, /w is empty/],
    ['NaN in w', { w: [1, NaN] }, /w\[1\] is not finite/],
    ['Infinity in h', { h: [Infinity, 1] }, /h\[0\] is not finite/],
    ['rho NaN', { rho: NaN }, /rho must be a finite number >= 0/],
    ['rho < 0', { rho: -1 }, /rho must be/],
    ['rho = Infinity', { rho: Infinity }, /rho must be/],
    ['trainLoss NaN', { trainLoss: NaN }, /trainLoss must be a finite number/],
    ['noise', { noise: 'laplace' }, /noise must be 'uniform' or 'truncated-gaussian'/],
    [
      'tensor outside',
      { tensors: [{ name: 't', shape: [3], offset: 0, size: 3 }] },
      /tensor 't' \(offset 0, size 3\) does not fit/,
    ],
  ];
  for (const [what, patch, message] of bad) {
    it(`rejects ${what}`, () => {
      const call = () => pacgenFromCurvature({ ...ok, ...patch } as typeof ok);
      expect(call).toThrow(PacgenError);
      expect(call).toThrow(message);
    });
  }
  it('messages are one line', () => {
    try {
      pacgenFromCurvature({ ...ok, h: [1] });
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });
});

describe('noise models', () => {
  it('erf matches known values', () => {
    expect(erf(Math.SQRT1_2)).toBeCloseTo(0.6826894921370859, 15);
    expect(erf(Math.SQRT2)).toBeCloseTo(0.9544997361036416, 15);
    expect(erf(3 / Math.SQRT2)).toBeCloseTo(0.9973002039367398, 15);
  });

  it('uniform: Var = σ²/3, KL to the uniform prior = ln(τ/σ)', () => {
    const u = noiseModel('uniform');
    expect(u.varianceFactor).toBe(1 / 3);
    expect(u.klOffset).toBe(0);
  });

  it('truncated Gaussian: variance and KL against quadrature of its density', () => {
    const g = noiseModel('truncated-gaussian');
    const sigma = 0.3;
    const tau = 1.7;
    const s = sigma / TRUNCATION;
    const raw = (x: number) => Math.exp(-0.5 * (x / s) ** 2);
    const Z = simpson(raw, -sigma, sigma);
    const q = (x: number) => raw(x) / Z;
    const variance = simpson((x) => x * x * q(x), -sigma, sigma);
    const kl = simpson((x) => q(x) * Math.log(q(x) * 2 * tau), -sigma, sigma);
    expect(g.varianceFactor * sigma ** 2).toBeCloseTo(variance, 12);
    expect(g.klOffset + Math.log(tau / sigma)).toBeCloseTo(kl, 10);
    // Reference constants (Python math.erf): v = (1 − 4φ(2)/Z)/4, k = ln 4 − H(z).
    expect(g.varianceFactor).toBeCloseTo(0.1934353258874808, 14);
    expect(g.klOffset).toBeCloseTo(0.1270530884326464, 14);
  });

  it('samplers have the right support and variance', () => {
    for (const kind of ['uniform', 'truncated-gaussian'] as NoiseKind[]) {
      const model = noiseModel(kind);
      const rng = new Random(11);
      const N = 200000;
      let ss = 0;
      let maxAbs = 0;
      for (let i = 0; i < N; i++) {
        const u = model.sample(rng, 0.5);
        ss += u * u;
        maxAbs = Math.max(maxAbs, Math.abs(u));
      }
      expect(maxAbs).toBeLessThanOrEqual(0.5);
      expect(ss / N / 0.25).toBeCloseTo(model.varianceFactor, 2);
    }
  });
});

/** Random small problems with both capped and uncapped coordinates. */
function problem(seed: number, m: number) {
  const rng = new Random(seed);
  const w = Float64Array.from({ length: m }, () => 3 * rng.normal());
  const h = Float64Array.from({ length: m }, () =>
    rng.uniform() < 0.15 ? -rng.uniform() : 10 ** (6 * rng.uniform() - 2),
  );
  const rho = rng.uniform() < 0.5 ? 0 : 10 * rng.uniform();
  const n = [2, 10, 100, 1000, 60000][rng.int(5)];
  const delta = [0.05, 0.01, 0.5][rng.int(3)];
  return { w, h, rho, n, delta };
}

describe('optimal perturbation σ*', () => {
  for (const kind of ['uniform', 'truncated-gaussian'] as NoiseKind[]) {
    it(`${kind}: σ* is the brute-force minimiser of the bound (m = 2..5)`, () => {
      const noise = noiseModel(kind);
      let capped = 0;
      let free = 0;
      for (let seed = 0; seed < 24; seed++) {
        const m = 2 + (seed % 4);
        const { w, h, rho, n, delta } = problem(seed, m);
        const kappa = neighbourhoodRadius(w, 0.1, 0.1);
        const tau = priorRadius(w, kappa);
        const a = effectiveCurvature(h, rho, kappa);
        const opt = optimalPerturbation({ a, kappa, tau, n, delta, noise });
        const f = (s: Float64Array) =>
          boundAt(s, a, tau, n, delta, noise.varianceFactor, noise.klOffset);
        const brute = bruteForceMinimum(f, kappa);
        const ours = f(opt.sigma);
        // Never worse than the brute force, and the same point.
        expect(ours).toBeLessThanOrEqual(brute.value + 1e-13);
        expect(brute.value - ours).toBeLessThan(1e-10);
        for (let i = 0; i < m; i++) {
          expect(Math.abs(Math.log(opt.sigma[i] / brute.sigma[i]))).toBeLessThan(1e-4);
        }
        // The bound's own terms agree with the direct formula.
        const terms = pacBayesBound({ a, sigma: opt.sigma, tau, n, delta, noise, trainLoss: 0.25 });
        expect(terms.total).toBeCloseTo(0.25 + ours, 13);
        opt.sigma.forEach((s, i) => (s < kappa[i] ? free++ : capped++));
      }
      // Both kinds of coordinate occur.
      expect(capped).toBeGreaterThan(5);
      expect(free).toBeGreaterThan(5);
    });
  }

  it('η is the fixed point η = 3/(2√(2(n−1)K)) with K = Σ ln(τ_i/σ*_i) + ln(2n/δ)', () => {
    for (let seed = 0; seed < 20; seed++) {
      const m = 3 + seed * 7;
      const { w, h, rho, n, delta } = problem(100 + seed, m);
      const r = pacgenFromCurvature({ w, h, rho, n, delta });
      const kappa = neighbourhoodRadius(w, 0.1, 0.1);
      const tau = priorRadius(w, kappa);
      let K = Math.log((2 * n) / delta);
      for (let i = 0; i < m; i++) K += Math.log(tau[i] / r.sigmaStar[i]);
      expect(r.eta / (3 / (2 * Math.sqrt(2 * (n - 1) * K)))).toBeCloseTo(1, 12);
      expect(r.bound.klTerm + Math.log((2 * n) / delta)).toBeCloseTo(K, 10);
      // σ*_i = min(√(η/a_i), κ_i)
      const a = effectiveCurvature(h, rho, kappa);
      const again = sigmaForEta(r.eta, a, kappa);
      for (let i = 0; i < m; i++) expect(r.sigmaStar[i]).toBe(again[i]);
      // Plain fixed-point iteration from the all-capped η converges to the same (unique) point.
      let eta = etaForComplexity(K + 1e3, n, noiseModel('uniform'));
      for (let it = 0; it < 200; it++) {
        const s = sigmaForEta(eta, a, kappa);
        let k2 = Math.log((2 * n) / delta);
        for (let i = 0; i < m; i++) k2 += Math.log(tau[i] / s[i]);
        eta = etaForComplexity(k2, n, noiseModel('uniform'));
      }
      expect(r.localMinima).toBe(1);
      expect(eta / r.eta).toBeCloseTo(1, 10);
    }
  });

  it('picks the global minimum when the fixed point of η is not unique', () => {
    // Zero weights (τ = κ) with a_i κ_i² just below the all-capped η: the bound along σ(η) has
    // two local minima (all capped, and all well below the cap).
    const m = 40;
    const n = 2;
    const delta = 0.9;
    const noise = noiseModel('uniform');
    const w = new Float64Array(m);
    const kappa = neighbourhoodRadius(w, 0.1, 1);
    const tau = priorRadius(w, kappa);
    const a = Float64Array.from({ length: m }, (_, i) => Math.exp(-0.4 + 0.001 * i));
    const opt = optimalPerturbation({ a, kappa, tau, n, delta, noise });
    expect(opt.localMinima).toBe(2);
    // Dense scan of the bound along σ(η), and fixed-point iterations from both ends.
    const f = (s: Float64Array) => boundAt(s, a, tau, n, delta);
    let scan = Infinity;
    for (let x = -12; x <= 2; x += 1e-4)
      scan = Math.min(scan, f(sigmaForEta(Math.exp(x), a, kappa)));
    const ours = f(opt.sigma);
    expect(ours).toBeLessThanOrEqual(scan + 1e-12);
    expect(scan - ours).toBeLessThan(1e-8);
    const iterate = (eta0: number) => {
      let eta = eta0;
      for (let it = 0; it < 2000; it++) {
        const s = sigmaForEta(eta, a, kappa);
        let K = Math.log((2 * n) / delta);
        for (let i = 0; i < m; i++) K += Math.log(tau[i] / s[i]);
        eta = etaForComplexity(K, n, noise);
      }
      return f(sigmaForEta(eta, a, kappa));
    };
    const fromAbove = iterate(10);
    const fromBelow = iterate(1e-9);
    expect(Math.abs(fromAbove - fromBelow)).toBeGreaterThan(1e-4);
    expect(ours).toBeCloseTo(Math.min(fromAbove, fromBelow), 12);
  });

  it('σ* stays within the box and is capped where a_i = 0', () => {
    const r = pacgenFromCurvature({ w: [1, -2, 0.5], h: [1e6, -3, 0], rho: 0, n: 50 });
    expect(r.sigmaStar[0]).toBeLessThan(0.2);
    expect(r.sigmaStar[1]).toBeCloseTo(0.3, 15);
    expect(r.sigmaStar[2]).toBeCloseTo(0.15, 15);
    expect(r.curvatureFractionStar).toBeCloseTo(1 / 3, 15);
  });

  it('is fast for a million parameters', () => {
    const rng = new Random(5);
    const m = 1_000_000;
    const w = Float64Array.from({ length: m }, () => 0.05 * rng.normal());
    const h = Float64Array.from({ length: m }, () => 10 ** (3 * rng.uniform() - 2));
    const t0 = performance.now();
    const r = pacgenFromCurvature({ w, h, rho: 1e-3, n: 50000 });
    // About 1 s; the bound guards against an accidental O(m²), not the speed of the machine.
    expect(performance.now() - t0).toBeLessThan(15000);
    expect(Number.isFinite(r.psiStar)).toBe(true);
    expect(r.localMinima).toBeGreaterThanOrEqual(1);
  });
});
