import { Random } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { erfc } from '../src/index.js';
import {
  granulatedTau,
  inversionCdf,
  kendallTau,
  type GranulatedPoint,
} from '../src/entries/experiments.js';

/** τ-b by its definition over all n(n−1)/2 pairs. */
function bruteTau(x: number[], y: number[]) {
  let c = 0;
  let d = 0;
  let tx = 0;
  let ty = 0;
  let txy = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const s = Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
      if (s > 0) c++;
      else if (s < 0) d++;
      if (x[i] === x[j]) tx++;
      if (y[i] === y[j]) ty++;
      if (x[i] === x[j] && y[i] === y[j]) txy++;
    }
  }
  const n0 = (x.length * (x.length - 1)) / 2;
  return { tau: (c - d) / Math.sqrt((n0 - tx) * (n0 - ty)), c, d, tx, ty, txy };
}

describe('kendallTau', () => {
  it('matches hand-computed values', () => {
    // y = (3, 1, 2, 5, 4): discordant pairs (3,1), (3,2), (5,4); 7 concordant of 10.
    const a = kendallTau([1, 2, 3, 4, 5], [3, 1, 2, 5, 4]);
    expect(a).toMatchObject({ n: 5, concordant: 7, discordant: 3, tiesX: 0, tiesY: 0 });
    expect(a.tau).toBeCloseTo(0.4, 15);
    // With ties: x ties (2,2), (4,4); y ties (2,2), (4,4); no joint ties; discordant pairs
    // (x2,y3)-(x3,y2) and (x4,y5)-(x5,y4); 17 untied pairs: C = 15, D = 2,
    // τ-b = 13/√((21 − 2)(21 − 2)) = 13/19.
    const b = kendallTau([1, 2, 2, 3, 4, 4, 5], [1, 3, 2, 2, 5, 4, 4]);
    expect(b).toMatchObject({ concordant: 15, discordant: 2, tiesX: 2, tiesY: 2, tiesXY: 0 });
    expect(b.tau).toBeCloseTo(13 / 19, 15);
    // A 2×2 table: one concordant and one discordant pair, τ = 0.
    const c = kendallTau([1, 1, 2, 2], [1, 2, 1, 2]);
    expect(c.tau).toBe(0);
    expect(c.pValue).toBeCloseTo(1, 12);
    // Joint ties are neither concordant nor discordant, and counted.
    const d = kendallTau([1, 1, 2], [5, 5, 6]);
    expect(d).toMatchObject({ tiesX: 1, tiesY: 1, tiesXY: 1, concordant: 2, discordant: 0 });
    expect(d.tau).toBeCloseTo(1, 15);
  });

  it('matches SciPy 1.17 kendalltau (τ-b and its p-value, exact and asymptotic)', () => {
    const cases: [number[], number[], number, number, string][] = [
      [[1, 2, 3, 4, 5], [3, 1, 2, 5, 4], 0.39999999999999997, 0.48333333333333334, 'exact'],
      [
        [1, 2, 2, 3, 4, 4, 5],
        [1, 3, 2, 2, 5, 4, 4],
        0.6842105263157894,
        0.041136383569940586,
        'normal',
      ],
      [
        Array.from({ length: 10 }, (_, i) => i),
        [0, 2, 1, 3, 5, 4, 6, 8, 7, 9],
        0.8666666666666666,
        0.00011518959435626102,
        'exact',
      ],
      [
        Array.from({ length: 40 }, (_, i) => i),
        Array.from({ length: 40 }, (_, i) => (7 * i) % 40),
        0.14615384615384616,
        0.1841061194960797,
        'normal',
      ],
      [
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        [2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11],
        0.8181818181818181,
        4.4129288920955584e-5,
        'exact',
      ],
    ];
    for (const [x, y, tau, p, method] of cases) {
      const r = kendallTau(x, y);
      expect(r.tau).toBeCloseTo(tau, 12);
      expect(r.pValue / p).toBeCloseTo(1, 8);
      expect(r.method).toBe(method);
    }
  });

  it('agrees with the O(n²) definition on random lists with many ties', () => {
    const rng = new Random(7);
    for (let trial = 0; trial < 60; trial++) {
      const n = 2 + rng.int(60);
      const levels = 1 + rng.int(8);
      const x = Array.from({ length: n }, () => rng.int(levels));
      const y = Array.from({ length: n }, (_, i) => (rng.uniform() < 0.5 ? x[i] : rng.int(levels)));
      const r = kendallTau(x, y);
      const b = bruteTau(x, y);
      expect([r.concordant, r.discordant, r.tiesX, r.tiesY, r.tiesXY]).toEqual([
        b.c,
        b.d,
        b.tx,
        b.ty,
        b.txy,
      ]);
      if (Number.isNaN(b.tau)) expect(r.tau).toBeNaN();
      else expect(r.tau).toBeCloseTo(b.tau, 12);
    }
  });

  it('drops pairs with a non-finite value, and is NaN for constant lists', () => {
    const r = kendallTau([1, NaN, 2, 3, Infinity], [1, 5, 2, 3, 4]);
    expect(r.n).toBe(3);
    expect(r.tau).toBe(1);
    expect(kendallTau([1, 1, 1], [1, 2, 3]).tau).toBeNaN();
    expect(kendallTau([1], [2]).tau).toBeNaN();
    expect(() => kendallTau([1, 2], [1])).toThrow(/equal length/);
  });

  it('computes the exact null distribution of the inversions', () => {
    // n = 5: counts of permutations by inversions are 1, 4, 9, 15, 20, 22, 20, 15, 9, 4, 1.
    const counts = [1, 4, 9, 15, 20, 22, 20, 15, 9, 4, 1];
    let cum = 0;
    for (let c = 0; c < counts.length; c++) {
      cum += counts[c];
      expect(inversionCdf(5, c)).toBeCloseTo(cum / 120, 14);
    }
    expect(inversionCdf(5, -1)).toBe(0);
  });

  it('erfc is accurate in the tail', () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(1) / 0.15729920705028513).toBeCloseTo(1, 13);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 9);
    expect(erfc(5) / 1.5374597944280351e-12).toBeCloseTo(1, 9);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 14);
  });
});

describe('granulatedTau', () => {
  // Gap grows with batch size and as the learning rate shrinks. The measure follows the batch
  // size within every learning rate but ranks the learning rates backwards.
  const points: GranulatedPoint[] = [];
  for (const seed of [1, 2])
    for (const lr of [0.1, 0.05])
      for (const bs of [32, 64, 128]) {
        const gap = bs / 32 + (lr === 0.05 ? 10 : 0) + 0.01 * seed;
        const measure = bs / 32 - (lr === 0.05 ? 10 : 0);
        points.push({ hyper: { batchSize: bs, lr, seed }, measure, gap });
      }

  it('averages τ within groups that differ in one hyperparameter', () => {
    const r = granulatedTau(points, ['batchSize', 'lr']);
    const bs = r.perAxis.find((a) => a.axis === 'batchSize');
    const lr = r.perAxis.find((a) => a.axis === 'lr');
    // 4 groups (lr × seed) of 3 batch sizes each, τ = 1 in each.
    expect(bs).toMatchObject({ tau: 1, groups: 4, groupTaus: [1, 1, 1, 1] });
    // 6 groups (batch size × seed) of 2 learning rates each, τ = −1 in each.
    expect(lr).toMatchObject({ tau: -1, groups: 6 });
    expect(r.mean).toBe(0);
    // The plain τ over all runs mixes both effects.
    const plain = kendallTau(
      points.map((p) => p.measure),
      points.map((p) => p.gap),
    );
    expect(plain.tau).toBeLessThan(0);
  });

  it('defaults to the keys that vary, keeps singleton groups out, and checks keys', () => {
    const r = granulatedTau(points);
    expect(r.perAxis.map((a) => a.axis)).toEqual(['batchSize', 'lr', 'seed']);
    const lone = granulatedTau([
      { hyper: { a: 1, b: 1 }, measure: 1, gap: 1 },
      { hyper: { a: 2, b: 1 }, measure: 2, gap: 2 },
      { hyper: { a: 3, b: 2 }, measure: 3, gap: 0 },
    ]);
    expect(lone.perAxis[0]).toMatchObject({ axis: 'a', tau: 1, groups: 1 });
    // Along b, every group holds one run: ψ_b undefined, left out of the mean.
    expect(lone.perAxis[1].tau).toBeNaN();
    expect(lone.mean).toBe(1);
    expect(() => granulatedTau(points, ['momentum'])).toThrow(/no hyperparameter/);
    expect(() =>
      granulatedTau([
        { hyper: { a: 1 }, measure: 1, gap: 1 },
        { hyper: { b: 1 }, measure: 1, gap: 1 },
      ]),
    ).toThrow(/lacks/);
  });
});
