import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PNG_SIGNATURE,
  expectOneLineError,
  override,
  pacgen,
  tempDir,
  trainModel,
} from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const DATA = ['--data', 'mnist', '--train-size', '200'];
const FAST = [
  ...DATA,
  '--samples',
  '100',
  '--k',
  '3',
  '--trace-probes',
  '6',
  '--runs',
  '2',
  '--lanczos-steps',
  '10',
];

beforeAll(async () => {
  await trainModel(dir, [...DATA, '--test-size', '50', '--model', 'mlp:6', '--epochs', '1']);
});

describe('pacgen spectrum', () => {
  it('prints the top eigenvalues, the trace and the density, and writes a PNG plot', async () => {
    const r = await pacgen(['spectrum', 'model', ...FAST, '--plot', 'density.png'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/eigenvalue\s+residual/);
    expect(r.stdout).toContain('trace:');
    const png = readFileSync(join(dir, 'density.png'));
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });

  it('prints one JSON document with --json, and an SVG plot', async () => {
    const r = await pacgen(['spectrum', 'model', ...FAST, '--plot', 'density.svg', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.eigenvalues.values).toHaveLength(3);
    const v = doc.eigenvalues.values;
    expect(Math.abs(v[0])).toBeGreaterThanOrEqual(Math.abs(v[2]));
    expect(doc.trace.method).toBe('hutch++');
    expect(Number.isFinite(doc.trace.trace)).toBe(true);
    expect(doc.density.grid.length).toBe(doc.density.density.length);
    expect(doc.density.runs).toBe(2);
    expect(readFileSync(join(dir, 'density.svg'), 'utf8')).toContain('<svg');
  });

  it('says when products crossed ReLU kinks and were recomputed at smaller steps', async () => {
    // The default move (1e-6 in f64) crosses none here; a move of 1e-3 crosses some.
    const plain = await pacgen(['spectrum', 'model', ...FAST, '--json'], dir);
    expect(plain.code, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout).trace.health).toMatchObject({ hvps: 6, hvpsWithCrossings: 0 });
    expect(plain.stderr).not.toContain('kinks');
    const r = await pacgen(['spectrum', 'model', ...FAST, '--step', '1e-3', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const { trace, density } = doc as Record<string, { health: Record<string, number> }>;
    expect(trace.health.hvpsWithCrossings + density.health.hvpsWithCrossings).toBeGreaterThan(0);
    expect(density.health.stepShrinks).toBeGreaterThanOrEqual(density.health.hvpsWithCrossings);
    expect(doc.eigenvalues.health.counted).toBe(true);
    expect(r.stderr).toMatch(
      /\d+ of 20 Hessian-vector products of the density crossed ReLU\/max-pool kinks \(\d+ unit crossings\) at the requested step; recomputed at smaller steps/,
    );
  });

  it('skips parts on request', async () => {
    const r = await pacgen(
      ['spectrum', 'model', ...FAST, '--no-trace', '--no-density', '--json'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.trace).toBeNull();
    expect(doc.density).toBeNull();
  });

  it.each([
    [['--k', '0'], /--k must be an integer ≥ 1/],
    [['--plot', 'density.gif'], /--plot must end in \.svg or \.png/],
    [['--trace-method', 'hutch++', '--trace-probes', '2'], /≥ 3 for hutch\+\+/],
    [['--runs', '-2'], /--runs must be/],
  ])('refuses %j with exit 2', async (bad, message) => {
    const r = await pacgen(['spectrum', 'model', ...override(FAST, bad)], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
    expect(existsSync(join(dir, 'density.gif'))).toBe(false);
  });

  it('fails with exit 1 on a missing model', async () => {
    const r = await pacgen(['spectrum', 'absent.json', ...FAST], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toContain('absent.json');
  });
});
