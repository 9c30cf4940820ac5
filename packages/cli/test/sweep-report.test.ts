import { kendallTau, type MeasureCorrelation } from '@pacgen/metrics/experiments';
import { describe, expect, it } from 'vitest';
import { tauVerdict } from '../src/sweep-report.js';

/** A correlation of `measure` whose τ is computed from `x` against the gaps `gap`. */
function correlation(measure: MeasureCorrelation['measure'], x: number[], gap: number[]) {
  const tau = kendallTau(x, gap);
  return { measure, all: tau, atTarget: tau, granulated: { perAxis: [], mean: NaN } };
}

describe('tauVerdict', () => {
  const gap = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
  const up = [1, 2, 3, 4, 5, 6, 7, 8];
  const down = [...up].reverse();
  const norm = correlation('weightNorm', down, gap);

  it('calls a significant positive τ above the weight norm a win', () => {
    const c = correlation('psiStar', up, gap);
    // Exact two-sided p of a perfect ranking of 8: 2/8!.
    expect(c.all.pValue).toBeCloseTo(2 / 40320, 12);
    const text = tauVerdict(c, norm);
    expect(text).toBe(
      'Ψ* ranks the gaps with τ = 1.00 (p = 5.0e-5), in the predicted direction (a larger value, a larger gap); the weight norm has τ = -1.00, so Ψ* beats that baseline.',
    );
  });

  it('never calls a negative τ a win, even above a more negative weight norm', () => {
    const almost = correlation('psi', [8, 7, 6, 5, 4, 3, 1, 2], gap);
    expect(almost.all.tau).toBeCloseTo(-26 / 28, 12);
    const text = tauVerdict(almost, norm);
    expect(text).toMatch(/in the WRONG direction \(a larger value, a smaller gap\)/);
    expect(text).toMatch(/Ψ does not beat that baseline\.$/);
  });

  it('says when τ is not significant', () => {
    const text = tauVerdict(correlation('psi', [1, 8, 2, 7, 3, 6, 4, 5], gap), undefined);
    expect(text).toMatch(/not significantly \(p ≥ 0\.05\)\.$/);
  });
});
