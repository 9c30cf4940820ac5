// The library's optimizers as tf.Optimizers in model.compile: model.fit's steps equal the
// library's own steps (its async `step` on a TF.js objective of each batch) to f32 rounding,
// a compiled model trains, and what cannot run synchronously is refused in one line.

import { beforeAll, describe, expect, it } from 'vitest';
import {
  adam,
  asam,
  fromTransformation,
  perturbedOpt,
  sam,
  sgd,
  type Optimizer,
} from '../src/entries/train.js';
import {
  tf,
  tfjsObjective,
  tfjsOptimizer,
  useBackend,
  type TfjsBackendName,
} from '../src/tfjs/index.js';
import { relErr } from './tfjs-helpers.js';
import { C, classifier, D, N, oneHot, x, y } from './tfjs-fixture.js';

const BATCH = 4;
const EPOCHS = 2;

/** The model's trainable weights, flat, in model order. */
function weightsOf(model: tf.LayersModel): Float64Array {
  return Float64Array.from(
    tf
      .tidy(() => tf.concat(model.trainableWeights.map((v) => tf.reshape(v.read(), [-1]))))
      .dataSync(),
  );
}

/** w after the library's optimizer steps through the batches of model.fit (no shuffle). */
async function libraryRun(optimizer: Optimizer<unknown>): Promise<Float64Array> {
  const model = classifier();
  const batches = await Promise.all(
    Array.from({ length: N / BATCH }, (_, b) =>
      tfjsObjective({
        model,
        data: { x, y },
        samples: Array.from({ length: BATCH }, (_, i) => b * BATCH + i),
      }),
    ),
  );
  let w = batches[0].params();
  let state = optimizer.init(w);
  for (let e = 0; e < EPOCHS; e++) {
    for (const obj of batches) {
      const r = await optimizer.step(w, state, (p) => obj.gradient(p), { precision: 'f32' });
      state = r.state;
      w = Float64Array.from(w, (v, i) => v + r.updates[i]);
    }
  }
  batches.forEach((o) => o.dispose());
  model.dispose();
  return w;
}

async function fitRun(optimizer: Optimizer<unknown>, epochs = EPOCHS, metrics: string[] = []) {
  const model = classifier();
  const opt = tfjsOptimizer(optimizer);
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy', metrics });
  const xt = tf.tensor2d(x, [N, D]);
  const yt = tf.tensor2d(oneHot, [N, C]);
  const history = await model.fit(xt, yt, { epochs, batchSize: BATCH, shuffle: false, verbose: 0 });
  const w = weightsOf(model);
  tf.dispose([xt, yt]);
  model.dispose();
  return { w, history, opt };
}

const inner = () => sgd({ learningRate: 0.3 });
const CASES: [string, () => Optimizer<unknown>][] = [
  ['SAM', () => sam({ inner: inner(), rho: 0.05 }) as Optimizer<unknown>],
  ['ASAM', () => asam({ inner: inner() }) as Optimizer<unknown>],
  [
    'perturbedOPT (secant)',
    () => perturbedOpt({ inner: inner(), scale: 0.05, seed: 3 }) as unknown as Optimizer<unknown>,
  ],
  [
    'perturbedOPT (probes)',
    () =>
      perturbedOpt({
        inner: inner(),
        scale: 0.05,
        seed: 4,
        curvature: { method: 'probes', every: 2, probes: 1 },
      }) as unknown as Optimizer<unknown>,
  ],
  ['adam', () => fromTransformation(adam({ learningRate: 0.05 })) as Optimizer<unknown>],
];

describe.each(['cpu', 'wasm'] as TfjsBackendName[])(
  'model.fit with tfjsOptimizer on %s',
  (backend) => {
    beforeAll(() => useBackend(backend));
    it.each(CASES)(
      '%s: the steps equal the library optimizer’s to f32 rounding',
      async (_, make) => {
        const want = await libraryRun(make());
        const { w, opt } = await fitRun(make());
        const start = weightsOf(classifier());
        expect(relErr(w, start)).toBeGreaterThan(1e-2); // it moved
        expect(relErr(w, want)).toBeLessThan(1e-6);
        expect(opt.iterations).toBe(EPOCHS * (N / BATCH));
      },
    );
  },
);

describe('model.fit with tfjsOptimizer', () => {
  beforeAll(() => useBackend('cpu'));
  it('a model compiled with SAM or perturbedOPT trains: the loss falls', async () => {
    for (const [, make] of CASES.slice(0, 3)) {
      const { history, opt } = await fitRun(make(), 25);
      const loss = history.history.loss as number[];
      expect(loss[24]).toBeLessThan(0.5 * loss[0]);
      expect(opt.lastStep!.gradientEvaluations).toBeGreaterThanOrEqual(1);
    }
    const { opt } = await fitRun(CASES[2][1](), 1);
    expect(opt.lastStep!.diagnostics!.sigmaMean).toBeGreaterThan(0);
  });

  it('keeps no tensors per step (metric values of the extra gradients are freed)', async () => {
    // A model.fit call may keep a fixed few tensors (TF.js's own); none may grow with the steps.
    const growth = async (epochs: number) => {
      const before = tf.memory().numTensors;
      await fitRun(CASES[0][1](), epochs, ['accuracy']);
      return tf.memory().numTensors - before;
    };
    expect(await growth(4)).toBe(await growth(1));
  });
});

describe('refusals', () => {
  beforeAll(() => useBackend('cpu'));
  it('an estimated ρ̂, applyGradients with SAM, a plain transformation', async () => {
    const estimated = perturbedOpt({ inner: inner(), rho: { every: 5 } });
    await expect(fitRun(estimated as unknown as Optimizer<unknown>)).rejects.toThrow(
      /estimated rho \(\{ every \}\) runs hessianLipschitz, which cannot step synchronously/,
    );
    const v = tf.variable(tf.tensor1d([1, 2]));
    const g = { [v.name]: tf.tensor1d([0.5, -1]) };
    expect(() =>
      tfjsOptimizer(sam({ inner: inner() }) as Optimizer<unknown>).applyGradients(g),
    ).toThrow(/takes gradients at points other than w: call minimize\(f\)/);
    expect(Array.from(v.dataSync())).toEqual([1, 2]);
    tfjsOptimizer(
      fromTransformation(sgd({ learningRate: 0.5 })) as Optimizer<unknown>,
    ).applyGradients(g);
    expect(Array.from(v.dataSync())).toEqual([0.75, 2.5]);
    expect(() => tfjsOptimizer(inner() as unknown as Optimizer<unknown>)).toThrow(
      /has no step program/,
    );
    tf.dispose([v, ...Object.values(g)]);
  });
});
