import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '@pacgen/core-wasm';
import { hessianTrace, spectralDensity, topEigenvalues } from '../src/index.js';
import {
  matVec,
  quadraticObjective,
  referenceHessian,
  smallNetwork,
  symmetricEigen,
  symmetricWithSpectrum,
  type SmallNet,
} from './helpers.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Eigenvalues sorted by decreasing magnitude. */
const byMagnitude = (values: number[]) => [...values].sort((a, b) => Math.abs(b) - Math.abs(a));

describe.each(['tanh', 'sigmoid', 'relu'] as const)('spectrum of a %s network (f64)', (act) => {
  let s: SmallNet;
  let exact: { values: number[]; vectors: Float64Array[] };
  let H: Float64Array[];
  beforeAll(async () => {
    s = await smallNetwork(act);
    H = (await referenceHessian(s.obj, s.w)).H;
    exact = symmetricEigen(H);
  });

  it('Lanczos: the top 3 eigenvalues to 1e-6, eigenvectors aligned', async () => {
    const r = await topEigenvalues(s.obj, s.w, { k: 3 });
    const want = byMagnitude(exact.values);
    expect(r.converged).toBe(true);
    r.values.forEach((v, i) =>
      expect(Math.abs(v - want[i]) / Math.abs(want[i])).toBeLessThan(1e-6),
    );
    const top = exact.vectors[exact.values.indexOf(want[0])];
    expect(Math.abs(dot(r.vectors[0], top))).toBeGreaterThan(1 - 1e-6);
    expect(r.cost).toBe(1 + 2 * r.iterations);
  });

  it('power iteration with deflation: the top 2 to 1e-6', async () => {
    const r = await topEigenvalues(s.obj, s.w, {
      k: 2,
      method: 'power',
      tol: 1e-5,
      iterations: 2000,
    });
    const want = byMagnitude(exact.values);
    r.values.forEach((v, i) =>
      expect(Math.abs(v - want[i]) / Math.abs(want[i])).toBeLessThan(1e-6),
    );
  });

  it('trace: Hutchinson and Hutch++ within 4 standard errors of Σλ', async () => {
    const trace = exact.values.reduce((a, b) => a + b, 0);
    for (const method of ['hutchinson', 'hutch++'] as const) {
      const r = await hessianTrace(s.obj, s.w, { method, probes: 150, seed: 3 });
      expect(r.cost).toBe(1 + 2 * 150);
      expect(Math.abs(r.trace - trace)).toBeLessThan(4 * r.stdErr);
    }
  });

  it('density: each run is exact Gauss quadrature of vᵀH^p v/m; moments within their errors', async () => {
    const m = exact.values.length;
    const runs = 40;
    const r = await spectralDensity(s.obj, s.w, { runs, steps: 20, seed: 5 });
    expect(r.cost).toBe(1 + 2 * runs * 20);
    // Run k starts from the k-th Rademacher vector of Random(seed): the quadrature with 20 nodes
    // integrates λ^p exactly for p < 40, so it must equal vᵀH^p v / m computed from H.
    const rng = new Random(5);
    for (let k = 0; k < runs; k++) {
      const v = rng.rademacher(new Float64Array(m));
      let x: Float64Array = Float64Array.from(v);
      for (let p = 1; p <= 4; p++) {
        x = matVec(H, x);
        const direct = dot(v, x) / m;
        const quadrature = r.nodes[k].reduce((a, t, l) => a + r.weights[k][l] * t ** p, 0);
        expect(Math.abs(quadrature - direct)).toBeLessThan(1e-6 * Math.max(...exact.values) ** p);
      }
    }
    // vᵀH²v is right-skewed (a few directions carry most of it): 5 standard errors.
    for (const { order, value, stdErr } of r.moments.slice(0, 2)) {
      const want = exact.values.reduce((a, l) => a + l ** order, 0) / m;
      expect(Math.abs(value - want)).toBeLessThan(5 * stdErr);
    }
    // Every run finds the extreme eigenvalues.
    const top = Math.max(...exact.values);
    for (const nodes of r.nodes) {
      expect(Math.abs(nodes[nodes.length - 1] - top) / top).toBeLessThan(1e-6);
    }
  });
});

describe('spectrum of a quadratic with a known spectrum', () => {
  // Five outliers over a bulk in [0, 1]: the shape of trained-network Hessians.
  const m = 120;
  const rng = new Random(11);
  const spectrum = Array.from({ length: m }, (_, i) => (i < 5 ? 40 + 20 * i : rng.uniform()));
  const A = symmetricWithSpectrum(spectrum, 12);
  const obj = quadraticObjective(A);
  const w = Float64Array.from({ length: m }, () => rng.normal());
  const trace = spectrum.reduce((a, b) => a + b, 0);

  it('power iteration and Lanczos find the outliers', async () => {
    const want = byMagnitude(spectrum).slice(0, 4);
    for (const method of ['power', 'lanczos'] as const) {
      const r = await topEigenvalues(obj, w, { k: 4, method, tol: 1e-6, iterations: 500 });
      r.values.forEach((v, i) => expect(Math.abs(v - want[i]) / want[i]).toBeLessThan(1e-6));
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < i; j++) {
          expect(Math.abs(dot(r.vectors[i], r.vectors[j]))).toBeLessThan(1e-6);
        }
    }
  });

  it('Hutch++ beats Hutchinson when a few eigenvalues dominate', async () => {
    const plain = await hessianTrace(obj, w, { probes: 90, seed: 1 });
    const pp = await hessianTrace(obj, w, { method: 'hutch++', probes: 90, seed: 1 });
    expect(Math.abs(plain.trace - trace)).toBeLessThan(4 * plain.stdErr);
    expect(Math.abs(pp.trace - trace)).toBeLessThan(4 * pp.stdErr);
    expect(pp.stdErr).toBeLessThan(plain.stdErr / 10);
  });

  it('Hutch++ is exact for a matrix of low rank', async () => {
    const lowRank = quadraticObjective(
      symmetricWithSpectrum(
        spectrum.map((l, i) => (i < 5 ? l : 0)),
        3,
      ),
    );
    const r = await hessianTrace(lowRank, w, { method: 'hutch++', probes: 30, seed: 2 });
    expect(Math.abs(r.trace - 400) / 400).toBeLessThan(1e-8);
  });

  it('density integrates to 1, its mean is the first moment, the outlier mass is ≈ 1/m', async () => {
    const r = await spectralDensity(obj, w, { runs: 20, steps: 40, seed: 4, grid: 4000 });
    const dx = r.grid[1] - r.grid[0];
    const mass = (lo: number, hi: number) =>
      r.density.reduce((a, p, i) => a + (r.grid[i] >= lo && r.grid[i] < hi ? p * dx : 0), 0);
    expect(mass(-Infinity, Infinity)).toBeCloseTo(1, 6);
    const mean = r.density.reduce((a, p, i) => a + p * r.grid[i] * dx, 0);
    expect(mean).toBeCloseTo(r.moments[0].value, 6);
    expect(Math.abs(r.moments[0].value - trace / m)).toBeLessThan(4 * r.moments[0].stdErr);
    // The largest outlier (120) carries 1/m of the spectrum: (v·q)²/m per run, mean 1/m.
    const top = mass(110, Infinity) * m;
    expect(top).toBeGreaterThan(0.4);
    expect(top).toBeLessThan(2);
    expect(r.weights.every((t) => Math.abs(t.reduce((a, b) => a + b, 0) - 1) < 1e-12)).toBe(true);
  });
});
