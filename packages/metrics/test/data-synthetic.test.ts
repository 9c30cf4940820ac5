import { Network, PacgenError } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import {
  TOY_MIXTURE,
  cifarLike,
  mixtureDensity,
  mixtureMedianDensity,
  sampleMixture,
  toyGaussianMixture,
  type Dataset,
} from '../src/entries/data.js';
import { toyNet } from '../src/entries/models.js';

const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

describe('toy Gaussian mixture (docs/reproduction.md §1)', () => {
  it('is deterministic per seed, 100 training samples by default, labels = density > median', () => {
    const a = toyGaussianMixture({ seed: 3 });
    const b = toyGaussianMixture({ seed: 3 });
    const c = toyGaussianMixture({ seed: 4 });
    expect(a.train.n).toBe(100);
    expect(a.test.n).toBe(1000);
    expect(a.train.inputShape).toEqual([2]);
    expect(same(a.train.x, b.train.x) && same(a.test.y, b.test.y)).toBe(true);
    expect(same(a.train.x, c.train.x)).toBe(false);
    // The test set does not depend on the training set's size.
    expect(same(toyGaussianMixture({ seed: 3, train: 10 }).test.x, a.test.x)).toBe(true);
    for (let i = 0; i < a.train.n; i++) {
      const [x1, x2] = [a.train.x[2 * i], a.train.x[2 * i + 1]];
      expect(a.train.y[i]).toBe(a.density(x1, x2) > a.threshold ? 1 : 0);
      expect(a.label(x1, x2)).toBe(a.train.y[i]);
    }
    let ones = 0;
    for (const v of a.test.y) ones += v;
    expect(ones / a.test.n).toBeGreaterThan(0.44);
    expect(ones / a.test.n).toBeLessThan(0.56);
  });

  it('the density integrates to 1 and matches the draws; the threshold is its median', () => {
    const p = mixtureDensity(TOY_MIXTURE);
    const h = 0.05;
    let mass = 0;
    for (let x1 = -7; x1 < 7; x1 += h) for (let x2 = -7; x2 < 7; x2 += h) mass += p(x1, x2) * h * h;
    expect(mass).toBeCloseTo(1, 3);
    const xs = sampleMixture(TOY_MIXTURE, 20000, 11);
    const t = mixtureMedianDensity(TOY_MIXTURE);
    let above = 0;
    let mean1 = 0;
    for (let i = 0; i < 20000; i++) {
      if (p(xs[2 * i], xs[2 * i + 1]) > t) above++;
      mean1 += xs[2 * i] / 20000;
    }
    expect(above / 20000).toBeCloseTo(0.5, 1);
    const expected = TOY_MIXTURE.weights.reduce((s, w, j) => s + w * TOY_MIXTURE.means[j][0], 0);
    expect(mean1).toBeCloseTo(expected, 1);
  });

  it('fits the toy network and rejects a bad mixture', async () => {
    const { train } = toyGaussianMixture();
    const net = await Network.create(toyNet(), { precision: 'f64' });
    net.setParams([0.5, -0.5]);
    net.setData(train.x, train.y);
    expect(Number.isFinite(net.evaluate().loss)).toBe(true);
    expect(() => mixtureDensity({ ...TOY_MIXTURE, weights: [0.5, 0.5, 0.5] })).toThrow(PacgenError);
    expect(() =>
      mixtureDensity({
        ...TOY_MIXTURE,
        covariances: [
          [
            [1, 2],
            [2, 1],
          ],
          ...TOY_MIXTURE.covariances.slice(1),
        ],
      }),
    ).toThrow(/not symmetric positive definite/);
  });
});

/** Accuracy of the nearest-class-mean classifier fitted on `train`. */
function nearestMeanAccuracy(train: Dataset, test: Dataset): number {
  const D = train.x.length / train.n;
  const K = train.numClasses;
  const mean = new Float64Array(K * D);
  const count = new Float64Array(K);
  for (let i = 0; i < train.n; i++) {
    const c = train.y[i];
    count[c]++;
    for (let j = 0; j < D; j++) mean[c * D + j] += train.x[i * D + j];
  }
  for (let c = 0; c < K; c++) for (let j = 0; j < D; j++) mean[c * D + j] /= count[c];
  let ok = 0;
  for (let i = 0; i < test.n; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < K; c++) {
      let d = 0;
      for (let j = 0; j < D; j++) d += (test.x[i * D + j] - mean[c * D + j]) ** 2;
      if (d < bestD) [bestD, best] = [d, c];
    }
    if (best === test.y[i]) ok++;
  }
  return ok / test.n;
}

describe('CIFAR-like synthetic set', () => {
  it('is CIFAR-shaped, in [0, 1], deterministic per seed', () => {
    const a = cifarLike({ train: 50, test: 20, seed: 5 });
    const b = cifarLike({ train: 50, test: 20, seed: 5 });
    const c = cifarLike({ train: 50, test: 20, seed: 6 });
    expect(a.train.inputShape).toEqual([32, 32, 3]);
    expect(a.train.x.length).toBe(50 * 3072);
    expect(a.test.n).toBe(20);
    expect(a.train.numClasses).toBe(10);
    expect(same(a.train.x, b.train.x) && same(a.test.y, b.test.y)).toBe(true);
    expect(same(a.train.x, c.train.x)).toBe(false);
    expect(a.train.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(() => cifarLike({ train: 0 })).toThrow(/positive integer/);
  });

  it('is learnable: nearest class mean and a small CNN beat chance (10%) by a wide margin', async () => {
    const { train, test } = cifarLike({ train: 800, test: 300, seed: 1 });
    expect(nearestMeanAccuracy(train, test)).toBeGreaterThan(0.4);

    const net = await Network.create({
      inputShape: [32, 32, 3],
      layers: [
        { type: 'conv2d', filters: 8, kernelSize: 5, strides: 2, activation: 'relu' },
        { type: 'maxpool2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10 },
      ],
      loss: 'softmax-cross-entropy',
    });
    const params = Float64Array.from(net.initParams(1));
    net.setData(train.x, train.y);
    const velocity = new Float64Array(params.length);
    const order = Int32Array.from({ length: train.n }, (_, i) => i);
    for (let epoch = 0; epoch < 3; epoch++) {
      for (let s = 0; s < train.n; s += 32) {
        net.setParams(params);
        const { grad } = net.gradient({ samples: order.subarray(s, s + 32) });
        for (let i = 0; i < params.length; i++) {
          velocity[i] = 0.9 * velocity[i] - 0.05 * grad[i];
          params[i] += velocity[i];
        }
      }
    }
    net.setParams(params);
    const probs = net.predict(test.x);
    let ok = 0;
    for (let i = 0; i < test.n; i++) {
      const row = probs.subarray(i * 10, i * 10 + 10);
      if (row.indexOf(Math.max(...row)) === test.y[i]) ok++;
    }
    expect(ok / test.n).toBeGreaterThan(0.3);
  });
});
