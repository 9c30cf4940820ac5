// `--engine tfjs --backend …` on score and spectrum: the same weights and data as core-wasm, the
// engine named in the text and JSON outputs, and clear errors for impossible combinations.

import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

// The ReLU presets' HVPs straddle kinks at f32's moves. TF.js cannot see them; core-wasm would
// recompute such products at smaller moves (docs/method.md §5). To compare the two engines on
// the same differences, core-wasm only reports them, at a move (1e-1) where f32 rounding is small.
const SAME_DIFFERENCES = ['--step', '1e-1', '--on-kink', 'report'];

// A preset (its seeded initialisation: the same weights in both engines) on MNIST.
const SCORE = [
  'score',
  'mlp:8',
  '--data',
  'mnist',
  '--train-size',
  '300',
  '--samples',
  '100',
  '--diagonal',
  'hutchinson',
  '--probes',
  '4',
  '--rho-probes',
  '2',
  '--gamma',
  '1',
  '--epsilon',
  '1',
  '--json',
  ...SAME_DIFFERENCES,
];

describe('--engine tfjs', () => {
  it('score: Ψ on tfjs wasm agrees with core-wasm f32 on the same weights, and names the engine', async () => {
    const [tfjs, core] = await Promise.all([
      pacgen([...SCORE, '--engine', 'tfjs', '--backend', 'wasm'], dir),
      pacgen([...SCORE, '--precision', 'f32'], dir),
    ]);
    expect(tfjs.code, tfjs.stderr).toBe(0);
    expect(core.code, core.stderr).toBe(0);
    const [a, b] = [JSON.parse(tfjs.stdout), JSON.parse(core.stdout)];
    expect(a.engine).toMatchObject({
      name: 'tfjs',
      backend: 'wasm',
      adapter: null,
      precision: 'f32',
    });
    expect(a.engine.summary).toMatch(/^tfjs wasm/);
    expect(b.engine).toMatchObject({ name: 'core-wasm', backend: null, precision: 'f32' });
    expect(a.precision).toBe('f32');
    expect(a.numParams).toBe(b.numParams);
    expect(a.layers.map((l: { name: string }) => l.name)).toEqual(
      b.layers.map((l: { name: string }) => l.name),
    );
    // f32 against f32 (tolerances: metrics/test/tfjs-helpers.ts).
    expect(Math.abs(a.trainLoss - b.trainLoss) / b.trainLoss).toBeLessThan(2e-6);
    expect(Math.abs(a.psi - b.psi)).toBeLessThan(1e-2);
    expect(Math.abs(a.psiStar - b.psiStar)).toBeLessThan(1e-2);
    // core-wasm counted the crossings it left in; TF.js could not count.
    expect(b.diagonal.health.hvpsWithCrossings).toBeGreaterThan(0);
    expect(b.diagonal.health.unresolved).toBe(b.diagonal.health.hvpsWithCrossings);
    expect(a.diagonal.health.counted).toBe(false);
    expect(core.stderr).toMatch(
      /warning: \d+ of 4 Hessian-vector products of the Hessian diagonal crossed/,
    );
    expect(tfjs.stderr).toMatch(/scoring mlp:8 .* tfjs wasm/);
  });

  it('spectrum: the top eigenvalue on tfjs cpu, with the engine in the text output', async () => {
    const args = [
      'spectrum',
      'mlp:4',
      '--data',
      'mnist',
      '--train-size',
      '200',
      '--samples',
      '50',
      '--k',
      '1',
      '--iterations',
      '20',
      '--no-trace',
      '--no-density',
      ...SAME_DIFFERENCES,
    ];
    const [text, json, core] = await Promise.all([
      pacgen([...args, '--engine', 'tfjs', '--backend', 'cpu'], dir),
      pacgen([...args, '--engine', 'tfjs', '--backend', 'cpu', '--json'], dir),
      pacgen([...args, '--precision', 'f32', '--json'], dir),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/engine:\s+tfjs cpu/);
    expect(json.code, json.stderr).toBe(0);
    const [a, b] = [JSON.parse(json.stdout), JSON.parse(core.stdout)];
    expect(a.engine).toMatchObject({ name: 'tfjs', backend: 'cpu', precision: 'f32' });
    const [la, lb] = [a.eigenvalues.values[0], b.eigenvalues.values[0]];
    expect(Math.abs(la - lb) / Math.abs(lb)).toBeLessThan(1e-4);
  });

  it('refuses --backend without --engine tfjs, and f64 on tfjs (usage errors)', async () => {
    const r1 = await pacgen(['score', 'mlp:4', '--backend', 'wasm'], dir);
    expect(r1.code).toBe(2);
    expect(expectOneLineError(r1)).toMatch(/--backend wasm applies to --engine tfjs only/);
    const r2 = await pacgen(['score', 'mlp:4', '--engine', 'tfjs', '--precision', 'f64'], dir);
    expect(r2.code).toBe(2);
    expect(expectOneLineError(r2)).toMatch(/--engine tfjs computes in f32/);
  });

  it('an unavailable backend fails with one line naming what is missing', async () => {
    const saved = process.env.PACGEN_WEBGPU_FLAGS;
    process.env.PACGEN_WEBGPU_FLAGS = 'backend=none-such';
    try {
      const r = await pacgen(
        ['spectrum', 'mlp:4', '--samples', '20', '--engine', 'tfjs', '--backend', 'webgpu'],
        dir,
      );
      expect(r.code).toBe(1);
      expect(expectOneLineError(r)).toMatch(
        /tfjs backend 'webgpu' is unavailable(: Dawn found no WebGPU adapter| in Node: the npm package 'webgpu')/,
      );
      expect(r.stderr).toMatch(/choose another --backend/);
    } finally {
      if (saved === undefined) delete process.env.PACGEN_WEBGPU_FLAGS;
      else process.env.PACGEN_WEBGPU_FLAGS = saved;
    }
  });
});

describe('--threads', () => {
  /** The document without what names the thread count or the time. */
  const strip = (stdout: string) => {
    const { engine, seconds, ...doc } = JSON.parse(stdout);
    return { doc, engine, seconds };
  };

  it('score: the same JSON document, bit for bit, at 1, 2 and 3 threads (f32 and f64)', async () => {
    for (const precision of ['f32', 'f64']) {
      const runs = await Promise.all(
        ['1', '2', '3'].map((t) =>
          pacgen([...SCORE, '--precision', precision, '--samples', '150', '--threads', t], dir),
        ),
      );
      const [one, ...more] = runs.map((r) => {
        expect(r.code, r.stderr).toBe(0);
        return strip(r.stdout);
      });
      expect(one.engine).toMatchObject({ name: 'core-wasm', threads: 1, precision });
      expect(one.engine.summary).toBe(`core-wasm ${precision}, 1 thread`);
      more.forEach((r, i) => {
        expect(r.engine.threads).toBe(i + 2);
        // Every number of the report as JSON prints it (shortest round trip): ===.
        expect(r.doc).toEqual(one.doc);
      });
      expect(one.doc.psi).toBeGreaterThan(0);
    }
  });

  it.each([
    ['0', /--threads must be an integer in \[1, 256\], got 0/],
    ['257', /--threads must be an integer in \[1, 256\], got 257/],
    ['1.5', /--threads must be an integer in \[1, 256\], got 1.5/],
    ['two', /--threads must be an integer in \[1, 256\], got two/],
  ])('refuses --threads %s (usage error)', async (t, message) => {
    const r = await pacgen(['score', 'mlp:4', '--samples', '20', '--threads', t], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
  });

  it('refuses --threads with --engine tfjs', async () => {
    const r = await pacgen(['spectrum', 'mlp:4', '--engine', 'tfjs', '--threads', '2'], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/--threads applies to --engine core-wasm only/);
  });
});
