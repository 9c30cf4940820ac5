// The pieces of the certificate against values computed independently: mpmath at 50 digits
// (bisection of kl(q‖p) = c to 2⁻²⁰⁰, the kl and Gaussian KL sums written out per coordinate),
// script in the comments below, run with mpmath 1.3.0.

import { PacgenError } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import {
  bestPriorVariance,
  binaryKl,
  gaussianKl,
  gaussianKlSums,
  klInverse,
  klInverseGradient,
  NormalStream,
  pacBayesKlBound,
  priorVariances,
  sampleConvergenceBound,
  samplesPerDraw,
} from '../src/certificate/index.js';
import { erfc } from '../src/index.js';

// mpmath: kl(q, p) = q*log(q/p) + (1-q)*log((1-q)/(1-p)) at mp.dps = 50.
const KL_REFERENCE: [number, number, number][] = [
  [0.1, 0.2, 0.03669001403475058],
  [0.5, 0.5 + 1e-9, 1.9999998868722757e-18],
  [0, 0.3, 0.35667494393873234],
  [0.02, 0.01, 0.003913619576461259],
  [0.999, 0.5, 0.6852399254477132],
];

// mpmath: 200 bisection steps of kl(q, p) > c on [q, 1].
const KL_INVERSE_REFERENCE: [number, number, number][] = [
  [0, 0.1, 0.09516258196404043],
  [0.01, 0.001, 0.015123045604261642],
  [0.05, 0.02, 0.10574993976928342],
  [0.3, 0.5, 0.771382328607575],
  [0.5, 1e-8, 0.5000707106777651],
  [0.9, 0.01, 0.9370893701527417],
  [1e-6, 1e-5, 1.3610782816050961e-5],
  [0.2, 5, 0.9989669551109045],
];

describe('binary kl and its upper inverse', () => {
  for (const [q, p, ref] of KL_REFERENCE) {
    it(`kl(${q}‖${p}) = ${ref} to 1e-14 relative`, () => {
      expect(Math.abs(binaryKl(q, p) - ref)).toBeLessThanOrEqual(1e-14 * ref);
    });
  }

  it('is 0 at p = q and +∞ when p ∈ {0, 1} differs from q', () => {
    expect(binaryKl(0.3, 0.3)).toBe(0);
    expect(binaryKl(0.3, 1)).toBe(Infinity);
    expect(binaryKl(0.3, 0)).toBe(Infinity);
    expect(binaryKl(0, 0)).toBe(0);
    expect(binaryKl(1, 1)).toBe(0);
  });

  for (const [q, c, ref] of KL_INVERSE_REFERENCE) {
    it(`klInverse(${q}, ${c}) = ${ref}: never below, at most 1e-12 above`, () => {
      const p = klInverse(q, c);
      expect(p).toBeGreaterThanOrEqual(ref);
      expect(p - ref).toBeLessThanOrEqual(1e-12);
    });
  }

  it('has the edge values q (c = 0), 1 (q = 1 or c = ∞)', () => {
    expect(klInverse(0.25, 0)).toBe(0.25);
    expect(klInverse(1, 0.3)).toBe(1);
    expect(klInverse(0.25, Infinity)).toBe(1);
  });

  it('refuses q outside [0, 1] and c < 0', () => {
    expect(() => klInverse(-0.1, 1)).toThrow(PacgenError);
    expect(() => klInverse(1.1, 1)).toThrow(/q must be in \[0, 1\]/);
    expect(() => klInverse(0.1, -1)).toThrow(/kl budget c/);
    expect(() => klInverse(0.1, NaN)).toThrow(/kl budget c/);
  });

  it('its derivatives match mpmath central differences (step 1e-20) at (0.05, 0.02)', () => {
    const g = klInverseGradient(0.05, 0.02);
    expect(g.p).toBeCloseTo(0.10574993976928342, 12);
    expect(Math.abs(g.dq - 1.37318190370054)).toBeLessThan(1e-9);
    expect(Math.abs(g.dc - 1.69626891794742)).toBeLessThan(1e-9);
  });
});

describe('sample-convergence bound (Langford & Caruana 2001)', () => {
  it('is klInverse(p̂, ln(2/δ)/K): mpmath 0.07565109632739392 at p̂ 0.05, K 1000, δ 0.01', () => {
    const b = sampleConvergenceBound(0.05, 1000, 0.01);
    expect(b - 0.07565109632739392).toBeGreaterThanOrEqual(0);
    expect(b - 0.07565109632739392).toBeLessThanOrEqual(1e-12);
  });

  it('refuses δ outside (0, 1) and a non-integer draw count', () => {
    expect(() => sampleConvergenceBound(0.1, 10, 0)).toThrow(/delta must be in \(0, 1\)/);
    expect(() => sampleConvergenceBound(0.1, 10, 1)).toThrow(/delta must be in \(0, 1\)/);
    expect(() => sampleConvergenceBound(0.1, 2.5, 0.05)).toThrow(/draws must be an integer/);
  });
});

describe('Gaussian KL(N(w, diag σ²) ‖ N(w₀, λI))', () => {
  const w = [0.5, -1, 2];
  const sigma = [0.1, 0.2, 0.3];
  const w0 = [0.4, -0.8, 1.5];

  it('equals the sum of one-dimensional KLs (mpmath: 2.4485218412207184 at λ = 0.09)', () => {
    const kl = gaussianKl(gaussianKlSums(w, sigma, w0), 0.09);
    expect(Math.abs(kl - 2.4485218412207184)).toBeLessThan(1e-14);
  });

  it('takes w₀ = 0 for a null prior mean (mpmath: 29.948521841220717)', () => {
    const kl = gaussianKl(gaussianKlSums(w, sigma, null), 0.09);
    expect(Math.abs(kl - 29.948521841220717)).toBeLessThan(1e-13);
  });

  it('is 0 when Q is P (to rounding)', () => {
    expect(gaussianKl(gaussianKlSums([1, 2], [0.3, 0.3], [1, 2]), 0.09)).toBeLessThan(1e-15);
  });

  it('picks the grid λ with the lowest KL, next to (Σσ² + Σd²)/m = 0.14666…', () => {
    const sums = gaussianKlSums(w, sigma, w0);
    const grid = [1, 0.5, 0.2, 0.15, 0.14, 0.1, 0.01];
    const best = bestPriorVariance(sums, grid);
    const kls = grid.map((l) => gaussianKl(sums, l));
    expect(best.kl).toBe(Math.min(...kls));
    expect([best.lambda, best.index]).toEqual([0.15, 3]);
  });

  it('refuses σ ≤ 0, mismatched lengths and λ ≤ 0', () => {
    expect(() => gaussianKlSums([1], [0], null)).toThrow(/σ\[0\] must be a finite number > 0/);
    expect(() => gaussianKlSums([1, 2], [1], null)).toThrow(/same length/);
    expect(() => gaussianKl(gaussianKlSums([1], [1], null), 0)).toThrow(/prior variance λ/);
  });
});

describe('the λ grid and the PAC-Bayes-kl bound (Maurer 2004)', () => {
  it('has J geometric points from max to min', () => {
    const g = priorVariances({ max: 1, min: 1e-4, points: 5 });
    const expected = [1, 0.1, 0.01, 0.001, 0.0001];
    g.forEach((x, i) =>
      expect(Math.abs(x - expected[i])).toBeLessThanOrEqual(1e-15 * expected[i] * 4),
    );
    expect(priorVariances().length).toBe(10_001);
    expect(priorVariances({ max: 0.5, min: 0.5, points: 1 })).toEqual([0.5]);
  });

  it('at n 60,000, KL 5,000, δ 0.04, J 10,001, ê 0.03 (mpmath: 0.1540451461793215)', () => {
    const r = pacBayesKlBound({
      empiricalError: 0.03,
      kl: 5000,
      n: 60000,
      delta: 0.04,
      gridSize: 10001,
    });
    expect(Math.abs(r.confidenceTerm - 18.62351329300678)).toBeLessThan(1e-13);
    expect(Math.abs(r.complexity - 0.08364372522155011)).toBeLessThan(1e-16);
    expect(r.bound - 0.1540451461793215).toBeGreaterThanOrEqual(0);
    expect(r.bound - 0.1540451461793215).toBeLessThanOrEqual(1e-12);
  });

  it('refuses n < 8, δ outside (0, 1) and a negative KL', () => {
    const ok = { empiricalError: 0.1, kl: 10, n: 100, delta: 0.05 };
    expect(() => pacBayesKlBound({ ...ok, n: 7 })).toThrow(/n ≥ 8/);
    expect(() => pacBayesKlBound({ ...ok, delta: 1.5 })).toThrow(/delta must be in \(0, 1\)/);
    expect(() => pacBayesKlBound({ ...ok, kl: -1 })).toThrow(/KL must be/);
  });
});

describe('Monte Carlo blocks and noise', () => {
  it('blocks are the largest divisor of n up to the target, or all samples', () => {
    expect(samplesPerDraw(60000, 235)).toBe(200);
    expect(samplesPerDraw(60000, 11)).toBe(10);
    expect(samplesPerDraw(10000, 235)).toBe(200);
    // 59,999 has no divisor in [59, 235]: one block of all samples.
    expect(samplesPerDraw(59999, 235)).toBe(59999);
    expect(samplesPerDraw(500, 1000)).toBe(500);
    expect(samplesPerDraw(7, 3)).toBe(1);
  });

  it('NormalStream repeats itself per seed and is N(0, 1): moments and Kolmogorov–Smirnov', () => {
    const a = new NormalStream(7, 1).fill(new Float64Array(200_000));
    const b = new NormalStream(7, 1).fill(new Float64Array(200_000));
    const c = new NormalStream(7, 2).fill(new Float64Array(5));
    expect(b).toEqual(a);
    expect(Array.from(c)).not.toEqual(Array.from(a.subarray(0, 5)));
    let s1 = 0;
    let s2 = 0;
    for (const x of a) {
      s1 += x;
      s2 += x * x;
    }
    const n = a.length;
    // Standard errors of the mean (1/√n) and of the second moment (√(2/n)): within 5 of them.
    expect(Math.abs(s1 / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    const sorted = Float64Array.from(a).sort();
    let d = 0;
    for (let i = 0; i < n; i += 97) {
      const cdf = 0.5 * erfc(-sorted[i] / Math.SQRT2);
      d = Math.max(d, Math.abs(cdf - (i + 0.5) / n));
    }
    // KS critical value at the 0.001 level: 1.95/√n.
    expect(d).toBeLessThan(1.95 / Math.sqrt(n));
  });
});
