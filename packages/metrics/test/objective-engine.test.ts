// objectiveFor, the one engine layer: core-wasm results bit-identical at 1, 2 and 3 threads
// (gradient, HVP and a whole Ψ report compared with ===), equal to a single Network's up to
// summation order; TF.js through the same call; settings that do not apply are refused.

import { afterAll, describe, expect, it } from 'vitest';
import { Network, Random } from '@pacgen/core-wasm';
import { networkObjective, pacgen, type PacgenReport } from '../src/index.js';
import { objectiveFor, type EngineObjective } from '../src/entries/engine.js';
import { problem, rademacher, relErr, SMALL_CNN } from './tfjs-helpers.js';

const open: EngineObjective[] = [];
afterAll(() => Promise.all(open.map((o) => o.dispose())));

/** Whether two vectors are equal element by element (===). */
function identical(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const N = 150; // chunks of 32 (maxBatch): 5 chunks, so 3 threads get 2, 2 and 1

describe('objectiveFor on core-wasm: the same bits for any thread count', () => {
  it('gradient, HVP and a Ψ report are === at 1, 2 and 3 threads (f32)', async () => {
    const p = await problem(SMALL_CNN, N, 3);
    const v = rademacher(p.w.length, 5);
    const runs: { grad: Float64Array; hvp: Float64Array; loss: number; report: PacgenReport }[] =
      [];
    for (const threads of [1, 2, 3]) {
      const obj = await objectiveFor(
        { engine: 'core-wasm', precision: 'f32', threads, maxBatch: 32 },
        { spec: SMALL_CNN, params: p.w },
        p,
      );
      open.push(obj);
      expect(obj.engine.threads).toBe(threads);
      expect(obj.engine.summary).toBe(`core-wasm f32, ${threads} thread${threads > 1 ? 's' : ''}`);
      const { loss, grad } = await obj.gradient(p.w);
      const hvp = await obj.hvp(p.w, v);
      const report = await pacgen(obj, p.w, {
        diagonal: { method: 'hutchinson', probes: 3 },
        rho: { probes: 2 },
        seed: 7,
      });
      runs.push({ grad, hvp, loss, report });
      await obj.dispose();
    }
    const [one, ...more] = runs;
    for (const r of more) {
      expect(r.loss).toBe(one.loss);
      expect(identical(r.grad, one.grad)).toBe(true);
      expect(identical(r.hvp, one.hvp)).toBe(true);
      expect(r.report.psi).toBe(one.report.psi);
      expect(r.report.psiStar).toBe(one.report.psiStar);
      expect(r.report.rho.value).toBe(one.report.rho.value);
      expect(identical(r.report.diagonal.values, one.report.diagonal.values)).toBe(true);
      expect(identical(r.report.sigmaStar, one.report.sigmaStar)).toBe(true);
    }
    expect(Number.isFinite(one.report.psi) && one.report.psi > 0).toBe(true);
  });

  it('equals a single Network up to summation order (f64), with the accuracy', async () => {
    const p = await problem(SMALL_CNN, N, 4);
    const net = await Network.create(SMALL_CNN, { precision: 'f64' });
    net.setParams(p.w);
    net.setData(p.x, p.y);
    const ref = networkObjective(net);
    const obj = await objectiveFor(
      { engine: 'core-wasm', threads: 2 },
      { spec: SMALL_CNN, params: p.w },
      p,
    );
    open.push(obj);
    expect(obj.precision).toBe('f64');
    const w = p.w.map((x, i) => x + 0.01 * Math.sin(i));
    const g = await obj.gradient(w);
    const want = await ref.gradient(w);
    expect(Math.abs(g.loss - want.loss)).toBeLessThan(1e-14 * want.loss);
    expect(relErr(g.grad, want.grad)).toBeLessThan(1e-13);
    // At the model's point, whatever point the objective was called at last.
    expect(await obj.accuracy()).toBe(net.evaluate().accuracy);
  });
});

describe('objectiveFor on TF.js', () => {
  it('cpu backend: the loss and gradient of core-wasm f32, and its accuracy', async () => {
    const p = await problem(SMALL_CNN, 40, 2);
    const obj = await objectiveFor(
      { engine: 'tfjs', backend: 'cpu' },
      { spec: SMALL_CNN, params: p.w },
      p,
    );
    open.push(obj);
    expect(obj.engine).toMatchObject({ name: 'tfjs', backend: 'cpu', precision: 'f32' });
    const [g, want] = [await obj.gradient(p.w), await p.core.gradient(p.w)];
    expect(Math.abs(g.loss - want.loss)).toBeLessThan(1e-5 * want.loss);
    expect(relErr(g.grad, want.grad)).toBeLessThan(1e-4);
    const net = await Network.create(SMALL_CNN, { precision: 'f32' });
    net.setParams(p.w);
    net.setData(p.x, p.y);
    const accuracy = net.evaluate().accuracy;
    expect(await obj.accuracy()).toBe(accuracy);
    // The network made at the first call is kept, at the model's point whatever was called since.
    await obj.gradient(p.w.map((x) => 2 * x));
    expect(await obj.accuracy()).toBe(accuracy);
  });
});

describe('objectiveFor refuses settings that do not apply', () => {
  const model = { spec: SMALL_CNN, params: new Float64Array(0) };
  const data = { x: new Float32Array(0), y: new Int32Array(0) };
  it.each([
    [{ engine: 'core-wasm', backend: 'wasm' }, "backend 'wasm' applies to the tfjs engine only"],
    [{ engine: 'core-wasm', threads: 0 }, 'threads must be an integer in [1, 256], got 0'],
    [{ engine: 'core-wasm', threads: 257 }, 'threads must be an integer in [1, 256], got 257'],
    [{ engine: 'core-wasm', threads: 1.5 }, 'threads must be an integer in [1, 256], got 1.5'],
    [{ engine: 'tfjs', precision: 'f64' }, 'the tfjs engine computes in f32'],
    [{ engine: 'jax' }, "engine must be 'core-wasm' or 'tfjs', got 'jax'"],
  ] as const)('%o', async (settings, message) => {
    await expect(objectiveFor(settings as never, model, data)).rejects.toThrow(message);
  });

  it('a data set that does not fit the model', async () => {
    const rng = new Random(1);
    const x = Float32Array.from({ length: 10 }, () => rng.normal());
    const net = await Network.create(SMALL_CNN, { precision: 'f32' });
    await expect(
      objectiveFor(
        { engine: 'core-wasm', threads: 2 },
        { spec: SMALL_CNN, params: net.initParams(1) },
        { x, y: new Int32Array(3) },
      ),
    ).rejects.toThrow(/inputs|samples/);
  });
});
