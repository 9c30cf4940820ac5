import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entries, expectOneLineError, override, pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

// A miniature of the default demo: same steps, tiny sizes.
const TINY = [
  '--model',
  'mlp:8',
  '--train-size',
  '300',
  '--test-size',
  '100',
  '--epochs',
  '1',
  '--samples',
  '60',
  '--probes',
  '2',
  '--rho-probes',
  '1',
  '--lr',
  '0.01',
];

describe('pacgen demo', () => {
  it('trains with Adam and perturbedOPT, scores both and writes the report folder', async () => {
    const r = await pacgen(['demo', ...TINY, '--out', 'report'], dir);
    expect(r.code, r.stderr).toBe(0);
    for (const s of [
      'adam',
      'perturbed',
      'test acc',
      'Ψ*',
      'curv. Ψ*',
      'bound',
      'not a guarantee',
      'Certificates (pacgen certify',
      'adam: test error ≤ ',
      'perturbed: test error ≤ ',
    ]) {
      expect(r.stdout).toContain(s);
    }
    const out = join(dir, 'report');
    expect(entries(out)).toEqual(['adam', 'perturbed', 'plots', 'report.html', 'report.json']);
    expect(entries(join(out, 'adam'))).toEqual(['group1-shard1of1.bin', 'model.json']);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.runs.map((x: { name: string }) => x.name)).toEqual(['adam', 'perturbed']);
    for (const run of report.runs) {
      expect(Number.isFinite(run.score.psiStar)).toBe(true);
      expect(run.score.numSamples).toBe(60);
      // The bound's n is the training set, not the 60 scored samples.
      expect(run.score.trainSamples).toBe(300);
      expect(run.final.testAccuracy).toBeGreaterThan(0.1);
      // Each model ends with its certificate, above the measured test error of Q.
      expect(run.certificate.n).toBe(300);
      expect(run.certificate.prior.mean).toBe('given');
      for (const c of run.certificate.certificates) {
        expect(c.bound).toBeGreaterThan(c.test.error);
        expect(c.bound).toBeLessThanOrEqual(1);
      }
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script/i);
    // The saved models load back and score as the demo scored them.
    const s = await pacgen(
      [
        'score',
        'report/perturbed',
        '--data',
        'mnist',
        '--train-size',
        '300',
        '--samples',
        '60',
        '--probes',
        '2',
        '--rho-probes',
        '1',
        '--json',
      ],
      dir,
    );
    expect(s.code, s.stderr).toBe(0);
    // One engine layer for both commands: the same Ψ up to the saved weights' f32 rounding.
    const psi = JSON.parse(s.stdout).psi as number;
    expect(Math.abs(psi - report.runs[1].score.psi)).toBeLessThan(1e-6 * Math.abs(psi));
  });

  it('prints the report as one JSON document with --json', async () => {
    const r = await pacgen(['demo', ...TINY, '--out', 'report-json', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.format).toBe('pacgen-demo/1');
    expect(doc.runs).toHaveLength(2);
    expect(doc.out).toBe(join(dir, 'report-json'));
  });

  it('leaves an existing report alone and writes nothing on bad values', async () => {
    const again = await pacgen(['demo', ...TINY, '--out', 'report'], dir);
    expect(again.code).toBe(1);
    expect(expectOneLineError(again)).toMatch(/exists and is not empty/);
    expect(again.stderr).toContain('--force');
    const bad = await pacgen(['demo', ...override(TINY, ['--epochs', '0']), '--out', 'bad'], dir);
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad)).toMatch(/--epochs must be an integer ≥ 1/);
    const noise = await pacgen(['demo', ...TINY, '--noise-scale', 'x', '--out', 'bad'], dir);
    expect(noise.code).toBe(2);
    // The scoring engine's threads, checked as on `score` before any training.
    const threads = await pacgen(['demo', ...TINY, '--threads', '0', '--out', 'bad'], dir);
    expect(threads.code).toBe(2);
    expect(expectOneLineError(threads)).toMatch(/--threads must be an integer in \[1, 256\]/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    expect(entries(dir).filter((e) => e.startsWith('.'))).toEqual([]);
  });
});
