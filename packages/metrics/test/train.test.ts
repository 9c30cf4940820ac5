import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random, type NetworkSpec } from '@pacgen/core-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import {
  adam,
  memoryCheckpointStore,
  onPsiSchedule,
  parseState,
  perturbedOpt,
  sam,
  sgd,
  stringifyState,
  train,
  type EpochRecord,
  type TrainOptions,
} from '../src/entries/train.js';
import { moons as halfMoons } from './helpers.js';

/** The half-moons of the helpers with a jitter of 0.15. */
const moons = (n: number, seed: number, name: string) => halfMoons(n, seed, name, 0.15);

const spec: NetworkSpec = {
  inputShape: [2],
  layers: [
    { type: 'dense', units: 16, activation: 'tanh' },
    { type: 'dropout', rate: 0.1 },
    { type: 'dense', units: 2 },
  ],
  loss: 'softmax-cross-entropy',
};
const data = { train: moons(240, 1, 'train'), test: moons(200, 2, 'test') };

const base = (over: Partial<TrainOptions> = {}): TrainOptions => ({
  spec,
  data,
  optimizer: sgd({ learningRate: 0.2, momentum: 0.9 }),
  epochs: 6,
  batchSize: 16,
  seed: 11,
  ...over,
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('train', () => {
  it('reduces the loss and records train/test loss, accuracy and the gap', async () => {
    const steps: number[] = [];
    const r = await train(base({ onProgress: { step: (e) => void steps.push(e.loss) } }));
    expect(r.stopReason).toBe('epochs');
    expect(r.epochs).toBe(6);
    expect(r.history.map((h) => h.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(r.steps).toBe(6 * 15);
    expect(steps.length).toBe(90);
    const first = r.history[0];
    const last = r.history[6];
    expect(first.batchLoss).toBeNull();
    expect(last.trainLoss as number).toBeLessThan(0.5 * (first.trainLoss as number));
    expect(last.trainAccuracy as number).toBeGreaterThan(0.85);
    expect(last.gap).toBeCloseTo((last.testLoss as number) - (last.trainLoss as number), 12);
    expect(r.gradientEvaluations).toBe(90);
    // The final params are the network's (rounded to f32).
    expect(Array.from(r.network.params)).toEqual(Array.from(Float32Array.from(r.params)));
  });

  it('same seed gives an identical history, another seed a different one', async () => {
    const opt = () => perturbedOpt({ inner: adam({ learningRate: 0.02 }), scale: 0.5, seed: 3 });
    const a = await train(base({ optimizer: opt(), epochs: 3 }));
    const b = await train(base({ optimizer: opt(), epochs: 3 }));
    const c = await train(base({ optimizer: opt(), epochs: 3, seed: 12 }));
    expect(b.history).toEqual(a.history);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(c.history[3].trainLoss).not.toBe(a.history[3].trainLoss);
    // σ statistics are logged per epoch.
    expect(a.history[3].optimizer?.sigmaMax).toBeGreaterThan(0);
  });

  it('stops early at the target training loss', async () => {
    const r = await train(
      base({ epochs: undefined, maxEpochs: 100, targetTrainLoss: 0.2, evalEvery: 5 }),
    );
    expect(r.stopReason).toBe('target');
    expect(r.epochs).toBeLessThan(100);
    const last = r.history[r.history.length - 1];
    expect(last.epoch).toBe(r.epochs);
    expect(last.trainLoss as number).toBeLessThanOrEqual(0.2);
    expect(last.testLoss).not.toBeNull();
    // Earlier epochs were above the target.
    const before = r.history.filter((h) => h.epoch > 0 && h.epoch < r.epochs);
    before.forEach((h) => expect(h.trainLoss as number).toBeGreaterThan(0.2));
    // Test evaluated only on the schedule (every 5) and at the end.
    const tested = r.history.filter((h) => h.testLoss !== null).map((h) => h.epoch);
    expect(tested).toEqual([
      ...new Set([0, ...before.map((h) => h.epoch).filter((e) => e % 5 === 0), r.epochs]),
    ]);
  });

  it('a run interrupted and resumed from its checkpoint equals an uninterrupted run exactly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pacgen-train-'));
    dirs.push(dir);
    const opt = () =>
      perturbedOpt({
        inner: sgd({ learningRate: 0.1, momentum: 0.9 }),
        scale: 0.3,
        curvature: 'secant',
        seed: 9,
      });
    const full = await train(base({ optimizer: opt() }));
    await expect(
      train(
        base({
          optimizer: opt(),
          checkpointDir: dir,
          onProgress: {
            epoch: (e) => {
              if (e.epoch === 3) throw new Error('interrupted');
            },
          },
        }),
      ),
    ).rejects.toThrow('interrupted');
    expect(await readdir(dir)).toEqual(['checkpoint.json']);
    const resumed = await train(base({ optimizer: opt(), checkpointDir: dir, resume: true }));
    expect(resumed.resumedFrom).toBe(3);
    expect(Array.from(resumed.params)).toEqual(Array.from(full.params));
    expect(resumed.history).toEqual(full.history);
    expect(resumed.gradientEvaluations).toBe(full.gradientEvaluations);
    // A finished run resumes to itself without stepping.
    const again = await train(base({ optimizer: opt(), checkpointDir: dir, resume: true }));
    expect(again.steps).toBe(full.steps);
    expect(Array.from(again.params)).toEqual(Array.from(full.params));
  });

  it('stops at divergence and keeps the last finite parameters', async () => {
    const rng = new Random(4);
    const n = 64;
    const x = Float32Array.from({ length: 2 * n }, () => rng.normal());
    const y = Float32Array.from({ length: n }, (_, i) => x[2 * i] - 2 * x[2 * i + 1]);
    const reg: Dataset = { name: 'reg', x, y, n, inputShape: [2], numClasses: 0 };
    const r = await train({
      spec: { inputShape: [2], layers: [{ type: 'dense', units: 1 }], loss: 'mse' },
      data: { train: reg },
      optimizer: sgd({ learningRate: 50 }),
      epochs: 100,
      batchSize: 8,
    });
    expect(r.stopReason).toBe('diverged');
    expect(r.epochs).toBeLessThan(100);
    expect(r.params.every(Number.isFinite)).toBe(true);
    expect(r.history.at(-1)?.epoch).toBe(r.epochs);
  });

  it('refuses a checkpoint of another run', async () => {
    const store = memoryCheckpointStore();
    await train(base({ epochs: 1, checkpoint: store }));
    await expect(
      train(base({ epochs: 2, batchSize: 8, checkpoint: store, resume: true })),
    ).rejects.toThrow(/batchSize 16 ≠ 8/);
  });

  it('tracks Ψ every k epochs via the PACGen report, with SAM', async () => {
    const r = await train(
      base({
        optimizer: sam({ inner: sgd({ learningRate: 0.2 }), rho: 0.05 }),
        epochs: 3,
        psiEvery: 2,
        psi: { rho: 0 },
        precision: 'f64',
      }),
    );
    const withPsi = r.history.filter((h: EpochRecord) => h.psi !== null).map((h) => h.epoch);
    expect(withPsi).toEqual([0, 2, 3]);
    const p = r.history[3].psi;
    expect(Number.isFinite(p?.psi)).toBe(true);
    expect(p?.psiStar as number).toBeGreaterThan(0);
    expect(p?.gradientEvaluations).toBe(2 * 82 + 1);
    expect(r.gradientEvaluations).toBe(2 * r.steps);
  });

  it("tracks Ψ on the 'log' schedule: epochs 0, 1, 2, 4, 8 and the last", async () => {
    const r = await train(base({ epochs: 9, psiEvery: 'log', psi: { rho: 0 } }));
    const withPsi = r.history.filter((h: EpochRecord) => h.psi !== null).map((h) => h.epoch);
    expect(withPsi).toEqual([0, 1, 2, 4, 8, 9]);
    expect([0, 1, 2, 3, 4, 6, 8, 1024, 1025].map((e) => onPsiSchedule('log', e))).toEqual([
      true,
      true,
      true,
      false,
      true,
      false,
      true,
      true,
      false,
    ]);
    expect([0, 3, 4, 6].map((e) => onPsiSchedule(3, e))).toEqual([true, true, false, true]);
    await expect(train(base({ epochs: 1, psiEvery: 1.5 }))).rejects.toThrow(
      /psiEvery must be an integer ≥ 0, got 1.5/,
    );
  });

  it('checkpoint text round-trips typed arrays and non-finite numbers exactly', () => {
    const value = {
      a: Float64Array.from([Math.PI, -0, 1e-310]),
      b: Float32Array.from([1.5, NaN]),
      n: [NaN, Infinity, -Infinity, 2],
      s: 'x',
      z: null,
    };
    const back = parseState(stringifyState(value)) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.a[1], -0)).toBe(true);
    expect(back.b).toBeInstanceOf(Float32Array);
  });
});
