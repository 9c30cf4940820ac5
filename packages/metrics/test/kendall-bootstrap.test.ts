import { describe, expect, it } from 'vitest';
import { kendallTau } from '../src/experiments/kendall.js';
import {
  bootstrapIndices,
  kendallTauInterval,
  percentileInterval,
} from '../src/experiments/kendall-bootstrap.js';
import { signTau } from './sweep-fixture.js';

describe('bootstrap interval of Kendall τ', () => {
  // x = (1, 2, 3), y = (1, 3, 2): pairs (1,2) and (1,3) concordant, (2,3) discordant, τ = 1/3.
  const x = [1, 2, 3];
  const y = [1, 3, 2];

  it('all 27 resamples of 3 runs: the τ distribution derived by hand, and its percentiles', () => {
    const taus: number[] = [];
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        for (let c = 0; c < 3; c++) {
          const idx = [a, b, c];
          taus.push(
            kendallTau(
              idx.map((i) => x[i]),
              idx.map((i) => y[i]),
            ).tau,
          );
        }
      }
    }
    // By hand: 3 resamples repeat one run (τ undefined); 6 are permutations of all three runs
    // (τ = 1/3); the 18 others hold exactly two distinct runs {i, j} (6 each), whose repeated
    // run is tied in both lists, so τ-b = (2·s_ij)/√(2·2) = s_ij: +1 for {1,2} and {1,3}, −1
    // for {2,3}. Defined: 24 values, −1 ×6, 1/3 ×6, +1 ×12.
    expect(taus.filter(Number.isNaN)).toHaveLength(3);
    const defined = taus.filter(Number.isFinite).sort((p, q) => p - q);
    expect(defined.filter((t) => t === -1)).toHaveLength(6);
    expect(defined.filter((t) => Math.abs(t - 1 / 3) < 1e-15)).toHaveLength(6);
    expect(defined.filter((t) => t === 1)).toHaveLength(12);
    // q(p) = v[⌈24p⌉ − 1]: 95% → p = 0.025 → v[0] = −1, p = 0.975 → v[23] = 1;
    // 25% → p = 0.375 → v[8] = 1/3, p = 0.625 → v[14] = 1.
    expect(percentileInterval(taus, 0.95)).toEqual({ low: -1, high: 1, defined: 24 });
    const i25 = percentileInterval(taus, 0.25);
    expect(i25.low).toBeCloseTo(1 / 3, 15);
    expect(i25.high).toBe(1);
  });

  it('equals the percentile interval of an independent τ over the same seeded resample list', () => {
    const xs = [0.3, 1.2, -0.5, 2.2, 0.9, 1.7, -1.1];
    const ys = [0.1, 0.8, 0.2, 1.9, 0.4, 0.5, -0.3];
    const lists = bootstrapIndices(xs.length, 500, 11);
    expect(lists).toHaveLength(500);
    for (const l of lists) expect(l.every((i) => i >= 0 && i < xs.length)).toBe(true);
    const taus = lists
      .map((l) =>
        signTau(
          Array.from(l, (i) => xs[i]),
          Array.from(l, (i) => ys[i]),
        ),
      )
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const k = taus.length;
    const got = kendallTauInterval(xs, ys, { resamples: 500, seed: 11, confidence: 0.9 });
    expect(got.defined).toBe(k);
    expect(got.low).toBeCloseTo(taus[Math.ceil(0.05 * k) - 1], 14);
    expect(got.high).toBeCloseTo(taus[Math.ceil(0.95 * k) - 1], 14);
    expect(got).toMatchObject({ resamples: 500, seed: 11, confidence: 0.9 });
    // The point estimate lies inside, and the interval is seeded.
    const tau = kendallTau(xs, ys).tau;
    expect(got.low).toBeLessThanOrEqual(tau);
    expect(got.high).toBeGreaterThanOrEqual(tau);
    expect(kendallTauInterval(xs, ys, { resamples: 500, seed: 11, confidence: 0.9 })).toEqual(got);
    expect(bootstrapIndices(xs.length, 500, 12)).not.toEqual(lists);
  });

  it('a perfect ranking has the interval [1, 1]; too few runs give NaN ends', () => {
    const xs = [1, 2, 3, 4, 5, 6];
    const r = kendallTauInterval(
      xs,
      xs.map((v) => 2 * v + 1),
    );
    expect([r.low, r.high, r.resamples]).toEqual([1, 1, 1000]);
    const one = kendallTauInterval([1], [2]);
    expect([one.low, one.high, one.defined]).toEqual([NaN, NaN, 0]);
    // Non-finite pairs are dropped before resampling, as kendallTau drops them.
    const withNaN = kendallTauInterval([1, NaN, 2, 3], [1, 5, 3, 2], { seed: 4 });
    expect(withNaN).toEqual(kendallTauInterval([1, 2, 3], [1, 3, 2], { seed: 4 }));
  });

  it('refuses a confidence outside (0, 1), a resample count < 1 and unequal lists', () => {
    expect(() => percentileInterval([1, 2], 1)).toThrow(/confidence must be in \(0, 1\)/);
    expect(() => kendallTauInterval([1, 2], [1, 2], { resamples: 0 })).toThrow(/resamples/);
    expect(() => kendallTauInterval([1, 2], [1])).toThrow(/equal length/);
  });
});
