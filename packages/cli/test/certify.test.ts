import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyModelOnly,
  entries,
  expectOneLineError,
  pacgen,
  tempDir,
  trainModel,
} from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

// A quick certificate of a small MLP trained on 300 MNIST images (n = 300).
const QUICK = [
  '--search-samples',
  '300',
  '--samples',
  '100',
  '--probes',
  '2',
  '--rho-probes',
  '1',
  '--epochs',
  '1',
  '--passes',
  '1',
  '--test-size',
  '500',
];

beforeAll(async () => {
  const model = await trainModel(dir, [
    '--data',
    'mnist',
    '--train-size',
    '300',
    '--test-size',
    '50',
    '--model',
    'mlp:8',
    '--epochs',
    '2',
  ]);
  // The same model without its run log: a model from elsewhere.
  copyModelOnly(model, join(dir, 'bare'));
});

describe('pacgen certify', () => {
  it('prints one line with the bound and the measured test error, and the terms table', async () => {
    const r = await pacgen(['certify', 'model', ...QUICK, '--out', 'cert'], dir);
    expect(r.code, r.stderr).toBe(0);
    const first = r.stdout.split('\n')[0];
    expect(first).toMatch(
      /^test error ≤ 0\.\d{3} with 95\.0% confidence, for the network with weights drawn from the .* posterior N\(w, σ²\); measured test error 0\.\d{3} \(trained network\), 0\.\d{3} \(stochastic network\)$/,
    );
    for (const row of ['σ* (PACGen)', 'isotropic', 'optimized', 'KL (nats)', 'δ:']) {
      expect(r.stdout).toContain(row);
    }
    expect(r.stderr).toContain(
      'training set: mnist, random 300 training samples (seed 0) (n = 300',
    );
    expect(r.stderr).toContain(
      'prior mean: the initialisation of mlp:8 at seed 0 (f32), recomputed',
    );
    expect(entries(join(dir, 'cert'))).toEqual(['bound-vs-scale.svg', 'certificate.json']);
    expect(readFileSync(join(dir, 'cert', 'bound-vs-scale.svg'), 'utf8')).toMatch(/^<svg/);
    const doc = JSON.parse(readFileSync(join(dir, 'cert', 'certificate.json'), 'utf8'));
    expect(doc.n).toBe(300);
    expect(doc.numTestSamples).toBe(500);
    expect(doc.prior.mean).toBe('given');
    expect(doc.delta.total).toBe(0.05);
    expect(doc.delta.monteCarlo).toBeCloseTo(0.01, 15);
    expect(doc.delta.pacBayes + doc.delta.monteCarlo).toBeCloseTo(0.05, 15);
    // The mean's default Adam step: a hundredth of the starting posterior's mean σ.
    const o = doc.optimization;
    const start = o.shrinks.find((p: { shrink: number }) => p.shrink === o.shrink);
    expect(o.learningRate).toBe(0.01 * start.meanSigma);
    expect(o.sigmaLearningRate).toBe(0.01);
    expect(r.stderr + r.stdout).toMatch(
      /Adam steps of [\d.e-]+ \(mean\) and 0\.010? \(ln σ, ln λ\)/,
    );
    for (const c of doc.certificates) {
      // The certificate holds on this model: above the measured test error of Q, at most 1.
      expect(c.bound).toBeGreaterThan(c.test.error);
      expect(c.bound).toBeLessThanOrEqual(1);
      expect(c.monteCarlo.errorBound).toBeGreaterThanOrEqual(c.monteCarlo.error);
    }
  });

  it('prints one JSON document with --json, the same with the same seed', async () => {
    const args = ['certify', 'model', ...QUICK, '--posteriors', 'isotropic', '--json'];
    const [a, b] = [await pacgen(args, dir), await pacgen(args, dir)];
    expect(a.code, a.stderr).toBe(0);
    const [da, db] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(da.certificates.map((c: { posterior: string }) => c.posterior)).toEqual(['isotropic']);
    expect(da.certificates).toEqual(db.certificates);
    expect(da.best).toBe('isotropic');
  });

  it('trains the optimized posterior from the prior with --optimize-from prior', async () => {
    const args = ['certify', 'model', ...QUICK, '--posteriors', 'optimized'];
    const fromPrior = ['--optimize-from', 'prior', '--prior-sigma', '0.05', '--schedule', 'cosine'];
    const r = await pacgen([...args, ...fromPrior], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /optimization: +from the prior \(mean w₀, σ = √λ = 0\.050?\), 3 SGD steps of 0\.010? with momentum 0\.9 \(mean\) and Adam steps of 0\.010? \(ln σ, ln λ\), both cosine-decayed to 0 over the run; estimated bound after each epoch 0\.\d{3}$/m,
    );
    const j = await pacgen(
      [...args, '--optimize-from', 'prior', '--momentum', '0.5', '--json'],
      dir,
    );
    expect(j.code, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout);
    expect(doc.scans).toEqual([]);
    expect(doc.optimization).toMatchObject({
      start: 'prior',
      shrinks: [],
      priorSigma: 0.03,
      momentum: 0.5,
      learningRate: 0.01,
      schedule: 'constant',
      steps: 3,
    });
    const c = doc.certificates[0];
    expect(c.bound).toBeGreaterThan(c.test.error);
    expect(c.bound).toBeLessThanOrEqual(1);
  });

  it('learns the prior mean on part of the data with --prior-data, and bounds on the rest', async () => {
    const args = [
      'certify',
      'model',
      ...QUICK,
      '--posteriors',
      'optimized',
      '--optimize-from',
      'prior',
    ];
    const r = await pacgen(
      [...args, '--prior-data', '0.4', '--prior-epochs', '3', '--out', 'learned'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^prior: +N\(w_P, λI\), w_P learned on the first 120 training samples \(the bound counts the other 180\)/m,
    );
    expect(r.stdout).toMatch(
      /^learned prior: +from the initialisation of mlp:8 at seed 0 \(f32\), recomputed: 6 SGD steps of 0\.010? with momentum 0\.95, batches of 100, 3 epochs/m,
    );
    expect(r.stdout).toContain('of the 180 held-out training samples');
    const doc = JSON.parse(readFileSync(join(dir, 'learned', 'certificate.json'), 'utf8'));
    expect(doc.n).toBe(180);
    expect(doc.prior.mean).toBe('learned');
    expect(doc.learnedPrior).toMatchObject({ samples: 120, epochs: 3, steps: 6, momentum: 0.95 });
    const c = doc.certificates[0];
    expect(c.bound).toBeGreaterThan(c.test.error);
    expect(c.bound).toBeLessThanOrEqual(1);
    // A model without run.json starts its prior from its architecture's seeded initialisation.
    const bare = await pacgen(
      ['certify', 'bare', '--train-size', '300', ...args.slice(2), '--prior-data', '0.5', '--json'],
      dir,
    );
    expect(bare.code, bare.stderr).toBe(0);
    const b = JSON.parse(bare.stdout);
    expect(b.n).toBe(150);
    expect(b.priorMean).toMatch(/^the model's architecture initialised at seed 0 \(no run\.json/);
  });

  it('certifies a model without run.json when given --train-size, with a prior mean of 0', async () => {
    const r = await pacgen(
      ['certify', 'bare', '--train-size', '300', ...QUICK, '--posteriors', 'isotropic', '--json'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.prior.mean).toBe('zero');
    expect(doc.priorMean).toMatch(/^0 \(no run\.json/);
    expect(doc.n).toBe(300);
  });

  it.each([
    [['--delta', '0'], /--delta must be > 0/],
    [['--delta', '1'], /--delta must be < 1/],
    [
      ['--posteriors', 'gaussian'],
      /--posteriors: 'gaussian' is not one of sigma-star, isotropic, optimized/,
    ],
    [['--optimize-from', 'init'], /--optimize-from: 'init' is not one of trained, prior/],
    [['--schedule', 'step'], /--schedule: 'step' is not one of constant, cosine/],
    [['--momentum', '1'], /--momentum must be < 1/],
    [['--prior-sigma', '0'], /--prior-sigma must be > 0/],
    [['--prior-data', '1'], /--prior-data must be < 1/],
    [
      ['--prior-data', '0.001'],
      /learnedPrior\.fraction 0\.001 of 300 samples leaves 0 for the prior/,
    ],
    [
      ['--data', 'toy'],
      /--data toy contradicts .*run\.json: the model was trained with --data mnist/,
    ],
  ])('refuses %j with exit 2 and one line', async (bad, message) => {
    const r = await pacgen(['certify', 'model', ...QUICK, ...bad, '--out', 'not-written'], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
    expect(existsSync(join(dir, 'not-written'))).toBe(false);
  });

  it('refuses a model without run.json and without --train-size', async () => {
    const r = await pacgen(['certify', 'bare', ...QUICK], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(
      /bare has no run\.json beside it: the bound needs n, the number of training samples/,
    );
    expect(r.stderr).toContain('hint: give --train-size N');
  });

  it('refuses a model whose outputs do not cover the labels of the data', async () => {
    // 100 MNIST-shaped images with labels 0…11: twelve classes for a ten-output model.
    const images = Buffer.alloc(16 + 100 * 784);
    images.writeUInt32BE(0x803, 0);
    images.writeUInt32BE(100, 4);
    images.writeUInt32BE(28, 8);
    images.writeUInt32BE(28, 12);
    const labels = Buffer.alloc(8 + 100);
    labels.writeUInt32BE(0x801, 0);
    labels.writeUInt32BE(100, 4);
    for (let i = 0; i < 100; i++) labels[8 + i] = i % 12;
    writeFileSync(join(dir, 'img.idx'), images);
    writeFileSync(join(dir, 'lab.idx'), labels);
    const r = await pacgen(
      ['certify', 'bare', '--data', 'idx:img.idx,lab.idx', '--train-size', '100', ...QUICK],
      dir,
    );
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(
      /has 10 outputs but data idx:img\.idx,lab\.idx has 12 classes/,
    );
  });
});
