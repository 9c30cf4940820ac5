// The pacgen-cnn case at its smallest: the GGN row is the reference (error 0), HesScale and
// Hutchinson are measured against it, the settings come from --quick/--full, and the goal reads
// the rows (speed-up and error both required).

import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import {
  CNN_PSI_DEFAULT,
  CNN_PSI_FULL,
  CNN_PSI_QUICK,
  cnnPsiSection,
  runCnnPsi,
  type CnnPsiResult,
  type CnnPsiRow,
} from '../src/cnn-psi.js';
import { cnnPsiGoal } from '../src/goals.js';

const row = (method: CnnPsiRow['method'], ms: number, error: number): CnnPsiRow => ({
  method,
  probes: method === 'hutchinson' ? 100 : 0,
  ms,
  gradientEvaluations: 0,
  error,
  psiStar: 0,
});

describe('pacgen-cnn', () => {
  it('scores mnist-cnn with each diagonal against the GGN one', async () => {
    const r = await runCnnPsi({ images: 16, probes: 4, cvProbes: 2, seed: 1 });
    expect(r.rows.map((x) => x.method)).toEqual(['ggn', 'hesscale', 'hutchinson-cv', 'hutchinson']);
    expect(r.rows.map((x) => x.gradientEvaluations)).toEqual([10, 2, 10 + 1 + 8, 9]);
    const [ggn, hesscale, cv, hutch] = r.rows;
    expect(ggn.error).toBe(0);
    // HesScale is exact in the last layer, an approximation before it: neither 0 nor ≥ 1.
    expect(hesscale.error).toBeGreaterThan(1e-3);
    expect(hesscale.error).toBeLessThan(1);
    // Four and two probes: unbiased but far from the diagonal (§5.1: ≈ 13/√K on this CNN).
    expect(hutch.error).toBeGreaterThan(0.5);
    expect(cv.error).toBeGreaterThan(0.1);
    expect(cnnPsiSection(r)).toContain('hesscale');
  }, 120_000);

  it('takes its settings from --quick and --full', () => {
    expect(parseArgs([]).cnnPsi).toEqual(CNN_PSI_DEFAULT);
    expect(parseArgs(['--quick']).cnnPsi).toEqual(CNN_PSI_QUICK);
    expect(parseArgs(['--full']).cnnPsi).toMatchObject({ images: 10000, probes: 100 });
    expect(parseArgs(['--cases', 'pacgen-cnn']).selections).toEqual(['pacgen-cnn']);
  });

  it('meets the goal only with both the speed-up and the error', () => {
    const result = (rows: CnnPsiRow[]): CnnPsiResult => ({ settings: CNN_PSI_FULL, rows });
    const hutch = row('hutchinson', 2000, 1.1);
    expect(cnnPsiGoal(result([row('ggn', 200, 0), row('hesscale', 50, 0.6), hutch])).met).toBe(
      true,
    );
    // 10× and 40× faster, but HesScale's error above Hutchinson's.
    expect(cnnPsiGoal(result([row('ggn', 200, 0), row('hesscale', 50, 1.5), hutch])).met).toBe(
      false,
    );
    expect(cnnPsiGoal(result([row('ggn', 90, 0), hutch])).measured).toMatch(/issue's setting/);
    expect(cnnPsiGoal(result([row('ggn', 90, 0), hutch])).met).toBe(true);
    expect(cnnPsiGoal(null).met).toBeNull();
  });
});
