// The inputs a model is scored on: the normalization train records in run.json and score
// reuses, which samples (--subset first|random), and f64 inputs exact from the bytes.

import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIdx } from '@pacgen/metrics/data';
import { readSafetensorsFile, writeSafetensorsFile } from '@pacgen/metrics/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeConstantMnist } from '../../metrics/test/mnist-fixture.js';
import { copyModelOnly, expectOneLineError, pacgen, tempDir, trainModel } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

// Training images 0, 255 and 51: v/255 = 0, 1, 0.2, so mean 0.4 and variance 0.56/3.
const MEAN = 0.4;
const STD = Math.sqrt(0.56 / 3);
const FAST = ['--diagonal', 'hutchinson', '--probes', '2', '--rho', '0', '--json'];

beforeAll(async () => {
  writeConstantMnist(join(dir, 'fash'), [0, 255, 51], [255, 102]);
  const model = await trainModel(dir, [
    '--data',
    'fash',
    '--normalize',
    'standard',
    '--model',
    'mlp:4',
    '--epochs',
    '1',
    '--batch-size',
    '3',
  ]);
  // The same model without its run.json.
  copyModelOnly(model, join(dir, 'bare'));
});

describe("a model's normalization", () => {
  it("train records the training split's mean/std in run.json", () => {
    const log = JSON.parse(readFileSync(join(dir, 'model', 'run.json'), 'utf8'));
    expect(log.normalization.method).toBe('standard');
    expect(log.normalization.mean[0]).toBeCloseTo(MEAN, 15);
    expect(log.normalization.std[0]).toBeCloseTo(STD, 15);
    expect(log.normalization.from).toBe('the training split of fash (3 samples)');
    expect(log.settings).toMatchObject({ normalize: 'standard', subset: 'random' });
  });

  it("score uses the run's data set and stored values, and says so", async () => {
    const own = await pacgen(['score', 'model', '--data', 'fash', ...FAST], dir);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stderr).toContain(
      'normalization: standard, mean [0.400000], std [0.432049] (stored in model/run.json)',
    );
    expect(own.stderr).toContain('samples: all 3 training samples of fash');
    // Without --data the run's data set is used; another one contradicts the run.
    const implicit = await pacgen(['score', 'model/model.json', ...FAST], dir);
    expect(implicit.code, implicit.stderr).toBe(0);
    const doc = JSON.parse(implicit.stdout);
    expect(doc.data).toBe('fash');
    expect(doc.inputs.normalization).toMatchObject({
      method: 'standard',
      file: 'model/run.json',
    });
    expect(doc.inputs.normalization.mean[0]).toBeCloseTo(MEAN, 15);
    expect(doc.inputs.normalization.std[0]).toBeCloseTo(STD, 15);
    const mnist = await pacgen(['score', 'model', '--data', 'mnist', ...FAST], dir);
    expect(mnist.code).toBe(2);
    expect(expectOneLineError(mnist)).toBe(
      'pacgen: --data mnist contradicts model/run.json: the model was trained with --data fash',
    );
    // Without run.json: --normalize standard computes MNIST's own training-split values.
    const flag = await pacgen(
      ['score', 'bare', '--samples', '20', '--normalize', 'standard', ...FAST],
      dir,
    );
    expect(flag.code, flag.stderr).toBe(0);
    const flagged = JSON.parse(flag.stdout).inputs.normalization;
    expect(flagged.file).toBeNull();
    expect(flagged.mean[0]).toBeCloseTo(0.1306604762738429, 12);
    expect(flagged.std[0]).toBeCloseTo(0.3081078038564627, 12);
    expect(flag.stderr).toContain('(the training split of mnist (60,000 samples))');
  });

  it('refuses a --normalize that contradicts run.json, and a malformed record', async () => {
    const r = await pacgen(['score', 'model', '--data', 'fash', '--normalize', 'none'], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe(
      'pacgen: --normalize none contradicts model/run.json: the model was trained with --normalize standard',
    );
    const bad = join(dir, 'badrun');
    cpSync(join(dir, 'model'), bad, { recursive: true });
    const log = JSON.parse(readFileSync(join(bad, 'run.json'), 'utf8'));
    writeFileSync(join(bad, 'run.json'), JSON.stringify({ ...log, normalization: { mean: 1 } }));
    const malformed = await pacgen(['score', 'badrun', '--data', 'fash'], dir);
    expect(malformed.code).toBe(1);
    expect(expectOneLineError(malformed)).toMatch(/badrun\/run\.json: malformed normalization/);
    // A run.json of an older pacgen records only the flag: 'standard' is recomputed, with a warning.
    const { normalization: _dropped, ...old } = log;
    writeFileSync(join(bad, 'run.json'), JSON.stringify(old));
    const legacy = await pacgen(['score', 'badrun', '--data', 'fash', ...FAST], dir);
    expect(legacy.code, legacy.stderr).toBe(0);
    expect(legacy.stderr).toContain('predates stored normalization statistics');
    expect(JSON.parse(legacy.stdout).inputs.normalization.mean[0]).toBeCloseTo(MEAN, 15);
  });
});

describe("the bound's n and the training set", () => {
  it("n is the run's training set, whatever --samples scores; a capped --samples is said", async () => {
    const two = await pacgen(['score', 'model', '--samples', '2', ...FAST], dir);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).toContain(
      'training set: fash, all training samples (n = 3, from model/run.json)',
    );
    const many = await pacgen(['score', 'model', '--samples', '500', ...FAST], dir);
    expect(many.code, many.stderr).toBe(0);
    expect(many.stderr).toContain(
      'warning: --samples 500 exceeds the 3 training samples: all 3 are used',
    );
    const [a, b] = [JSON.parse(two.stdout), JSON.parse(many.stdout)];
    expect([a.numSamples, a.trainSamples, a.ingredients.n]).toEqual([2, 3, 3]);
    expect([b.numSamples, b.trainSamples, b.ingredients.n]).toEqual([3, 3, 3]);
  });

  it('without run.json n is --train-size, else the whole split with a warning', async () => {
    const given = await pacgen(
      ['score', 'bare', '--train-size', '40', '--samples', '10', ...FAST],
      dir,
    );
    expect(given.code, given.stderr).toBe(0);
    expect(JSON.parse(given.stdout).ingredients.n).toBe(40);
    expect(given.stderr).not.toContain('no run.json');
    const assumed = await pacgen(['score', 'bare', '--samples', '10', ...FAST], dir);
    expect(assumed.code, assumed.stderr).toBe(0);
    expect(JSON.parse(assumed.stdout).ingredients.n).toBe(60000);
    expect(assumed.stderr).toContain(
      'no run.json beside bare and no --train-size: the bound takes n = 60,000, the whole training split of mnist',
    );
  });
});

describe('--subset first|random', () => {
  it('scores the first n samples or a seeded random n, and prints which', async () => {
    const first = await pacgen(
      ['score', 'bare', '--samples', '7', '--subset', 'first', '--export', 'exp', ...FAST],
      dir,
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('samples: first 7 of 60,000 training samples of mnist');
    const { metadata } = await readSafetensorsFile(join(dir, 'exp', 'curvature.safetensors'));
    expect(metadata).toMatchObject({
      samples: '7',
      selection: 'first 7 of 60,000 training samples of mnist',
      normalization: 'none (pixels/255)',
    });
    expect(JSON.parse(first.stdout).inputs.selection).toEqual({
      mode: 'first',
      count: 7,
      of: 60000,
    });
    const random = await pacgen(
      ['score', 'bare', '--samples', '7', '--train-size', '50', '--seed', '4', ...FAST],
      dir,
    );
    expect(random.code, random.stderr).toBe(0);
    expect(random.stderr).toContain(
      'samples: random 7 (seed 4) of the random 50 (seed 4) of 60,000 training samples of mnist',
    );
    // Different samples, so a different loss.
    expect(JSON.parse(first.stdout).trainLoss).not.toBe(JSON.parse(random.stdout).trainLoss);
    const bad = await pacgen(['score', 'bare', '--subset', 'last'], dir);
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad)).toMatch(/--subset: 'last' is not one of first, random/);
  });
});

describe('f64 inputs', () => {
  it('the f64 loss equals a float64 reference computed from the raw bytes (≤ 1e-12)', async () => {
    // 6 images of 2×2 and 3 classes; a linear PyTorch model with weights exact in f32.
    const pixels = Uint8Array.from({ length: 24 }, (_, i) => (i * 97 + 13) % 256);
    const labels = Uint8Array.of(0, 2, 1, 1, 0, 2);
    writeFileSync(
      join(dir, 'img.idx'),
      writeIdx({ dtype: 'uint8', shape: [6, 2, 2], data: pixels }),
    );
    writeFileSync(join(dir, 'lbl.idx'), writeIdx({ dtype: 'uint8', shape: [6], data: labels }));
    const W = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 0.7); // [3, 4]
    const b = Float32Array.of(0.1, -0.2, 0.05);
    await writeSafetensorsFile(join(dir, 'lin.safetensors'), [
      { name: '1.weight', shape: [3, 4], data: W },
      { name: '1.bias', shape: [3], data: b },
    ]);
    writeFileSync(
      join(dir, 'lin.json'),
      JSON.stringify({
        inputShape: [1, 2, 2],
        layers: [{ type: 'flatten' }, { type: 'linear', units: 3 }],
      }),
    );
    const r = await pacgen(
      [
        'score',
        'lin.safetensors',
        '--data',
        'idx:img.idx,lbl.idx',
        '--normalize',
        'standard',
        '--diagonal',
        'exact',
        '--rho',
        '0',
        '--json',
      ],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    // Reference in float64 from the bytes: standardise with the set's mean/std, then softmax
    // cross-entropy of z_j = b_j + Σ_i W[j][i] x_i.
    const v = Array.from(pixels, (p) => p / 255);
    const mean = v.reduce((a, c) => a + c, 0) / 24;
    const std = Math.sqrt(v.reduce((a, c) => a + (c - mean) ** 2, 0) / 24);
    let ref = 0;
    for (let s = 0; s < 6; s++) {
      const z = [0, 1, 2].map((j) => {
        let a = b[j];
        for (let i = 0; i < 4; i++) a += W[j * 4 + i] * ((v[s * 4 + i] - mean) / std);
        return a;
      });
      const top = Math.max(...z);
      ref += (top + Math.log(z.reduce((a, c) => a + Math.exp(c - top), 0)) - z[labels[s]]) / 6;
    }
    const doc = JSON.parse(r.stdout);
    expect(doc.precision).toBe('f64');
    expect(Math.abs(doc.trainLoss - ref) / ref).toBeLessThan(1e-12);
  });
});
