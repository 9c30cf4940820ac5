// Ψ along model.fit: the PsiCallback's History values equal a direct pacgen call on the same
// weights and held sample; every-k epochs log NaN in between.

import { afterEach, beforeAll, expect, it } from 'vitest';
import { pacgen } from '../src/index.js';
import {
  PSI_LOG_KEYS,
  PsiCallback,
  psiEpochStats,
  tf,
  tfjsObjective,
  useBackend,
} from '../src/tfjs/index.js';
import { C, classifier, D, N, oneHot, x } from './tfjs-fixture.js';

const PACGEN = { rho: { probes: 2 }, seed: 3, trainSamples: N };
const HELD = 8;
let disposables: tf.TensorContainer[] = [];
beforeAll(() => useBackend('cpu'));
afterEach(() => {
  tf.dispose(disposables);
  disposables = [];
});

function trainingSet() {
  const xt = tf.tensor2d(x, [N, D]);
  const yt = tf.tensor2d(oneHot, [N, C]);
  disposables.push(xt, yt);
  return { xt, yt, held: { x: xt.slice(0, HELD), y: yt.slice(0, HELD) } };
}

it('History holds Ψ, Ψ* and σ* statistics equal to pacgen on the same weights and sample', async () => {
  const model = classifier();
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
  const { xt, yt, held } = trainingSet();
  disposables.push(held.x, held.y);
  const weights: tf.Tensor[][] = [];
  const seen: number[] = [];
  const callback = new PsiCallback({
    data: held,
    pacgen: PACGEN,
    onEpoch: (epoch, stats) => {
      seen.push(epoch, stats.psi);
      weights.push(model.getWeights().map((t) => t.clone()));
    },
  });
  const history = await model.fit(xt, yt, {
    epochs: 3,
    batchSize: 4,
    shuffle: false,
    verbose: 0,
    callbacks: [callback],
  });
  for (const k of PSI_LOG_KEYS) expect(history.history[k]).toHaveLength(3);
  expect(history.history.loss).toHaveLength(3);
  const copy = classifier();
  for (let e = 0; e < 3; e++) {
    copy.setWeights(weights[e]);
    const obj = await tfjsObjective({ model: copy, data: held });
    const want = psiEpochStats(await pacgen(obj, obj.params(), PACGEN));
    obj.dispose();
    for (const k of PSI_LOG_KEYS) expect(history.history[k][e], `${k} epoch ${e}`).toBe(want[k]);
    expect(seen.slice(2 * e, 2 * e + 2)).toEqual([e, want.psi]);
    expect(want.sigmaStarMin).toBeLessThanOrEqual(want.sigmaStarMedian);
    expect(want.sigmaStarMedian).toBeLessThanOrEqual(want.sigmaStarMax);
  }
  // Training moved the weights, and Ψ with them.
  expect(new Set(history.history.psi).size).toBe(3);
  expect(callback.results.map((r) => r.epoch)).toEqual([0, 1, 2]);
  weights.flat().forEach((t) => t.dispose());
  model.dispose();
  copy.dispose();
});

it('every k epochs: NaN on the epochs between, a dataset sample read once', async () => {
  const model = classifier();
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
  const { xt, yt } = trainingSet();
  let reads = 0;
  const sample = tf.data.array(Array.from({ length: HELD }, (_, i) => i)).map((i) => {
    if (i === 0) reads++;
    return [xt.slice(i as number, 1).reshape([D]), yt.slice(i as number, 1).reshape([C])];
  });
  const callback = new PsiCallback({ data: sample, every: 2, pacgen: PACGEN });
  const history = await model.fit(xt, yt, { epochs: 4, verbose: 0, callbacks: [callback] });
  const psi = history.history.psi as number[];
  expect(psi.map(Number.isNaN)).toEqual([true, false, true, false]);
  expect(psi[1]).toBe(callback.results[0].psi);
  expect(callback.results.map((r) => r.epoch)).toEqual([1, 3]);
  expect(reads).toBe(1);
  expect(() => new PsiCallback({ data: sample, every: 0 })).toThrow(
    /every must be a positive integer/,
  );
  model.dispose();
});

it('model.fitDataset with the training dataset itself as the held sample (take(k))', async () => {
  const model = classifier();
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
  const { xt, yt } = trainingSet();
  const [xs, ys] = [tf.unstack(xt), tf.unstack(yt)];
  disposables.push(...xs, ...ys);
  const ds = tf.data.zip({ xs: tf.data.array(xs), ys: tf.data.array(ys) }).batch(4);
  const callback = new PsiCallback({ data: ds.take(2), pacgen: PACGEN });
  const history = await model.fitDataset(ds, { epochs: 1, verbose: 0, callbacks: [callback] });
  const obj = await tfjsObjective({
    model,
    data: { x: x.subarray(0, HELD * D), y: oneHot.subarray(0, HELD * C) },
  });
  const want = await pacgen(obj, obj.params(), PACGEN);
  obj.dispose();
  expect(history.history.psi).toEqual([want.psi]);
  model.dispose();
});
