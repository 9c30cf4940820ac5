// Data settings: 'standard' statistics from the training split (checked against values computed
// by hand), first/random subsets and their description, f64 inputs exact in double.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Network } from '@pacgen/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  byteChannelStats,
  chooseSamples,
  describeSelection,
  selectSubset,
  subsetSamples,
  writeIdx,
  type DataSplit,
} from '../src/entries/data.js';
import { loadIdxDataset, loadMnist, mnistDataDir, readIdxFile } from '../src/entries/node.js';
import { useTempDir } from './file-helpers.js';
import { writeConstantMnist } from './mnist-fixture.js';

const tempDir = useTempDir('pacgen-data-settings-');

describe("'standard' normalization: the training split's channel statistics", () => {
  it('are the mean and population std of pixels/255, per channel (by hand)', () => {
    // v/255 = 0, 1, 0.2, 0.4: mean 0.4, variance (0.16 + 0.36 + 0.04 + 0)/4 = 0.14.
    const one = byteChannelStats(Uint8Array.of(0, 255, 51, 102), 1);
    expect(one.mean[0]).toBeCloseTo(0.4, 15);
    expect(one.std[0]).toBeCloseTo(Math.sqrt(0.14), 15);
    // Two HWC pixels of three channels: (0, 255, 51) and (255, 255, 102). Channel 1 is constant
    // (std 0), so it gets std 1 and is only shifted.
    const three = byteChannelStats(Uint8Array.of(0, 255, 51, 255, 255, 102), 3);
    expect(three.mean.map((v) => +v.toFixed(15))).toEqual([0.5, 1, 0.3]);
    expect(three.std.map((v) => +v.toFixed(15))).toEqual([0.5, 1, 0.1]);
  });

  it('come from the training split and standardise the test split too', async () => {
    // Train images 0, 255, 51 → mean 0.4, variance (0.16 + 0.36 + 0.04)/3; test image 255.
    const dir = join(tempDir(), 'fashion-like');
    writeConstantMnist(dir, [0, 255, 51], [255, 102]);
    const d = await loadMnist({ dir, normalization: 'standard' });
    const std = Math.sqrt(0.56 / 3);
    expect(d.train.normalization!.mean[0]).toBeCloseTo(0.4, 15);
    expect(d.train.normalization!.std[0]).toBeCloseTo(std, 15);
    expect(d.test.normalization).toEqual(d.train.normalization);
    // The test split's own statistics (mean 0.7) would give 1 and −1, not these.
    expect(d.test.x[0]).toBeCloseTo((1 - 0.4) / std, 6);
    expect(d.test.x[784]).toBeCloseTo((0.4 - 0.4) / std, 6);
    expect(d.train.x[784 + 5]).toBeCloseTo((1 - 0.4) / std, 6);
    // 'none' records mean 0 and std 1: pixels/255 exactly.
    const none = await loadMnist({ dir });
    expect(none.train.normalization).toEqual({ mean: [0], std: [1] });
    expect(none.test.x[784]).toBe(Math.fround(102 / 255));
  });

  it("on MNIST are its training split's (0.1307/0.3081 rounded), not the test split's", async () => {
    const raw = await readIdxFile(join(await mnistDataDir(), 'train-images-idx3-ubyte'));
    // Integer moments (exact in double: Σv² < 2^53), independently of the histogram.
    const bytes = raw.data as Uint8Array;
    let sum = 0;
    let sumSq = 0;
    for (const v of bytes) {
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / bytes.length / 255;
    const variance = (sumSq / bytes.length - (sum / bytes.length) ** 2) / 255 ** 2;
    const d = await loadMnist({
      normalization: 'standard',
      subset: { train: 10, test: 10 },
      subsetMode: 'first',
    });
    expect(Math.abs(d.train.normalization!.mean[0] - mean)).toBeLessThan(1e-12);
    expect(Math.abs(d.train.normalization!.std[0] - Math.sqrt(variance))).toBeLessThan(1e-12);
    expect(d.train.normalization!.mean[0]).toBeCloseTo(0.1306605, 7);
    expect(d.train.normalization!.std[0]).toBeCloseTo(0.3081078, 7);
    expect(d.test.normalization).toEqual(d.train.normalization);
  });
});

describe('subsets: the first n or a seeded random n, and which ones they were', () => {
  let mnist: DataSplit;
  beforeAll(async () => {
    mnist = await loadMnist({ subset: { train: 2000, test: 1 }, subsetMode: 'first' });
  });

  it("'first' keeps the first samples in file order and says so", async () => {
    const d = await loadMnist({ subset: { train: 500, test: 20 }, subsetMode: 'first' });
    expect(Array.from(d.train.y.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(d.test.y.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(Array.from(d.train.x)).toEqual(Array.from(mnist.train.x.subarray(0, 500 * 784)));
    expect(d.train.selection).toEqual({ mode: 'first', count: 500, of: 60000 });
    expect(describeSelection(d.train.selection!)).toBe('first 500 of 60,000');
    // The first 100 of the first 500 are the first 100 of the split.
    const sub = subsetSamples(d.train, 100, { mode: 'first' });
    expect(describeSelection(sub.selection!)).toBe('first 100 of 60,000');
    expect(Array.from(sub.y)).toEqual(Array.from(mnist.train.y.subarray(0, 100)));
  });

  it("'random' (the default) is the seeded subset, nested subsets drawn the same way", async () => {
    const d = await loadMnist({ subset: { train: 300, test: 1 }, seed: 3 });
    expect(d.train.selection).toEqual({ mode: 'random', count: 300, of: 60000, seed: 3 });
    expect(describeSelection(d.train.selection!)).toBe('random 300 (seed 3) of 60,000');
    // A sample of the subset, read without holding the subset, equals one taken from it.
    const direct = await loadMnist({
      subset: { train: 300, test: 1 },
      sample: { train: 40 },
      seed: 3,
    });
    const taken = subsetSamples(d.train, 40, { seed: 3 });
    expect(Array.from(direct.train.y)).toEqual(Array.from(taken.y));
    expect(Array.from(direct.train.x)).toEqual(Array.from(taken.x));
    expect(direct.train.selection).toEqual(taken.selection);
    expect(describeSelection(taken.selection!)).toBe(
      'random 40 (seed 3) of the random 300 (seed 3) of 60,000',
    );
    const outer = selectSubset(60000, 300, 3, '')!;
    const inner = selectSubset(300, 40, 3, '')!;
    expect(
      Array.from(chooseSamples(60000, { subset: 300, sample: 40, seed: 3 }, '').indices!),
    ).toEqual(Array.from(inner, (i) => outer[i]));
    // A sample at least as large as the subset keeps it whole.
    expect(chooseSamples(50, { subset: 10, sample: 10, mode: 'first' }, '').selection).toEqual({
      mode: 'first',
      count: 10,
      of: 50,
    });
    expect(describeSelection(chooseSamples(50, {}, '').selection)).toBe('all 50');
  });

  it('refuses an unknown mode and a size outside [1, n] with one clear error', () => {
    expect(() => selectSubset(10, 3, 0, 'x', 'last' as never)).toThrow(
      /unknown subset mode 'last' \(use 'first' or 'random'\)/,
    );
    expect(() => selectSubset(10, 11, 0, 'x', 'first')).toThrow(
      /x subset size must be an integer in \[1, 10\], got 11/,
    );
  });
});

describe('f64 inputs', () => {
  // 6 images of 2×2×1 and 3 classes: small enough to compute the loss by hand.
  const pixels = Uint8Array.from({ length: 24 }, (_, i) => (i * 97 + 13) % 256);
  const labels = Uint8Array.of(0, 2, 1, 1, 0, 2);

  it('are exact in double, and the f64 loss matches a float64 reference from the bytes to 1e-12', async () => {
    const dir = tempDir();
    await writeFile(
      join(dir, 'img.idx'),
      writeIdx({ dtype: 'uint8', shape: [6, 2, 2], data: pixels }),
    );
    await writeFile(join(dir, 'lbl.idx'), writeIdx({ dtype: 'uint8', shape: [6], data: labels }));
    const load = (precision: 'f32' | 'f64') =>
      loadIdxDataset(join(dir, 'img.idx'), join(dir, 'lbl.idx'), {
        normalization: 'standard',
        precision,
      });
    const [d32, d64] = [await load('f32'), await load('f64')];
    expect(d64.x).toBeInstanceOf(Float64Array);
    expect(d32.x).toBeInstanceOf(Float32Array);

    // Reference: statistics and inputs from the raw bytes in float64.
    const v = Array.from(pixels, (b) => b / 255);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    const x = v.map((p) => (p - mean) / std);
    let maxErr64 = 0;
    let maxErr32 = 0;
    x.forEach((r, i) => {
      maxErr64 = Math.max(maxErr64, Math.abs(d64.x[i] - r));
      maxErr32 = Math.max(maxErr32, Math.abs(d32.x[i] - r));
    });
    expect(maxErr64).toBeLessThan(1e-14);
    expect(maxErr32).toBeGreaterThan(1e-9); // f32 storage: what f64 mode no longer does

    const spec = {
      inputShape: [2, 2, 1],
      layers: [{ type: 'flatten' as const }, { type: 'dense' as const, units: 3 }],
      loss: 'softmax-cross-entropy' as const,
    };
    const params = Float64Array.from({ length: 15 }, (_, i) => Math.sin(i + 1) * 0.7);
    // Softmax cross-entropy of a dense layer (kernel [4, 3] row-major, then the bias).
    let ref = 0;
    for (let s = 0; s < 6; s++) {
      const z = [0, 1, 2].map((j) => {
        let a = params[12 + j];
        for (let i = 0; i < 4; i++) a += x[s * 4 + i] * params[i * 3 + j];
        return a;
      });
      const top = Math.max(...z);
      const lse = top + Math.log(z.reduce((a, b) => a + Math.exp(b - top), 0));
      ref += (lse - z[labels[s]]) / 6;
    }
    const lossOf = async (data: { x: ArrayLike<number>; y: ArrayLike<number> }) => {
      const net = await Network.create(spec, { precision: 'f64' });
      net.setParams(params);
      net.setData(data.x, data.y);
      return net.evaluate().loss;
    };
    const [loss64, loss32] = [await lossOf(d64), await lossOf(d32)];
    expect(Math.abs(loss64 - ref) / ref).toBeLessThan(1e-12);
    expect(Math.abs(loss32 - ref) / ref).toBeGreaterThan(1e-10);
  });
});
