import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, entries, expectOneLineError, override, pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (npm run build): ${BIN} is missing`);
});

/** A tiny sweep: an MLP on 200 MNIST samples, 2 epochs, the smallest estimator budget. */
const TINY = [
  'sweep',
  '--data',
  'mnist',
  '--model',
  'mlp:8',
  '--lrs',
  '0.1',
  '--max-epochs',
  '2',
  '--train-size',
  '200',
  '--test-size',
  '100',
  '--samples',
  '32',
  '--probes',
  '2',
  '--rho-probes',
  '1',
  '--psi-every',
  '1',
  '--lanczos-steps',
  '3',
  '--sharpness-steps',
  '2',
  '--flatness-samples',
  '1',
  '--flatness-iterations',
  '2',
];

describe('pacgen sweep', () => {
  let first: { trained: string[]; correlations: unknown; runs: { name: string }[] };

  it('runs a grid, prints one JSON document and writes runs, τ tables, figures and a report', async () => {
    const r = await pacgen(
      [...TINY, '--batch-sizes', '16,64', '--out', 'sw', '--png-width', '200', '--json'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    first = JSON.parse(r.stdout);
    expect(first.trained).toEqual(['sgd_bs16_lr0.1_seed1', 'sgd_bs64_lr0.1_seed1']);
    const out = join(dir, 'sw');
    expect(entries(join(out, 'runs'))).toEqual([
      'sgd_bs16_lr0.1_seed1.json',
      'sgd_bs64_lr0.1_seed1.json',
    ]);
    for (const f of [
      'sweep.json',
      'summary.json',
      'tau.md',
      'tau.json',
      'runs.csv',
      'curves.csv',
      'report.html',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const figs = entries(join(out, 'figures'));
    expect(figs).toContain('gap-by-batch-size-lr0.1.svg');
    expect(figs).toContain('gap-by-batch-size-lr0.1.png');
    expect(figs).toContain('psi-by-batch-size-lr0.1.svg');
    expect(figs).toContain('scatter-psi.svg');
    const tau = JSON.parse(readFileSync(join(out, 'tau.json'), 'utf8'));
    expect(Object.keys(tau.measures)).toEqual(
      expect.arrayContaining(['psi', 'psiStar', 'weightNorm']),
    );
    expect(tau.measures.psi.all.n).toBe(2);
    expect(tau.measures.psi.granulated.perAxis[0].axis).toBe('batchSize');
    expect(readFileSync(join(out, 'tau.md'), 'utf8')).toMatch(/\| Ψ\* \|/);
    // Both gaps, the bootstrap intervals and the certificate as a measure.
    expect(tau.bootstrap).toEqual({ resamples: 1000, confidence: 0.95, seed: 0 });
    expect(tau.measures.certificate.all.n).toBe(2);
    expect(tau.measures.psi.errorGap.all.n).toBe(2);
    expect(tau.measures.psi.intervals.all.resamples).toBe(1000);
    expect(tau.measures.psi.errorGap.intervals.all.resamples).toBe(1000);
    const md = readFileSync(join(out, 'tau.md'), 'utf8');
    expect(md).toContain('## Against the cross-entropy gap (test − train loss, nats)');
    expect(md).toContain('## Against the 0-1 error gap (test error − training error)');
    expect(md).toMatch(/\| cert\. bound \|/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(out, 'curves.csv'), 'utf8').split('\n')[0]).toMatch(/^name,epoch,/);
    // No temporaries or checkpoints left behind.
    expect(entries(join(out, 'checkpoints'))).toEqual([]);
    expect(entries(dir)).toEqual(['sw']);
  });

  it('skips finished runs on a rerun, retrains a missing one, and gives the same τ', async () => {
    const args = [...TINY, '--batch-sizes', '16,64', '--out', 'sw', '--no-png', '--json'];
    const again = await pacgen(args, dir);
    expect(again.code, again.stderr).toBe(0);
    const doc = JSON.parse(again.stdout);
    expect(doc.trained).toEqual([]);
    expect(doc.skipped).toEqual(first.trained);
    expect(doc.correlations).toEqual(first.correlations);
    expect(again.stderr).toMatch(/finished earlier, skipped/);

    rmSync(join(dir, 'sw', 'runs', 'sgd_bs64_lr0.1_seed1.json'));
    const partial = await pacgen(args, dir);
    expect(partial.code, partial.stderr).toBe(0);
    const p = JSON.parse(partial.stdout);
    expect(p.trained).toEqual(['sgd_bs64_lr0.1_seed1']);
    expect(p.skipped).toEqual(['sgd_bs16_lr0.1_seed1']);
    expect(p.correlations).toEqual(first.correlations);

    // A larger grid adds runs to the same folder.
    const more = await pacgen(
      [...TINY, '--batch-sizes', '16,32,64', '--out', 'sw', '--no-png', '--json'],
      dir,
    );
    expect(more.code, more.stderr).toBe(0);
    const m = JSON.parse(more.stdout);
    expect(m.trained).toEqual(['sgd_bs32_lr0.1_seed1']);
    expect(m.correlations.measures.psi.all.n).toBe(3);
  });

  it('refuses other settings in the same folder, and a folder that is not a sweep', async () => {
    const r = await pacgen(
      [...TINY, '--batch-sizes', '16', '--target-loss', '0.5', '--out', 'sw'],
      dir,
    );
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/other settings.*targetLoss 0.01 → 0.5/);
    expect(r.stderr).toMatch(/--force/);
    const bad = await pacgen([...TINY, '--batch-sizes', '16', '--optimizers', 'rmsprop'], dir);
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad)).toMatch(/unknown optimizer 'rmsprop'/);
    const big = await pacgen([...TINY, '--batch-sizes', '500', '--out', 'x'], dir);
    expect(big.code).toBe(2);
    expect(expectOneLineError(big)).toMatch(/exceed the 200 training samples/);
    const notSweep = await pacgen([...TINY, '--batch-sizes', '16', '--out', 'sw/runs'], dir);
    expect(notSweep.code).toBe(1);
    expect(expectOneLineError(notSweep)).toMatch(/holds no sweep/);
  });

  it("sets a CNN preset's dropout (mnist-cnn:dropout=0) and tracks Ψ on the 'log' schedule", async () => {
    const r = await pacgen(
      override(TINY, [
        '--model',
        'mnist-cnn:dropout=0',
        '--batch-sizes',
        '50',
        '--max-epochs',
        '3',
        '--psi-every',
        'log',
        '--out',
        'cnn',
        '--no-png',
        '--json',
      ]),
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.settings.model).toMatchObject({ name: 'mnist-cnn:dropout=0', numParams: 21840 });
    expect(doc.settings.budget.psiEvery).toBe('log');
    const run = JSON.parse(
      readFileSync(join(dir, 'cnn', 'runs', 'sgd_bs50_lr0.1_seed1.json'), 'utf8'),
    );
    const withPsi = run.curves.epoch.filter((_: number, i: number) => run.curves.psi[i] !== null);
    expect(withPsi).toEqual([0, 1, 2, 3]);
    for (const [model, message] of [
      ['mnist-cnn:dropout=1', /mnist-cnn:dropout=1: the only argument is dropout=R with 0 ≤ R < 1/],
      ['cifar-cnn:0.5', /cifar-cnn:0.5: the only argument is dropout=R/],
      ['toy:x', /model toy takes no ':' argument/],
    ] as const) {
      const bad = await pacgen(
        [...TINY, '--batch-sizes', '16', '--model', model, '--out', 'bad'],
        dir,
      );
      expect(bad.code, model).toBe(2);
      expect(expectOneLineError(bad)).toMatch(message);
    }
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  it('runs the CIFAR-shaped path end to end (synthetic-cifar, cifar-cnn)', async () => {
    const r = await pacgen(
      override(TINY, [
        '--data',
        'synthetic-cifar',
        '--model',
        'cifar-cnn',
        '--train-size',
        '64',
        '--test-size',
        '32',
        '--samples',
        '16',
        '--batch-sizes',
        '32',
        '--max-epochs',
        '1',
        '--out',
        'cifar',
        '--no-png',
        '--json',
      ]),
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.settings.model).toMatchObject({ name: 'cifar-cnn', numParams: 122570 });
    expect(doc.settings.data).toMatchObject({ name: 'synthetic-cifar', train: 64, test: 32 });
    expect(doc.runs[0]).toMatchObject({ name: 'sgd_bs32_lr0.1_seed1', epochs: 1, hitCap: true });
    expect(Number.isFinite(doc.runs[0].measures.psi)).toBe(true);
  });
});
