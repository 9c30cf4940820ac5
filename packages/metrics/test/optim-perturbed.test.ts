import { describe, expect, it } from 'vitest';
import {
  adam,
  fromTransformation,
  perturbationWidths,
  perturbedOpt,
  sgd,
  type PerturbedState,
} from '../src/entries/train.js';
import { noiseModel } from '../src/pacgen/noise.js';
import { quadratic, run } from './optim-helpers.js';

const H = [0.5, 2, 8, 30];
const C = [1, -1, 0.5, 2];

describe('perturbedOPT', () => {
  it('with noise scale 0 equals its inner optimizer exactly', async () => {
    const inner = () => adam({ learningRate: 0.05, weightDecay: 0.01 });
    const w0 = [0.3, -0.2, 0.1, 0.7];
    const plain = await run(fromTransformation(inner()), w0, quadratic(H, C).oracle, 50);
    for (const curvature of ['secant', 'probes', 'none'] as const) {
      const pert = await run(
        perturbedOpt({ inner: inner(), scale: 0, curvature, seed: 5 }),
        w0,
        quadratic(H, C).oracle,
        50,
      );
      expect(Array.from(pert.w)).toEqual(Array.from(plain.w));
    }
  });

  it('is the inner optimizer during the noise-free warm-up', async () => {
    const w0 = [0.3, -0.2, 0.1, 0.7];
    const plain = await run(
      fromTransformation(sgd({ learningRate: 0.01 })),
      w0,
      quadratic(H, C).oracle,
      20,
    );
    const pert = await run(
      perturbedOpt({ inner: sgd({ learningRate: 0.01 }), scale: 1, warmup: 20 }),
      w0,
      quadratic(H, C).oracle,
      20,
    );
    expect(Array.from(pert.w)).toEqual(Array.from(plain.w));
  });

  it('σ = min(s/√a, κ): capped at κ, larger where the curvature is smaller', () => {
    const w = [0, 0, 0, 0, 2, 2];
    const h = [0, 1, 100, 1e4, 1, -5];
    const { sigma, kappa, a } = perturbationWidths({
      w,
      h,
      rho: 0,
      gamma: 0.1,
      epsilon: 0.1,
      scale: 0.5,
    });
    expect(Array.from(kappa)).toEqual([
      0.1, 0.1, 0.1, 0.1, 0.30000000000000004, 0.30000000000000004,
    ]);
    expect(a[5]).toBe(0); // negative curvature clamps to a = 0 → σ = κ
    for (let i = 0; i < w.length; i++) expect(sigma[i]).toBeLessThanOrEqual(kappa[i]);
    const k4 = kappa[4];
    expect(Array.from(sigma)).toEqual([0.1, 0.1, 0.05, 0.005, k4, k4]);
    // Same w: σ non-increasing as h grows.
    for (let i = 1; i < 4; i++) expect(sigma[i]).toBeLessThanOrEqual(sigma[i - 1]);
    // ρ enlarges a and so shrinks σ.
    const withRho = perturbationWidths({ w, h, rho: 1000, gamma: 0.1, epsilon: 0.1, scale: 0.5 });
    for (let i = 0; i < w.length; i++) expect(withRho.sigma[i]).toBeLessThanOrEqual(sigma[i]);
    expect(withRho.sigma[0]).toBeCloseTo(0.5 / Math.sqrt(1000 * Math.sqrt(6) * 0.1), 14);
  });

  for (const kind of ['uniform', 'truncated-gaussian'] as const) {
    it(`${kind}: draws u within ±σ with variance v·σ², σ set by probe curvature`, async () => {
      const v = noiseModel(kind).varianceFactor;
      // w fixed (lr 0) at 0: κ = 0.1; exact probes on a diagonal quadratic give ĥ = h.
      const h = [0.01, 1, 100, 1e4];
      const q = quadratic(h, [0, 0, 0, 0]);
      const opt = perturbedOpt({
        inner: sgd({ learningRate: 0 }),
        scale: 0.1,
        noise: kind,
        curvature: { method: 'probes', every: 1000, probes: 1 },
        seed: 1,
      });
      const steps = 4000;
      const { state, evaluations, last } = await run(opt, [0, 0, 0, 0], q.oracle, steps);
      const sigma = [0.1, 0.1, 0.01, 0.001];
      const est = Array.from(state.hSum, (x, i) => x / state.hWeight[i]);
      est.forEach((x, i) => expect(x).toBeCloseTo(h[i], 6));
      // Perturbed points are the oracle calls that are not probe evaluations (2 per probe).
      const points = q.calls.filter((_, k) => !isProbeCall(k, 1000, 2, 1));
      expect(points.length).toBe(steps);
      for (let i = 0; i < 4; i++) {
        const u = points.map((p) => p[i]);
        const max = Math.max(...u.map(Math.abs));
        const variance = u.reduce((s, x) => s + x * x, 0) / u.length;
        expect(max).toBeLessThanOrEqual(sigma[i]);
        expect(max).toBeGreaterThan(0.99 * sigma[i]);
        expect(variance / (v * sigma[i] ** 2)).toBeGreaterThan(0.93);
        expect(variance / (v * sigma[i] ** 2)).toBeLessThan(1.07);
      }
      const stats = last?.sigmaStats();
      expect(stats).not.toBeNull();
      expect(stats?.fractionAtCap).toBe(0.5);
      expect(stats?.max).toBeCloseTo(0.1, 12);
      expect(stats?.min).toBeCloseTo(0.001, 12);
      expect(stats?.median).toBeCloseTo(0.055, 12);
      // Cost: 1 per step + 2K every T steps.
      expect(opt.gradientsPerStep).toBeCloseTo(1 + 2 / 1000, 12);
      expect(evaluations).toBe(steps + 2 * (steps / 1000));
    });
  }

  it('secant estimator recovers the diagonal of a diagonal quadratic', async () => {
    // Noisy gradients (std 1e-3) make the per-step ratios noisy; the EMA averages them.
    const q = quadratic(H, C, 1e-3, 7);
    const opt = perturbedOpt({
      inner: sgd({ learningRate: 0.01 }),
      scale: 1,
      curvature: { method: 'secant', beta: 0.99 },
      seed: 2,
    });
    const { state } = await run(opt, [0, 0, 0, 0], q.oracle, 500);
    const s = state as PerturbedState;
    const est = Array.from(s.hSum, (x, i) => x / s.hWeight[i]);
    est.forEach((x, i) => expect(Math.abs(x / H[i] - 1)).toBeLessThan(0.03));
    expect(opt.gradientsPerStep).toBe(1);
  });

  it('noise shrinks where the secant finds curvature, and bound-based scale gives σ*', async () => {
    const q = quadratic([0.01, 1e4], [0, 0]);
    const opt = perturbedOpt({
      inner: sgd({ learningRate: 0 }),
      scale: { bound: { n: 1000, every: 1 } },
      seed: 4,
      warmup: 5,
    });
    const { state, last } = await run(opt, [0, 0], q.oracle, 50);
    expect(state.eta).not.toBeNull();
    const st = last?.sigmaStats();
    // Coordinate 0 is flat (σ = κ = 0.1); coordinate 1 is sharp: σ = √(η/1e4).
    expect(st?.max).toBeCloseTo(0.1, 12);
    expect(st?.min).toBeCloseTo(Math.sqrt((state.eta as number) / 1e4), 6);
    expect(st?.fractionAtCap).toBe(0.5);
    expect(last?.diagnostics().sigmaMin).toBe(st?.min);
  });

  it('estimated ρ̂ is positive on a cubic and counted in the cost', async () => {
    // L = Σ w_i³/6 + ½Σ w_i²: H = diag(w + 1), ρ = 1.
    const oracle = (w: Float64Array) => ({
      loss: w.reduce((s, x) => s + x ** 3 / 6 + 0.5 * x * x, 0),
      grad: Float64Array.from(w, (x) => 0.5 * x * x + x),
    });
    const opt = perturbedOpt({
      inner: sgd({ learningRate: 0.01 }),
      rho: { every: 5, probes: 2 },
      seed: 1,
    });
    const { state, evaluations } = await run(opt, [0.5, -0.3, 0.2], oracle, 10);
    expect(state.rho).toBeGreaterThan(0.1);
    expect(state.rho).toBeLessThanOrEqual(1 + 1e-6);
    // 10 steps + 2 estimates × (1 + 2·(2·2 + 1)).
    expect(evaluations).toBe(10 + 2 * 11);
    expect(opt.gradientsPerStep).toBeCloseTo(1 + 11 / 5, 12);
  });
});

/** Whether oracle call k is a probe evaluation, with probes at steps 0, T, 2T… (2K calls each). */
function isProbeCall(k: number, T: number, perProbe: number, K: number): boolean {
  const block = T + perProbe * K;
  return k % block < perProbe * K;
}
