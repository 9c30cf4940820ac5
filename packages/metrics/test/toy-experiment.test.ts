import { Network } from '@pacgen/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { hessianDiagonal, networkObjective, pacgenFromCurvature } from '../src/index.js';
import { toyGaussianMixture } from '../src/entries/data.js';
import {
  boundaryComplexity,
  eigen2,
  exactHessian2,
  lipschitzOnBox2,
  toyExperiment,
  type ToyExperimentResult,
} from '../src/entries/experiments.js';
import { toyNet } from '../src/entries/models.js';
import { cubicObjective, quadraticObjective, referenceHessian } from './helpers.js';

/** The toy network on the experiment's training data, independent of the experiment's code. */
async function toyObjective() {
  const data = toyGaussianMixture({ train: 100, seed: 0 });
  const net = await Network.create(toyNet(), { precision: 'f64' });
  net.setData(data.train.x, data.train.y);
  return { net, obj: networkObjective(net, { params: [0, 0] }) };
}

describe('2×2 helpers', () => {
  it('eigen2 gives the eigenvalues of a symmetric 2×2 matrix, largest first', () => {
    expect(eigen2({ xx: 2, xy: 0, yy: 5 })).toEqual([5, 2]);
    const [a, b] = eigen2({ xx: 1, xy: 2, yy: 1 });
    expect(a).toBeCloseTo(3, 14);
    expect(b).toBeCloseTo(-1, 14);
  });

  it('exactHessian2 matches a quadratic exactly and the toy network to 1e-8', async () => {
    const q = quadraticObjective([Float64Array.of(3, -1), Float64Array.of(-1, 2)]);
    const h = await exactHessian2(q, [0.4, -0.7]);
    expect(h.xx).toBeCloseTo(3, 8);
    expect(h.xy).toBeCloseTo(-1, 8);
    expect(h.yy).toBeCloseTo(2, 8);
    const { obj } = await toyObjective();
    for (const w of [
      [-2.6, -2.6],
      [1, 0.5],
    ]) {
      const got = await exactHessian2(obj, w);
      const { H } = await referenceHessian(obj, w);
      expect(Math.abs(got.xx - H[0][0])).toBeLessThan(1e-8);
      expect(Math.abs(got.xy - H[0][1])).toBeLessThan(1e-8);
      expect(Math.abs(got.yy - H[1][1])).toBeLessThan(1e-8);
    }
  });

  it('lipschitzOnBox2 recovers ρ = max|c_i| of a cubic, whose Hessian moves by diag(c ⊙ d)', async () => {
    const obj = cubicObjective([3, -7], [Float64Array.of(1, 0.2), Float64Array.of(0.2, 2)]);
    const r = await lipschitzOnBox2(obj, [0.5, -1], { lattice: 3 });
    expect(r.rho).toBeCloseTo(7, 5);
    // The centre Hessian: A + diag(c ⊙ w).
    expect(r.hessian.xx).toBeCloseTo(1 + 1.5, 6);
    expect(r.hessian.yy).toBeCloseTo(2 + 7, 6);
    expect(r.cost).toBe(36);
    const even = await lipschitzOnBox2(obj, [0.5, -1], { lattice: 2 });
    expect(even.cost).toBe(20);
    expect(even.hessian.xy).toBeCloseTo(0.2, 6);
  });

  it('boundaryComplexity counts regions and the cut fraction of a label map', () => {
    // 4×3 map: a vertical stripe of 1s in column 1, an isolated 1 at (3, 2).
    const map = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1]);
    const c = boundaryComplexity(map, 4, 3);
    expect(c.regions).toBe(4); // left 0s, the stripe, the right 0s, the lone 1
    // 17 neighbour pairs (3·3 horizontal + 4·2 vertical); cuts: 6 beside the stripe, 2 at the lone 1.
    expect(c.boundaryFraction).toBeCloseTo(8 / 17, 14);
    expect(c.positiveFraction).toBeCloseTo(4 / 12, 14);
  });
});

describe('toyExperiment (small grid)', () => {
  let r: ToyExperimentResult;
  beforeAll(async () => {
    r = await toyExperiment({
      grid: 9,
      range: [-4, 4],
      starts: 4,
      lattice: 3,
      samples: 300,
      inputGrid: 21,
    });
  });

  it('returns every grid map with the grid shape', () => {
    expect(r.n).toBe(100);
    expect(Array.from(r.grid.w1)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3, 4]);
    for (const k of [
      'loss',
      'psi',
      'psiStar',
      'rho',
      'lambdaMax',
      'lambdaMin',
      'bound',
      'boundStar',
    ] as const) {
      expect(r.grid[k].length).toBe(81);
      expect(r.grid[k].every(Number.isFinite)).toBe(true);
    }
    expect(r.cost.gradientEvaluations).toBeGreaterThan(81 * 36);
  });

  it('grid losses equal the network loss at those points', async () => {
    const { net } = await toyObjective();
    for (const [i, j] of [
      [0, 0],
      [4, 4],
      [8, 2],
      [1, 7],
    ]) {
      net.setParams([r.grid.w1[i], r.grid.w2[j]]);
      expect(r.grid.loss[j * 9 + i]).toBeCloseTo(net.evaluate().loss, 13);
    }
  });

  it('Ψ at a grid point equals pacgenFromCurvature of the exact diagonal there, and the bound follows', async () => {
    const { obj } = await toyObjective();
    for (const [i, j] of [
      [2, 2],
      [6, 3],
    ]) {
      const c = j * 9 + i;
      const w = [r.grid.w1[i], r.grid.w2[j]];
      const diag = await hessianDiagonal(obj, w, { method: 'exact' });
      const ref = pacgenFromCurvature({
        w,
        h: diag.diagonal,
        rho: r.grid.rho[c],
        n: 100,
        trainLoss: r.grid.loss[c],
      });
      expect(r.grid.psi[c]).toBeCloseTo(ref.psi, 7);
      expect(r.grid.psiStar[c]).toBeCloseTo(ref.psiStar, 7);
      expect(r.grid.boundStar[c]).toBeCloseTo(ref.bound.total, 7);
      const paper = r.grid.loss[c] + Math.sqrt((ref.psi + Math.log(200 / 0.05)) / 198);
      expect(r.grid.bound[c]).toBeCloseTo(paper, 7);
    }
    // At w = 0 every κ_i = ε and τ_i = κ_i: Ψ = Σ ln(max(κ√a, 1)) = 0 for a small Hessian.
    expect(r.grid.psi[4 * 9 + 4]).toBeCloseTo(0, 12);
  });

  it('finds minima with near-zero gradient and positive-definite Hessians', async () => {
    const { obj } = await toyObjective();
    expect(r.minima.length).toBeGreaterThanOrEqual(1);
    expect(r.global).toBe(0);
    for (let k = 1; k < r.minima.length; k++)
      expect(r.minima[k].loss).toBeGreaterThanOrEqual(r.minima[0].loss);
    for (const m of r.minima) {
      const { grad, loss } = await obj.gradient(m.w);
      expect(Math.hypot(grad[0], grad[1])).toBeLessThan(1e-6);
      expect(loss).toBeCloseTo(m.loss, 13);
      const { H } = await referenceHessian(obj, m.w);
      const [lmax, lmin] = eigen2({ xx: H[0][0], xy: H[0][1], yy: H[1][1] });
      expect(lmin).toBeGreaterThan(0);
      expect(m.eigenvalues[0]).toBeCloseTo(lmax, 7);
      expect(m.eigenvalues[1]).toBeCloseTo(lmin, 7);
      expect(m.w.every((x) => x >= -4 && x <= 4)).toBe(true);
    }
    // The default data has a global minimum on the diagonal near (−2.62, −2.62).
    expect(r.minima[0].w[0]).toBeCloseTo(-2.6166, 3);
    expect(r.minima[0].w[1]).toBeCloseTo(-2.6166, 3);
    expect(r.descent.starts).toBe(16);
    expect(r.descent.converged + r.descent.leftRange + r.descent.notConverged).toBe(16);
  });

  it('picks the lowest-Ψ other minimum as the local one and compares it with the global one', () => {
    if (r.local < 0) return;
    const others = r.minima.filter((_, k) => k !== r.global).map((m) => m.psi);
    expect(r.minima[r.local].psi).toBe(Math.min(...others));
    const g = r.minima[r.global];
    const l = r.minima[r.local];
    expect(r.comparison).toEqual({
      lowerPsi: l.psi < g.psi,
      smallerTopEigenvalue: l.eigenvalues[0] < g.eigenvalues[0],
      lowerBound: l.bound < g.bound,
      lowerTestLoss: l.testLoss < g.testLoss,
    });
  });

  it('reconstructs labels of draws from p(x) at each minimum', () => {
    const rec = r.reconstruction;
    expect(rec.x.length).toBe(600);
    expect(rec.truth.length).toBe(300);
    expect(rec.truthGrid.length).toBe(441);
    const p = rec.global!;
    expect(p.minimum).toBe(r.global);
    expect(p.probability.length).toBe(300);
    expect(p.gridProbability.length).toBe(441);
    // The median rule labels half the draws 1.
    const ones = p.medianLabels.reduce((s, v) => s + v, 0);
    expect(Math.abs(ones - 150)).toBeLessThanOrEqual(1);
    const agree = p.labels.reduce((s, v, i) => s + (v === rec.truth[i] ? 1 : 0), 0) / 300;
    expect(p.accuracy).toBeCloseTo(agree, 14);
  });

  it('rejects bad options', async () => {
    await expect(toyExperiment({ grid: 1 })).rejects.toThrow(/grid/);
    await expect(toyExperiment({ range: [1, 1] })).rejects.toThrow(/range/);
    await expect(toyExperiment({ delta: 1 })).rejects.toThrow(/delta/);
    await expect(toyExperiment({ lattice: 1 })).rejects.toThrow(/lattice/);
  });
});
