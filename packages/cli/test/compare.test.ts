import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, entries, expectOneLineError, override, pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (npm run build): ${BIN} is missing`);
});

/** A tiny comparison: an MLP on 128 MNIST samples, 2 methods, 2 seeds, 2 epochs, a small Ψ. */
const TINY = [
  'compare',
  '--data',
  'mnist',
  '--model',
  'mlp:8',
  '--methods',
  'plain,perturbed-secant',
  '--seeds',
  '1,2',
  '--epochs',
  '2',
  '--batch-size',
  '32',
  '--train-size',
  '128',
  '--test-size',
  '64',
  '--warmup',
  '2',
  '--samples',
  '32',
  '--probes',
  '2',
  '--rho-probes',
  '1',
  '--no-png',
];

interface MeanSd {
  mean: number;
  sd: number;
}
interface Doc {
  settings: { seeds: number[]; epochs: number; methods: string[]; data: { train: number } };
  correlations: {
    psi: { n: number; tau: number; interval: { low: number; high: number; resamples: number } };
    psiStar: { n: number; tau: number };
    certificate: { n: number; tau: number } | null;
    errorGap: {
      psi: { n: number; tau: number };
      psiStar: { n: number; tau: number };
      certificate: { n: number; tau: number } | null;
    };
  };
  summaries: {
    method: string;
    n: number;
    testLoss: MeanSd;
    testAccuracy: MeanSd;
    psi: MeanSd;
    certificate: MeanSd;
    vsPlain: { testLoss: { difference: number; se: number; t: number } } | null;
    sigma: { finalMean: number } | null;
  }[];
  runs: {
    method: string;
    seed: number;
    gradientEvaluations: number;
    final: { testLoss: number; testAccuracy: number };
    psi: { psi: number };
    certificate: { bound: number; testErrorQ: number; n: number } | null;
  }[];
  findings: string[];
  files: string[];
}

describe('pacgen compare', () => {
  it('trains each method at each seed and writes the table, runs, CSVs and figures', async () => {
    const r = await pacgen([...TINY, '--out', 'cmp', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    const out = join(dir, 'cmp');
    expect(doc.settings).toMatchObject({
      seeds: [1, 2],
      epochs: 2,
      methods: ['plain', 'perturbed-secant'],
      data: { train: 128 },
    });
    expect(doc.runs.map((x) => `${x.method}/${x.seed}`)).toEqual([
      'plain/1',
      'plain/2',
      'perturbed-secant/1',
      'perturbed-secant/2',
    ]);
    // 4 steps an epoch, 1 gradient each.
    expect(doc.runs.every((x) => x.gradientEvaluations === 8)).toBe(true);
    for (const s of doc.summaries) {
      const rs = doc.runs.filter((x) => x.method === s.method);
      expect(s.n).toBe(2);
      const m = (rs[0].final.testLoss + rs[1].final.testLoss) / 2;
      expect(s.testLoss.mean).toBeCloseTo(m, 12);
      expect(s.testLoss.sd).toBeCloseTo(
        Math.abs(rs[0].final.testLoss - rs[1].final.testLoss) / Math.SQRT2,
        12,
      );
      expect(s.testAccuracy.mean).toBeCloseTo(
        (rs[0].final.testAccuracy + rs[1].final.testAccuracy) / 2,
        12,
      );
      expect(s.psi.mean).toBeCloseTo((rs[0].psi.psi + rs[1].psi.psi) / 2, 8);
      // The certificate of each final network (n = the 128 training samples) holds.
      for (const x of rs) {
        expect(x.certificate?.n).toBe(128);
        expect(x.certificate?.bound).toBeGreaterThan(x.certificate?.testErrorQ as number);
      }
      const bounds = rs.map((x) => x.certificate?.bound as number);
      expect(s.certificate.mean).toBeCloseTo((bounds[0] + bounds[1]) / 2, 12);
    }
    expect(doc.correlations.certificate?.n).toBe(4);
    expect(doc.correlations.errorGap.certificate?.n).toBe(4);
    const [plain, pert] = doc.summaries;
    expect(plain.vsPlain).toBeNull();
    expect(pert.vsPlain?.testLoss.difference).toBeCloseTo(
      pert.testLoss.mean - plain.testLoss.mean,
      12,
    );
    expect(pert.sigma?.finalMean).toBeGreaterThan(0);
    expect(doc.findings[1]).toMatch(
      /^perturbed-secant: test loss .* vs plain .*, difference .* ± .* \(t = .*\): (not significant|(lower|higher) than plain) at 2 SE/,
    );

    expect(entries(out)).toEqual([
      'compare.md',
      'curves.csv',
      'figures',
      'runs',
      'runs.csv',
      'summary.json',
    ]);
    expect(entries(join(out, 'runs'))).toEqual([
      'perturbed-secant_seed1.json',
      'perturbed-secant_seed2.json',
      'plain_seed1.json',
      'plain_seed2.json',
    ]);
    expect(entries(join(out, 'figures'))).toEqual([
      'final-test-accuracy.svg',
      'gap.svg',
      'sigma.svg',
      'test-accuracy.svg',
      'test-loss.svg',
    ]);
    expect(doc.files).toContain('runs/plain_seed1.json');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Doc;
    expect(summary.summaries).toEqual(doc.summaries);
    const run = JSON.parse(readFileSync(join(out, 'runs', 'plain_seed2.json'), 'utf8'));
    expect(run.curves.epoch).toEqual([0, 1, 2]);
    expect(run.final.testLoss).toBe(doc.runs[1].final.testLoss);
    const md = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(md).toMatch(/\| method \| gradients \| train loss \| test loss \|/);
    expect(md).toMatch(/\| Ψ\* \| test err ≤ \| Δ test loss/);
    expect(md).toMatch(/test err ≤: the certificate of the final network/);
    expect(md).toMatch(/Ψ\* -?[\d.]+ \(p = [^)]*; [^)]*\), the certificate -?[\d.]+ \(p = /);
    expect(md).toMatch(/\n\| plain \| 8 \| /);
    expect(md).toMatch(/\n\| perturbed-secant \| 8 \| .*\(t = /);
    expect(md).toMatch(/## σ of perturbedOPT/);
    expect(md).toMatch(/Kendall's τ-b .* over all 4 runs .*: Ψ -?[\d.]+ \(p = .*\), Ψ\* -?[\d.]+/);
    expect(summary.correlations.psi.n).toBe(4);
    // Both gaps, each τ with its bootstrap interval (1,000 resamples of the 4 runs).
    expect(md).toMatch(/against their 0-1 error gap \(test error − training error\): Ψ -?[\d.]+/);
    expect(summary.correlations.errorGap.psi.n).toBe(4);
    expect(summary.correlations.psi.interval.resamples).toBe(1000);
    expect(summary.correlations.psi.interval.low).toBeLessThanOrEqual(
      summary.correlations.psi.interval.high,
    );
    const csv = readFileSync(join(out, 'curves.csv'), 'utf8').split('\n');
    expect(csv[0]).toMatch(/^method,seed,epoch,train_loss,test_loss,/);
    expect(csv.filter((l) => l.startsWith('plain,')).length).toBe(6);
    expect(readFileSync(join(out, 'runs.csv'), 'utf8').split('\n')[0]).toMatch(
      /^method,name,seed,.*,bound,certificate,certificate_test_error_q,seconds$/,
    );
    expect(entries(dir)).toEqual(['cmp']);
  });

  it('prints the table and one finding per method; refuses an existing folder unless --force', async () => {
    const again = await pacgen(
      override(TINY, ['--out', 'cmp', '--methods', 'plain', '--seeds', '3']),
      dir,
    );
    expect(again.code).toBe(1);
    expect(expectOneLineError(again)).toMatch(/not empty/);
    const r = await pacgen(
      override(TINY, ['--out', 'cmp', '--methods', 'plain,sam', '--seeds', '3', '--force']),
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/method\s+gradients\s+train loss/);
    expect(r.stdout).toMatch(/\nsam\s+16\s/);
    expect(r.stdout).toMatch(/\nplain: test loss /);
    expect(r.stdout).toMatch(/\nsam: test loss .* vs plain .*one seed on a side: no test/);
    expect(entries(join(dir, 'cmp', 'runs'))).toEqual(['plain_seed3.json', 'sam_seed3.json']);
    expect(entries(dir)).toEqual(['cmp']);
  });

  it('rejects bad input with a one-line error and writes nothing', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--methods', 'plain,lion'], 2, /unknown method 'lion'/],
      [['--model', 'trained/model.json'], 2, /a preset from scratch, not a model file/],
      [['--model', 'toy'], 2, /not 'toy'/],
      [['--model', 'mnist-cnn:dropout=0.3'], 2, /without ':'/],
      [['--epochs', '0'], 2, /--epochs must be an integer ≥ 1/],
      [['--batch-size', '500'], 2, /exceeds the 128 training samples/],
      [['--dropout', '1'], 2, /--dropout must be < 1/],
    ];
    for (const [extra, code, message] of cases) {
      const r = await pacgen(override(TINY, ['--out', 'bad', ...extra]), dir);
      expect(r.code, r.stderr).toBe(code);
      expect(expectOneLineError(r)).toMatch(message);
      expect(existsSync(join(dir, 'bad'))).toBe(false);
    }
    expect(entries(dir)).toEqual(['cmp']);
  });
});
