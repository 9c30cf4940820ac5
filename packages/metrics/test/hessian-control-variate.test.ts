import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '@pacgen/core-wasm';
import { controlVariateDiagonal, hessianDiagonal, ProbeMoments, probeTerm } from '../src/index.js';
import {
  diagonalOf,
  quadraticObjective,
  referenceHessian,
  relativeError,
  smallNetwork,
  type SmallNet,
} from './helpers.js';

type Vec = Float64Array;

/** The GGN matrix as m columns G e_j from the engine's Gauss-Newton product (core-wasm's tests check it against explicit Jᵀ H J). */
async function gaussNewtonMatrix(s: SmallNet): Promise<Vec[]> {
  const m = s.obj.numParams;
  const e = new Float64Array(m);
  const G: Vec[] = [];
  for (let j = 0; j < m; j++) {
    e[j] = 1;
    G.push(await s.obj.gaussNewtonProduct!(s.w, e, { step: 1e-6 }));
    e[j] = 0;
  }
  return G;
}

/** Σ_i Σ_{j≠i} A_ij²: the total per-probe variance of a Hutchinson diagonal of A. */
function offDiagonalSquares(A: readonly Vec[]): number {
  let s = 0;
  A.forEach((row, i) => row.forEach((x, j) => (s += i === j ? 0 : x * x)));
  return s;
}

const difference = (A: readonly Vec[], B: readonly Vec[]): Vec[] =>
  A.map((row, i) => row.map((x, j) => x - B[i][j]));

describe('Hutchinson with the GGN as control variate (f64)', () => {
  const K = 64;
  let tanh: SmallNet;
  let H: Vec[];
  let G: Vec[];
  beforeAll(async () => {
    tanh = await smallNetwork('tanh', { hidden: [6, 4], n: 30 });
    H = (await referenceHessian(tanh.obj, tanh.w)).H;
    G = await gaussNewtonMatrix(tanh);
  });

  it('is unbiased: its error is the size its variance Σ(H − G)²/K predicts, below plain Hutchinson', async () => {
    const exact = diagonalOf(H);
    const norm = Math.hypot(...exact);
    const cvTheory = Math.sqrt(offDiagonalSquares(difference(H, G)) / K) / norm;
    const plainTheory = Math.sqrt(offDiagonalSquares(H) / K) / norm;
    const errs = { cv: [] as number[], plain: [] as number[] };
    for (const seed of [1, 2, 3, 4]) {
      const cv = await controlVariateDiagonal(tanh.obj, tanh.w, { probes: K, seed });
      const plain = await hessianDiagonal(tanh.obj, tanh.w, {
        method: 'hutchinson',
        probes: K,
        seed,
      });
      expect(cv).toMatchObject({ method: 'hutchinson-cv', probes: K });
      // O = 3 outputs, the point's check, and 2 + 2 per probe (no kinks in a tanh network).
      expect(cv.cost).toBe(3 + 1 + 4 * K);
      errs.cv.push(relativeError(cv.diagonal, exact));
      errs.plain.push(relativeError(plain.diagonal, exact));
    }
    const rms = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    // The root-mean-square error over 4 seeds is within a factor 2 of the theoretical one.
    expect(rms(errs.cv) / cvTheory).toBeGreaterThan(0.5);
    expect(rms(errs.cv) / cvTheory).toBeLessThan(2);
    expect(rms(errs.plain) / plainTheory).toBeGreaterThan(0.5);
    expect(rms(errs.plain) / plainTheory).toBeLessThan(2);
    // At this untrained point H − G is smaller than H off the diagonal: the control helps.
    expect(cvTheory).toBeLessThan(plainTheory);
    expect(rms(errs.cv)).toBeLessThan(rms(errs.plain));
  });

  it('its standard errors match the per-coordinate theory Σ_{j≠i}(H − G)_ij² / K', async () => {
    const cv = await controlVariateDiagonal(tanh.obj, tanh.w, { probes: 256, seed: 9 });
    const D = difference(H, G);
    const theory = D.map((row, i) =>
      Math.sqrt(row.reduce((s, x, j) => s + (i === j ? 0 : x * x), 0) / 256),
    );
    const ratio = Math.hypot(...cv.stdErr!) / Math.hypot(...theory);
    expect(ratio).toBeGreaterThan(0.85);
    expect(ratio).toBeLessThan(1.15);
  });

  it('ProbeMoments: the fitted coefficient estimates Σ_{i≠j} H_ij G_ij / Σ_{i≠j} G_ij²', () => {
    let num = 0;
    let den = 0;
    H.forEach((row, i) =>
      row.forEach((h, j) => {
        if (i === j) return;
        num += h * G[i][j];
        den += G[i][j] ** 2;
      }),
    );
    const m = H.length;
    const moments = new ProbeMoments(m, true);
    const rng = new Random(4);
    const v = new Float64Array(m);
    const times = (A: Vec[]) =>
      Float64Array.from(A, (row) => row.reduce((s, x, j) => s + x * v[j], 0));
    expect(moments.fittedCoefficient()).toBe(1);
    for (let k = 0; k < 400; k++) {
      rng.rademacher(v);
      moments.add(probeTerm(v, times(H)), probeTerm(v, times(G)));
    }
    expect(Math.abs(moments.fittedCoefficient() - num / den)).toBeLessThan(
      0.05 * Math.abs(num / den),
    );
  });

  it('is exact to finite-difference noise on a ReLU network only in expectation: diag G = diag H', async () => {
    const relu = await smallNetwork('relu', { hidden: [6, 4], n: 30 });
    const Hr = (await referenceHessian(relu.obj, relu.w)).H;
    const exact = diagonalOf(Hr);
    const Gr = await gaussNewtonMatrix(relu);
    // The probes carry the cross-layer terms of H − G (∂²z/∂wᵢ∂wⱼ ≠ 0 between layers).
    const theory = Math.sqrt(offDiagonalSquares(difference(Hr, Gr)) / K) / Math.hypot(...exact);
    expect(theory).toBeGreaterThan(1e-3);
    const cv = await controlVariateDiagonal(relu.obj, relu.w, { probes: K, seed: 3 });
    expect(cv.health.hvps).toBe(2 * K);
    expect(cv.health.unresolved).toBe(0);
    const err = relativeError(cv.diagonal, exact);
    expect(err).toBeLessThan(3 * theory);
    expect(err).toBeGreaterThan(theory / 10);
  });

  it('objectives without the engine are refused in one line', async () => {
    const obj = quadraticObjective([Float64Array.of(2, 0), Float64Array.of(0, 1)]);
    await expect(hessianDiagonal(obj, [0, 0], { method: 'hutchinson-cv' })).rejects.toThrow(
      /^the control-variate diagonal \('hutchinson-cv'\) needs the core-wasm engine/,
    );
    await expect(controlVariateDiagonal(tanh.obj, tanh.w, { probes: 0 })).rejects.toThrow(/probes/);
  });
});
