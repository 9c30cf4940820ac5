import { beforeAll, describe, expect, it } from 'vitest';
import { Random, defaultHvpStep } from '@pacgen/core-wasm';
import { hessianLipschitz } from '../src/index.js';
import {
  cubicObjective,
  quadraticObjective,
  referenceHessian,
  smallNetwork,
  symmetricEigen,
  symmetricWithSpectrum,
  type SmallNet,
} from './helpers.js';

const rng = new Random(21);
const m = 20;
const A = symmetricWithSpectrum(
  Array.from({ length: m }, (_, i) => i - 5),
  22,
);
const w = Float64Array.from({ length: m }, () => rng.normal());
const c = Float64Array.from({ length: m }, () => 4 * rng.normal());
const boxDisplacement = (seed: number) => {
  const r = new Random(seed);
  return Float64Array.from(w, (x) => (2 * r.uniform() - 1) * (0.1 * Math.abs(x) + 0.1));
};

describe('Hessian Lipschitz constant on functions with a known third derivative', () => {
  it('is ≈ 0 on a quadratic: at the finite-difference noise, far below ‖A‖ = 14', async () => {
    const r = await hessianLipschitz(quadraticObjective(A), w, { probes: 8, refine: 2 });
    expect(r.rho / 14).toBeLessThan(1e-6);
    expect(r.rho).toBeLessThan(10 * r.noise);
    expect(r.cost).toBe(1 + 2 * (2 * 8 * 3 + 1));
  });

  it('is |c| for f(w) = c·w³/6 + a·w²/2 (m = 1)', async () => {
    const r = await hessianLipschitz(cubicObjective([3], [Float64Array.of(2)]), [0.7], {
      probes: 4,
    });
    expect(Math.abs(r.rho - 3) / 3).toBeLessThan(1e-6);
  });

  it('finds max_i |c_i d_i| / ‖d‖ for given displacements, from below, with refinement', async () => {
    // H(w + d) − H(w) = diag(c ⊙ d): spectral norm max_i |c_i d_i|.
    const obj = cubicObjective(c, A);
    const displacements = [1, 2, 3].map(boxDisplacement);
    const known = Math.max(
      ...displacements.map((d) => {
        const norm = Math.sqrt(d.reduce((a, x) => a + x * x, 0));
        return Math.max(...Array.from(d, (x, i) => Math.abs(c[i] * x))) / norm;
      }),
    );
    const refined = await hessianLipschitz(obj, w, { displacements, refine: 40 });
    expect(refined.probes).toBe(3);
    expect(refined.rho).toBeLessThanOrEqual(known * (1 + 1e-6));
    expect(refined.rho / known).toBeGreaterThan(0.9);
    const plain = await hessianLipschitz(obj, w, { displacements });
    expect(plain.rho).toBeLessThanOrEqual(refined.rho);
  });

  it('with random displacements stays below the true constant max|c_i|', async () => {
    const r = await hessianLipschitz(cubicObjective(c, A), w, { probes: 16, refine: 10 });
    expect(r.rho).toBeGreaterThan(0);
    expect(r.rho).toBeLessThanOrEqual(Math.max(...Array.from(c, Math.abs)) * (1 + 1e-6));
    expect(r.ratios).toHaveLength(16);
    expect(Math.max(...r.ratios)).toBe(r.rho);
  });
});

describe('Hessian Lipschitz constant of a tanh network (f64)', () => {
  let s: SmallNet;
  beforeAll(async () => {
    s = await smallNetwork('tanh', { hidden: [8] });
  });

  it('matches ‖H(w + d) − H(w)‖₂ / ‖d‖ from exact Hessians within 10%, from below', async () => {
    const r0 = new Random(3);
    const d = Float64Array.from(s.w, (x) => (2 * r0.uniform() - 1) * (0.1 * Math.abs(x) + 0.1));
    const H0 = (await referenceHessian(s.obj, s.w)).H;
    const H1 = (
      await referenceHessian(
        s.obj,
        s.w.map((x, i) => x + d[i]),
      )
    ).H;
    const eig = symmetricEigen(H1.map((row, i) => row.map((h, j) => h - H0[i][j])));
    const norm = Math.max(...eig.values.map(Math.abs));
    const known = norm / Math.sqrt(d.reduce((a, x) => a + x * x, 0));
    const r = await hessianLipschitz(s.obj, s.w, { displacements: [d], refine: 30 });
    expect(r.rho).toBeLessThanOrEqual(known * (1 + 1e-6));
    expect(r.rho / known).toBeGreaterThan(0.9);
  });

  it('default box: ρ̂ stands far above the finite-difference noise', async () => {
    const r = await hessianLipschitz(s.obj, s.w);
    expect(r.probes).toBe(8);
    expect(r.rho).toBeGreaterThan(1e5 * r.noise);
    expect(r.step).toBe(defaultHvpStep('f64'));
  });
});
