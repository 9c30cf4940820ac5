import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MEASURE_NAMES } from '../src/experiments/measures.js';
import { compareCorrelations } from '../src/experiments/compare-correlations.js';
import type { CompareRun } from '../src/experiments/compare-run.js';
import { kendallTauInterval } from '../src/experiments/kendall-bootstrap.js';
import { errorGap } from '../src/experiments/sweep-correlations.js';
import { runSweep, type SweepRunResult } from '../src/experiments/sweep.js';
import { signTau, tinySweep } from './sweep-fixture.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('sweep τ against both gaps, with bootstrap intervals and the certificate', () => {
  it('ranks every measure, the certificate included, against the cross-entropy and the 0-1 error gap', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'pacgen-sweep-gaps-'));
    dirs.push(outDir);
    const result = await runSweep(tinySweep(outDir));
    const runs = result.runs;
    expect(runs).toHaveLength(4);
    const value = (r: SweepRunResult, m: string) =>
      r.measures?.values[m as 'psi']?.value ?? Number.NaN;

    // The certificate of each run: a bound on the 0-1 test error, above the measured test
    // error of its stochastic network, over the run's 200 training samples.
    for (const r of runs) {
      const c = r.measures?.details.certificate;
      expect(c?.n).toBe(200);
      expect(c?.confidence).toBeCloseTo(0.95, 15);
      expect(c?.bound).toBe(value(r, 'certificate'));
      expect(c?.bound).toBeGreaterThan(c?.testErrorQ ?? 1);
      expect(c?.bound).toBeLessThanOrEqual(1);
      expect(r.measures?.values.certificate?.cost.lossEvaluations).toBe(c?.forwardPasses);
    }
    const names = result.correlations.final.map((c) => c.measure);
    expect(names).toEqual([...MEASURE_NAMES]);
    expect(names).toContain('certificate');

    // Both gaps from the runs' own final fit: cross-entropy test − train loss, and test error
    // − training error = train accuracy − test accuracy.
    const ceGap = runs.map((r) => r.final.testLoss - r.final.trainLoss);
    const errGap = runs.map((r) => 1 - r.final.testAccuracy - (1 - r.final.trainAccuracy));
    runs.forEach((r, i) => expect(errorGap(r)).toBeCloseTo(errGap[i], 15));
    for (const c of result.correlations.final) {
      const xs = runs.map((r) => value(r, c.measure));
      expect(c.all.tau).toBeCloseTo(signTau(xs, ceGap), 14);
      expect(c.errorGap.all.tau).toBeCloseTo(signTau(xs, errGap), 14);
      expect(c.errorGap.all.n).toBe(4);
      // The intervals: 1,000 seeded resamples of the runs, the same as a direct call.
      expect(c.intervals.all).toEqual(kendallTauInterval(xs, ceGap));
      expect(c.errorGap.intervals.all).toEqual(kendallTauInterval(xs, errGap));
      expect(c.intervals.all.resamples).toBe(1000);
      expect(c.intervals.all.low).toBeLessThanOrEqual(c.intervals.all.high);
      // No run reached the target in 2 epochs: no τ and no interval there.
      expect(Number.isNaN(c.errorGap.intervals.atTarget.low)).toBe(true);
      expect(c.errorGap.granulated.perAxis.map((a) => a.axis)).toEqual([
        'learningRate',
        'batchSize',
      ]);
      expect(c.intervals.granulated.defined).toBeGreaterThan(0);
    }
    expect(result.correlations.bootstrap).toEqual({ resamples: 1000, confidence: 0.95, seed: 0 });
  }, 120_000);
});

describe('comparison τ against both gaps', () => {
  it('ranks Ψ, Ψ* and the certificate against the cross-entropy and the 0-1 error gap, with intervals', () => {
    // Five finished runs: only their final fit and Ψ are read.
    const rows: [number, number, number, number, number][] = [
      // [train loss gap, train acc, test acc, Ψ, Ψ*]
      [0.05, 0.99, 0.95, 10, 100],
      [0.02, 0.97, 0.96, 8, 120],
      [0.09, 1.0, 0.93, 13, 90],
      [0.01, 0.96, 0.955, 7, 80],
      [0.04, 0.98, 0.97, 9, 110],
    ];
    const runs = rows.map(
      ([gap, trainAccuracy, testAccuracy, psi, psiStar]) =>
        ({
          final: { gap, trainAccuracy, testAccuracy, trainLoss: 0, testLoss: gap },
          psi: { psi, psiStar, curvatureFraction: 0, curvatureFractionStar: 1, bound: 1 },
          certificate: { bound: 0.2 + psiStar / 1000 },
        }) as unknown as CompareRun,
    );
    const c = compareCorrelations(runs, { resamples: 300, seed: 5 });
    const ce = rows.map((r) => r[0]);
    const err = rows.map((r) => r[1] - r[2]);
    const psi = rows.map((r) => r[3]);
    const psiStar = rows.map((r) => r[4]);
    // Ψ follows the cross-entropy gap exactly (τ = 1); against the error gap
    // (0.04, 0.01, 0.07, 0.005, 0.01) one pair is tied: τ-b = 9/√(10·9).
    expect(c.psi.tau).toBe(1);
    expect(c.errorGap.psi.tau).toBeCloseTo(9 / Math.sqrt(90), 14);
    expect(c.errorGap.psi.tau).toBeCloseTo(signTau(psi, err), 14);
    expect(c.psiStar.tau).toBeCloseTo(signTau(psiStar, ce), 14);
    expect(c.errorGap.psiStar.tau).toBeCloseTo(signTau(psiStar, err), 14);
    // The certificate (here a function of Ψ*) ranks as Ψ* does.
    expect(c.certificate?.tau).toBeCloseTo(signTau(psiStar, ce), 14);
    expect(c.errorGap.certificate?.tau).toBeCloseTo(signTau(psiStar, err), 14);
    expect(
      compareCorrelations(runs.map((r) => ({ ...r, certificate: null }))).certificate,
    ).toBeNull();
    expect(c.psi.interval).toEqual(kendallTauInterval(psi, ce, { resamples: 300, seed: 5 }));
    expect(c.errorGap.psiStar.interval).toEqual(
      kendallTauInterval(psiStar, err, { resamples: 300, seed: 5 }),
    );
    expect([c.psi.interval.low, c.psi.interval.high]).toEqual([1, 1]);
    expect(c.bootstrap).toEqual({ resamples: 300, confidence: 0.95, seed: 5 });
  });
});
