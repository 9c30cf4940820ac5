import { beforeAll, describe, expect, it } from 'vitest';
import { hessianDiagonal, summarizeByTensor, summarizeVector } from '../src/index.js';
import {
  diagonalOf,
  maxRelativeError,
  referenceHessian,
  smallNetwork,
  type SmallNet,
} from './helpers.js';

describe.each(['tanh', 'sigmoid', 'relu'] as const)(
  'exact Hessian diagonal, %s network (f64)',
  (act) => {
    let s: SmallNet;
    let exact: Float64Array;
    beforeAll(async () => {
      s = await smallNetwork(act);
      exact = diagonalOf((await referenceHessian(s.obj, s.w)).H);
    });

    it('matches the reference diagonal to 1e-6 at 2m + 1 gradients', async () => {
      const r = await hessianDiagonal(s.obj, s.w, { method: 'exact' });
      expect(r.method).toBe('exact');
      expect(r.stdErr).toBeNull();
      expect(r.cost).toBe(2 * s.obj.numParams + 1);
      expect(maxRelativeError(r.diagonal, exact)).toBeLessThan(1e-6);
    });

    it('with Richardson: 4m + 1 gradients, still within 1e-6', async () => {
      const r = await hessianDiagonal(s.obj, s.w, { richardson: true, step: 1e-4 });
      expect(r.cost).toBe(4 * s.obj.numParams + 1);
      expect(maxRelativeError(r.diagonal, exact)).toBeLessThan(1e-6);
    });
  },
);

describe('Hutchinson Hessian diagonal (tanh network, f64)', () => {
  let s: SmallNet;
  let H: Float64Array[];
  beforeAll(async () => {
    s = await smallNetwork('tanh');
    H = (await referenceHessian(s.obj, s.w)).H;
  });

  it('error falls as 1/√K and matches its predicted size; the truth lies within the standard errors', async () => {
    const exact = diagonalOf(H);
    // E‖ĥ_K − h‖² = Σ_i Σ_{j≠i} H_ij² / K for Rademacher probes.
    let offDiagonal = 0;
    H.forEach((row, i) => row.forEach((h, j) => (offDiagonal += i === j ? 0 : h * h)));
    const errors: number[] = [];
    for (const probes of [16, 1024]) {
      const r = await hessianDiagonal(s.obj, s.w, { method: 'hutchinson', probes, seed: 7 });
      expect(r.cost).toBe(2 * probes + 1);
      const sq = r.diagonal.reduce((a, h, i) => a + (h - exact[i]) ** 2, 0);
      expect(sq / (offDiagonal / probes)).toBeGreaterThan(0.5);
      expect(sq / (offDiagonal / probes)).toBeLessThan(2);
      errors.push(Math.sqrt(sq));
      if (probes === 1024) {
        const z = r.diagonal.map((h, i) => (h - exact[i]) / r.stdErr![i]);
        const within = z.filter((x) => Math.abs(x) <= 3).length / z.length;
        expect(within).toBeGreaterThan(0.95);
        const meanSquare = z.reduce((a, x) => a + x * x, 0) / z.length;
        expect(meanSquare).toBeGreaterThan(0.7);
        expect(meanSquare).toBeLessThan(1.4);
      }
    }
    // √(1024/16) = 8.
    expect(errors[0] / errors[1]).toBeGreaterThan(5);
    expect(errors[0] / errors[1]).toBeLessThan(12);
  });

  it('one probe gives NaN standard errors', async () => {
    const r = await hessianDiagonal(s.obj, s.w, { method: 'hutchinson', probes: 1 });
    expect(r.stdErr!.every(Number.isNaN)).toBe(true);
  });

  it('reports progress, one call per product', async () => {
    const calls: [number, number][] = [];
    await hessianDiagonal(s.obj, s.w, {
      method: 'hutchinson',
      probes: 5,
      onProgress: (d, t) => calls.push([d, t]),
    });
    expect(calls).toEqual([1, 2, 3, 4, 5].map((d) => [d, 5]));
  });
});

describe('per-tensor summaries', () => {
  it('summarizes each tensor of a vector', () => {
    const values = Float64Array.from([1, -2, 3, 4, 0, -1]);
    const [a, b] = summarizeByTensor(values, [
      { name: 'a', offset: 0, size: 3 },
      { name: 'b', offset: 3, size: 3 },
    ]);
    expect(a).toMatchObject({ name: 'a', size: 3, sum: 2, min: -2, max: 3, absMean: 2 });
    expect(a.mean).toBeCloseTo(2 / 3, 12);
    expect(a.negativeFraction).toBeCloseTo(1 / 3, 12);
    expect(a.rms).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(b).toMatchObject({ name: 'b', size: 3, sum: 3, mean: 1, min: -1, max: 4 });
    expect(b.std).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(summarizeVector(values).sum).toBe(5);
  });

  it('covers a network diagonal tensor by tensor', async () => {
    const s = await smallNetwork('tanh', { hidden: [4] });
    const { diagonal } = await hessianDiagonal(s.obj, s.w);
    const rows = summarizeByTensor(diagonal, s.obj.tensors);
    expect(rows.map((r) => r.name)).toEqual(s.obj.tensors.map((t) => t.name));
    expect(rows.reduce((a, r) => a + r.sum, 0)).toBeCloseTo(summarizeVector(diagonal).sum, 10);
  });

  it('refuses a tensor outside the vector', () => {
    expect(() => summarizeByTensor([1, 2], [{ name: 'k', offset: 1, size: 2 }])).toThrow(
      /tensor 'k' \(offset 1, size 2\) lies outside the vector of length 2/,
    );
  });
});
