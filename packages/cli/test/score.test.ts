import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensorsFile, writeSafetensorsFile } from '@pacgen/metrics/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyModelOnly,
  entries,
  expectOneLineError,
  override,
  pacgen,
  tempDir,
  trainModel,
} from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const DATA = ['--data', 'mnist', '--train-size', '300'];
const FAST = [
  ...DATA,
  '--samples',
  '100',
  '--diagonal',
  'hutchinson',
  '--probes',
  '4',
  '--rho-probes',
  '2',
];

beforeAll(async () => {
  await trainModel(dir, [...DATA, '--test-size', '50', '--model', 'mlp:8', '--epochs', '1']);
});

describe('pacgen score', () => {
  it('prints Ψ, its ingredients, the bound with its caution and a per-layer table', async () => {
    const r = await pacgen(['score', 'model', ...FAST], dir);
    expect(r.code, r.stderr).toBe(0);
    for (const s of ['Ψ:', 'Ψ*:', 'ρ:', 'σ*:', 'bound:', 'not a guarantee', 'dense_1/kernel']) {
      expect(r.stdout).toContain(s);
    }
  });

  it('says how to read Ψ, and warns when no coordinate is on the curvature branch', async () => {
    const flat = await pacgen(['score', 'model', ...FAST, '--epsilon', '1e-4', '--rho', '0'], dir);
    expect(flat.code, flat.stderr).toBe(0);
    expect(flat.stdout).toMatch(/Ψ\*: +\S+ nats .*: the headline, lower is better/);
    expect(flat.stdout).toMatch(
      /n: +300 training samples \(the bound's n; the curvature is taken on 100 of them\)/,
    );
    expect(flat.stdout).toContain('Reading Ψ:');
    expect(flat.stdout).toContain('same n, γ and ε');
    expect(flat.stdout).toMatch(/Ψ: .* 0\.0% of coordinates on the curvature branch/);
    expect(flat.stdout).toContain(
      'warning: 0% of coordinates are on the curvature branch of Ψ: Ψ here measures weight size, not curvature.',
    );
    const curved = await pacgen(['score', 'model', ...FAST, '--epsilon', '100', '--rho', '0'], dir);
    expect(curved.code, curved.stderr).toBe(0);
    expect(curved.stdout).not.toContain('branch of Ψ: Ψ here measures weight size');
  });

  it('prints one JSON document with --json', async () => {
    const r = await pacgen(['score', 'model/model.json', ...FAST, '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Number.isFinite(doc.psi)).toBe(true);
    expect(Number.isFinite(doc.psiStar)).toBe(true);
    expect(doc.curvatureFraction).toBeGreaterThanOrEqual(0);
    expect(doc.rho.estimated).toBe(true);
    expect(doc.numParams).toBe(784 * 8 + 8 + 8 * 10 + 10);
    expect(doc.numSamples).toBe(100);
    expect(doc.precision).toBe('f64');
    expect(doc.bound.total).toBeGreaterThan(doc.trainLoss);
    expect(doc.bound.caution).toMatch(/not a guarantee/);
    expect(doc.diagonal).toMatchObject({ method: 'hutchinson', probes: 4 });
    expect(doc.diagonal.summary.size).toBe(doc.numParams);
    // Finite-difference health of both estimates (docs/method.md §5): core-wasm counts kinks.
    expect(doc.diagonal.health).toMatchObject({ hvps: 4, counted: true });
    expect(doc.rho.health).toMatchObject({ hvps: 2 * 2 + 1, counted: true });
    expect(doc.layers.map((l: { name: string }) => l.name)).toEqual([
      'dense_1/kernel',
      'dense_1/bias',
      'dense_2/kernel',
      'dense_2/bias',
    ]);
    const sum = doc.layers.reduce((s: number, l: { psi: number }) => s + l.psi, 0);
    expect(sum).toBeCloseTo(doc.psi, 6);
    // Logs stay on stderr.
    expect(r.stderr).toContain('scoring');
  });

  it('--diagonal ggn and hesscale: engine passes; ggn gives the exact Ψ* of a ReLU MLP', async () => {
    const score = async (diagonal: string) => {
      const flags = override(FAST, ['--samples', '20', '--diagonal', diagonal]);
      const r = await pacgen(['score', 'model/model.json', ...flags, '--json'], dir);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const [exact, ggn, hesscale] = [
      await score('exact'),
      await score('ggn'),
      await score('hesscale'),
    ];
    expect(ggn.diagonal).toMatchObject({ method: 'ggn', probes: 0, cost: 10 });
    expect(ggn.diagonal.health.hvps).toBe(0);
    expect(hesscale.diagonal).toMatchObject({ method: 'hesscale', cost: 2 });
    expect(Math.abs(ggn.psiStar - exact.psiStar) / exact.psiStar).toBeLessThan(1e-6);
    expect(Number.isFinite(hesscale.psiStar)).toBe(true);
    const tf = await pacgen(
      [
        'score',
        'model/model.json',
        ...override(FAST, ['--diagonal', 'ggn']),
        '--engine',
        'tfjs',
        '--backend',
        'cpu',
      ],
      dir,
    );
    expect(tf.code).not.toBe(0);
    expect(expectOneLineError(tf)).toMatch(/GGN diagonal \('ggn'\) needs the core-wasm engine/);
  });

  it('--diagonal hutchinson-cv: the GGN as control variate, nearer the exact Ψ* than plain Hutchinson', async () => {
    const score = async (diagonal: string) => {
      const flags = override(FAST, ['--samples', '20', '--diagonal', diagonal, '--rho', '0']);
      const r = await pacgen(['score', 'model/model.json', ...flags, '--json'], dir);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const [exact, plain, cv] = [
      await score('exact'),
      await score('hutchinson'),
      await score('hutchinson-cv'),
    ];
    expect(cv.diagonal).toMatchObject({ method: 'hutchinson-cv', probes: 4 });
    // O = 10 outputs, the point's check, 2 + 2 per probe, and 2 per product shrunk at a kink.
    const shrinks = cv.diagonal.health.stepShrinks;
    expect(cv.diagonal.cost).toBe(10 + 1 + 4 * 4 + 2 * shrinks);
    const errCv = Math.abs(cv.psiStar - exact.psiStar) / exact.psiStar;
    const errPlain = Math.abs(plain.psiStar - exact.psiStar) / exact.psiStar;
    // Measured: 5.2e-3 against plain Hutchinson's 1.0e-2 of Ψ* ≈ 2,165 (4 probes, 20 samples).
    expect(errCv).toBeLessThan(errPlain);
    expect(errCv).toBeLessThan(2e-2);
  });

  it('exports the Hessian diagonal and σ* per parameter as safetensors', async () => {
    const r = await pacgen(
      ['score', 'model', ...FAST, '--rho', '0', '--export', 'curv', '--json'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.rho).toMatchObject({ value: 0, estimated: false });
    expect(entries(join(dir, 'curv'))).toEqual(['curvature.safetensors']);
    const { tensors, metadata } = await readSafetensorsFile(
      join(dir, 'curv', 'curvature.safetensors'),
    );
    const byName = new Map(tensors.map((t) => [t.name, t]));
    expect(byName.get('dense_1/kernel.hessian_diagonal')?.shape).toEqual([784, 8]);
    expect(byName.get('dense_2/bias.sigma_star')?.shape).toEqual([10]);
    expect(tensors).toHaveLength(8);
    expect(metadata.diagonal).toBe('hutchinson:4');
    const h = byName.get('dense_2/bias.hessian_diagonal')!.data;
    const mean = h.reduce((a, b) => a + b, 0) / h.length;
    expect(mean).toBeCloseTo(doc.layers[3].h.mean, 10);
  });

  it('uses the exact diagonal and the Monte Carlo check on a small model', async () => {
    const t = await pacgen(
      [
        'train',
        '--data',
        'toy',
        '--model',
        'toy',
        '--optimizer',
        'sgd',
        '--lr',
        '1',
        '--epochs',
        '5',
        '--batch-size',
        '50',
        '--out',
        'toy',
      ],
      dir,
    );
    expect(t.code, t.stderr).toBe(0);
    // The TF.js file writes the shared weights per layer: 4·2 + 2 parameters.
    const r = await pacgen(
      ['score', 'toy', '--data', 'toy', '--diagonal', 'exact', '--monte-carlo', '8', '--json'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.diagonal.method).toBe('exact');
    expect(doc.numSamples).toBe(100);
    expect(doc.monteCarlo.samples).toBe(8);
  });

  it('scores a PyTorch model from safetensors and its layer list', async () => {
    const w = new Float32Array(10 * 784).map((_, i) => Math.sin(i) * 0.01);
    await writeSafetensorsFile(join(dir, 'linear.safetensors'), [
      { name: '1.weight', shape: [10, 784], data: w },
      { name: '1.bias', shape: [10], data: new Float32Array(10) },
    ]);
    writeFileSync(
      join(dir, 'linear.json'),
      JSON.stringify({
        inputShape: [1, 28, 28],
        layers: [{ type: 'flatten' }, { type: 'linear', units: 10 }],
      }),
    );
    const r = await pacgen(['score', 'linear.safetensors', ...FAST, '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).numParams).toBe(7850);
    const noArch = await pacgen(
      ['score', 'linear.safetensors', ...FAST, '--arch', 'missing.json'],
      dir,
    );
    expect(noArch.code).toBe(1);
    expect(expectOneLineError(noArch)).toContain('missing.json');
  });

  it('fails with exit 1 on a missing or malformed model and on mismatched data', async () => {
    const missing = await pacgen(['score', 'nowhere/model.json', ...FAST], dir);
    expect(missing.code).toBe(1);
    expect(expectOneLineError(missing)).toContain('nowhere/model.json');
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'model.json'), '{"modelTopology": {');
    const broken = await pacgen(['score', 'broken', ...FAST], dir);
    expect(broken.code).toBe(1);
    expect(expectOneLineError(broken)).toMatch(/broken\/model\.json: malformed JSON/);
    writeFileSync(join(dir, 'broken', 'model.json'), JSON.stringify({ modelTopology: 1 }));
    const wrong = await pacgen(['score', 'broken', ...FAST], dir);
    expect(wrong.code).toBe(1);
    expectOneLineError(wrong);
    // With its run.json another data set contradicts the run; without, it does not fit.
    const contradicts = await pacgen(['score', 'model', '--data', 'toy', '--export', 'never'], dir);
    expect(contradicts.code).toBe(2);
    expect(expectOneLineError(contradicts)).toMatch(/--data toy contradicts model\/run\.json/);
    copyModelOnly(join(dir, 'model'), join(dir, 'bare'));
    const mismatch = await pacgen(['score', 'bare', '--data', 'toy', '--export', 'never'], dir);
    expect(mismatch.code).toBe(1);
    expect(expectOneLineError(mismatch)).toMatch(
      /takes inputs \[28, 28, 1\] but data toy has \[2\]/,
    );
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it.each([
    [['--probes', '0'], /--probes must be an integer ≥ 1/],
    [['--gamma', '0'], /--gamma must be > 0/],
    [['--epsilon', '-1'], /--epsilon must be > 0/],
    [['--delta', '1'], /--delta must be < 1/],
    [['--samples', '1'], /--samples must be an integer ≥ 2/],
    [['--monte-carlo', '5'], /--monte-carlo must be even/],
    [['--rho', '-1'], /--rho must be ≥ 0/],
    [['--diagonal', 'fast'], /--diagonal: 'fast' is not one of auto, exact, hutchinson/],
  ])('refuses %j with exit 2 before any work', async (bad, message) => {
    const r = await pacgen(
      ['score', 'model', ...override(FAST, bad), '--export', 'not-written'],
      dir,
    );
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'not-written'))).toBe(false);
  });

  it('does not replace an existing export folder without --force', async () => {
    const r = await pacgen(['score', 'model', ...FAST, '--export', 'curv'], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/not empty/);
    const forced = await pacgen(['score', 'model', ...FAST, '--export', 'curv', '--force'], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'curv', 'curvature.safetensors')).length).toBeGreaterThan(0);
    expect(entries(dir).filter((e) => e.startsWith('.'))).toEqual([]);
  });
});
