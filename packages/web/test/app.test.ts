// End to end, as a user would: the built app served by `vite preview` (with its cross-origin
// isolation headers), driven in Debian's Chromium by playwright-core. Every number checked on a
// page is recomputed here in Node with @pacgen/metrics on the same input. Screenshots go to
// test-artifacts/.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Network, type NetworkSpec } from '@pacgen/core-wasm';
import {
  healthWarning,
  networkObjective,
  pacgen,
  pacgenFromCurvature,
  topEigenvalues,
} from '@pacgen/metrics';
import { toyGaussianMixture, type DataSplit } from '@pacgen/metrics/data';
import { lipschitzOnBox2 } from '@pacgen/metrics/experiments';
import {
  fromTfjs,
  mlp,
  readSafetensors,
  toTfjs,
  torchToModel,
  toyNet,
  writeSafetensors,
} from '@pacgen/metrics/models';
import { objectiveFor } from '@pacgen/metrics/engine';
import { loadMnist } from '@pacgen/metrics/node';
import { adam, train } from '@pacgen/metrics/train';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { fmt } from '../src/lib/format';
import {
  downloads as downloadsOf,
  shot as shotOf,
  shownValue,
  startApp,
  toyReference,
  type App,
} from './harness';

let app: App;
let page: Page;
let url: string;
let work: string;
let mnist: DataSplit;

const shot = (name: string) => shotOf(page, name);
const value = (id: string) => shownValue(page, id);
const downloads = (n: number) => downloadsOf(page, n);

/** Checks a shown number against the library's: the value to 1e-10 and the text as formatted. */
async function expectShown(id: string, expected: number, rel = 1e-10): Promise<void> {
  const got = await value(id);
  expect(Math.abs(got - expected), `${id}: page ${got}, library ${expected}`).toBeLessThanOrEqual(
    rel * Math.max(1, Math.abs(expected)),
  );
  if (rel <= 1e-10) expect(await page.textContent(`[data-testid="${id}"]`)).toBe(fmt(expected));
}

/**
 * The library's PACGen report of a model on the first 300 training images with the settings the
 * score test gives the page (seed 0, 20 Hutchinson probes, 4 ρ probes).
 */
async function pageReport(
  model: { spec: NetworkSpec; params: ArrayLike<number> },
  precision: 'f32' | 'f64',
) {
  const net = await Network.create(model.spec, { precision });
  net.setParams(model.params);
  net.setData(mnist.train.x.subarray(0, 300 * 784), mnist.train.y.subarray(0, 300));
  return pacgen(networkObjective(net), net.params, {
    seed: 0,
    diagonal: { method: 'hutchinson', probes: 20 },
    rho: { probes: 4 },
  });
}

async function tab(name: 'Toy landscape' | 'Train' | 'Score') {
  await page.getByRole('tab', { name }).click();
}

beforeAll(async () => {
  app = await startApp();
  ({ page, url, work } = app);
  mnist = await loadMnist({ subset: { train: 2000, test: 500 }, seed: 0 });
});

afterAll(async () => {
  await app?.close();
});

describe('pacgen web app', () => {
  test('loads cross-origin isolated, with the tabs and no errors', async () => {
    await page.goto(url);
    await expect.poll(() => page.getByRole('tab').count()).toBe(3);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.getByText('cross-origin isolated', { exact: true }).waitFor();
  });

  test('toy landscape: the minima and a point equal the library', async () => {
    const settings = { gamma: 0.1, epsilon: 0.1, delta: 0.05, seed: 0 };
    await page.selectOption('[data-testid=toy-grid]', '11');
    await page.getByTestId('toy-cost').filter({ hasText: '11²' }).waitFor();
    const lib = await toyReference(11);
    expect(lib.minima.length).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('[data-testid^=toy-minimum-]').count())
      .toBe(lib.minima.length);
    for (let k = 0; k < lib.minima.length; k++) {
      await expectShown(`min-${k}-loss`, lib.minima[k].loss);
      await expectShown(`min-${k}-psi`, lib.minima[k].psi);
    }

    // A point typed in: Hessian, ρ, σ*, Ψ and the bound as lipschitzOnBox2 + pacgenFromCurvature give them.
    await page.fill('[data-testid=probe-w1]', '1');
    await page.fill('[data-testid=probe-w2]', '-0.5');
    await page.click('[data-testid=probe-run]');
    await expect.poll(() => value('point-w1')).toBe(1);
    await expect.poll(() => value('point-w2')).toBe(-0.5);
    const data = toyGaussianMixture({ train: 100, test: 1000, seed: 0 });
    const net = await Network.create(toyNet({ depth: 5 }), { precision: 'f64' });
    net.setData(data.train.x, data.train.y);
    const obj = networkObjective(net, { params: [0, 0] });
    const w = [1, -0.5];
    const loss = await obj.loss(w);
    const { rho, hessian } = await lipschitzOnBox2(obj, w, { ...settings, lattice: 5 });
    const r = pacgenFromCurvature({
      w,
      h: [hessian.xx, hessian.yy],
      rho,
      n: 100,
      ...settings,
      trainLoss: loss,
    });
    await expectShown('point-loss', loss);
    await expectShown('point-hxx', hessian.xx);
    await expectShown('point-hxy', hessian.xy);
    await expectShown('point-hyy', hessian.yy);
    await expectShown('point-rho', rho);
    await expectShown('point-sigma1', r.sigmaStar[0]);
    await expectShown('point-sigma2', r.sigmaStar[1]);
    await expectShown('point-psi', r.psi);
    await expectShown('point-psistar', r.psiStar);
    await expectShown(
      'point-bound',
      loss + Math.sqrt((r.psi + Math.log((2 * 100) / 0.05)) / (2 * 99)),
    );
    await page.getByTestId('toy-reconstruction').waitFor();
    await shot('toy.png');

    // The live recompute: a new γ gives a new landscape.
    await page.selectOption('[data-testid=toy-surface]', 'bound');
    await page.fill('[data-testid=toy-gamma]', '0.2');
    await expect
      .poll(async () => value('min-0-psi'), { timeout: 30_000 })
      .not.toBeCloseTo(lib.minima[0].psi, 6);
    await page.click('[data-testid=toy-view-3d]');
    await shot('toy-3d.png');

    // Cancel: a 41 × 41 landscape is stopped; the last one stays.
    await page.selectOption('[data-testid=toy-grid]', '41');
    const status = page.locator('#panel-toy .side [role=status]').first();
    await status.waitFor();
    await status.getByRole('button', { name: 'Cancel' }).click();
    await status.waitFor({ state: 'detached' });
    expect(await page.getByTestId('toy-cost').textContent()).toContain('11²');
  });

  test('training: pause, resume, the losses equal the library, the model downloads', async () => {
    await tab('Train');
    await page.fill('[data-testid=train-hidden]', '16');
    await page.fill('[data-testid=train-epochs]', '2');
    await page.fill('[data-testid=train-batch]', '20');
    await page.click('[data-testid=train-start]');
    await page.getByTestId('train-live').waitFor();
    await page.click('[data-testid=train-pause]');
    await page.getByTestId('train-paused').waitFor();
    const frozen = await page.textContent('[data-testid=train-live]');
    await page.waitForTimeout(700);
    expect(await page.textContent('[data-testid=train-live]')).toBe(frozen);
    await page.click('[data-testid=train-pause]');
    await page.getByTestId('train-done').waitFor();
    await page.getByTestId('data-info').first().waitFor();

    const spec = mlp({ inputShape: [28, 28, 1], hidden: [16], numClasses: 10 });
    const lib = await train({
      spec,
      precision: 'f32',
      data: mnist,
      optimizer: adam({ learningRate: 0.001 }),
      batchSize: 20,
      epochs: 2,
      seed: 0,
    });
    for (const e of [0, 1, 2]) {
      await expectShown(`epoch-${e}-train-loss`, lib.history[e].trainLoss!);
      await expectShown(`epoch-${e}-test-loss`, lib.history[e].testLoss!);
    }
    await shot('train.png');

    // One .zip of model.json and its shard.
    const got = downloads(1);
    await page.click('[data-testid=train-download]');
    const [zip] = await got;
    expect(zip.suggestedFilename()).toBe('pacgen-run-1.zip');
    const entries = unzipSync(new Uint8Array(readFileSync((await zip.path())!)));
    expect(Object.keys(entries).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const model = fromTfjs(JSON.parse(strFromU8(entries['model.json'])), (p) => entries[p]);
    expect(Array.from(model.params)).toEqual(Array.from(Float32Array.from(lib.params)));

    // A file that is not IDX: the error names it and says why.
    const junk = join(work, 'junk-images.idx');
    writeFileSync(junk, 'this is not an IDX file');
    await page.selectOption('#panel-train [data-testid=data-kind]', 'idx');
    await page.setInputFiles('#panel-train [data-testid=idx-trainImages]', junk);
    await page.setInputFiles('#panel-train [data-testid=idx-trainLabels]', junk);
    await page.click('[data-testid=train-start]');
    await expect
      .poll(() => page.locator('#panel-train [role=alert]').textContent())
      .toContain('junk-images.idx: not an IDX file');
    await page.selectOption('#panel-train [data-testid=data-kind]', 'mnist');
  });

  test('scoring an uploaded model equals the library; bad files are explained', async () => {
    // A small MLP written with toTfjs, uploaded through the file input.
    const spec = mlp({ inputShape: [28, 28, 1], hidden: [8], numClasses: 10 });
    const net = await Network.create(spec, { precision: 'f64' });
    const { modelJson, weightData } = toTfjs(spec, net.initParams(3));
    const dir = join(work, 'model');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), weightData);
    writeFileSync(join(dir, 'broken.json'), '{"modelTopology": {"class_name": ');

    await tab('Score');
    const input = page.getByTestId('score-model');
    const run = () => page.click('[data-testid=score-run]');
    const alert = page.locator('#panel-score [role=alert]');

    // Malformed and incomplete uploads: a plain-words error, no result.
    await input.setInputFiles(join(dir, 'broken.json'));
    await run();
    await expect.poll(() => alert.textContent()).toContain('broken.json: not valid JSON');
    await shot('score-error.png');
    await input.setInputFiles(join(dir, 'model.json'));
    await run();
    await expect
      .poll(() => alert.textContent())
      .toContain("refers to the weight file 'group1-shard1of1.bin'");

    // A model whose input does not fit the data: the shapes, in words.
    const small = mlp({ inputShape: [10], hidden: [4], numClasses: 10 });
    const smallNet = await Network.create(small, { precision: 'f64' });
    const other = toTfjs(small, smallNet.initParams(0));
    mkdirSync(join(dir, 'small'));
    writeFileSync(join(dir, 'small', 'model.json'), JSON.stringify(other.modelJson));
    writeFileSync(join(dir, 'small', 'group1-shard1of1.bin'), other.weightData);
    await input.setInputFiles([
      join(dir, 'small', 'model.json'),
      join(dir, 'small', 'group1-shard1of1.bin'),
    ]);
    await run();
    await expect
      .poll(() => alert.textContent())
      .toContain('wrong shapes: the model takes inputs of shape [10]');

    await input.setInputFiles([join(dir, 'model.json'), join(dir, 'group1-shard1of1.bin')]);
    await page.fill('[data-testid=score-samples]', '300');
    await page.fill('[data-testid=score-probes]', '20');
    await page.fill('[data-testid=score-rho-probes]', '4');
    await page.fill('[data-testid=score-eigen]', '3');
    await page.fill('[data-testid=score-density-runs]', '2');
    await page.fill('[data-testid=score-density-steps]', '20');
    await run();
    await page.getByTestId('score-summary').waitFor();
    expect(await alert.count()).toBe(0);

    // The same model (as read back from the files), data and settings in Node, on the engine
    // layer the page's worker uses (its fixed chunks give the same bits for any thread count).
    const loaded = fromTfjs(modelJson, () => weightData);
    const obj = await objectiveFor(
      { engine: 'core-wasm', precision: 'f64', threads: 1 },
      { spec: loaded.spec, params: loaded.params },
      { x: mnist.train.x.subarray(0, 300 * 784), y: mnist.train.y.subarray(0, 300) },
    );
    onTestFinished(() => obj.dispose());
    const report = await pacgen(obj, obj.params(), {
      gamma: 0.1,
      epsilon: 0.1,
      delta: 0.05,
      seed: 0,
      diagonal: { method: 'hutchinson', probes: 20 },
      rho: { probes: 4 },
    });
    await expectShown('score-psi', report.psi);
    await expectShown('score-psistar', report.psiStar);
    await expectShown('score-bound', report.bound.total);
    await expectShown('score-rho', report.rho.value);
    await expectShown('score-train-loss', report.trainLoss);
    const eigen = await topEigenvalues(obj, obj.params(), {
      k: 3,
      iterations: 30,
      tol: 1e-6,
      seed: 0,
    });
    for (let i = 0; i < 3; i++) await expectShown(`eigen-${i}`, eigen.values[i]);
    await shot('score.png');

    // In f32 the ReLU model's products cross kinks (docs/method.md §5): the page says so in the
    // library's words, one line per estimate.
    await page.selectOption('[data-testid=score-precision]', 'f32');
    await page.fill('[data-testid=score-eigen]', '0');
    await page.fill('[data-testid=score-density-runs]', '0');
    await run();
    await page.getByText('f32 engine, 1 thread').waitFor();
    const report32 = await pageReport(loaded, 'f32');
    const notes = [
      healthWarning('Hessian diagonal', report32.diagonal.health),
      healthWarning('ρ estimate', report32.rho.health!),
    ].filter((n) => n !== null);
    expect(notes.length).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('score-kinks').allTextContents())
      .toEqual(notes.map((n) => `${n.unreliable ? 'Warning: ' : ''}${n.text}.`));
    await shot('score-kinks.png');
    await page.selectOption('[data-testid=score-precision]', 'f64');

    // PyTorch weights: safetensors plus the layer-list JSON.
    const arch = {
      inputShape: [1, 28, 28],
      layers: [
        { type: 'flatten' },
        { type: 'linear', units: 6 },
        { type: 'tanh' },
        { type: 'linear', units: 10 },
      ],
    };
    const wave = (n: number, k: number) =>
      Float32Array.from({ length: n }, (_, i) => 0.1 * Math.sin(k * i + 1));
    const st = writeSafetensors([
      { name: '1.weight', shape: [6, 784], data: wave(6 * 784, 0.7) },
      { name: '1.bias', shape: [6], data: wave(6, 1.3) },
      { name: '3.weight', shape: [10, 6], data: wave(60, 2.1) },
      { name: '3.bias', shape: [10], data: wave(10, 0.3) },
    ]);
    writeFileSync(join(dir, 'mlp.safetensors'), st);
    writeFileSync(join(dir, 'mlp.json'), JSON.stringify(arch));
    await input.setInputFiles([join(dir, 'mlp.safetensors'), join(dir, 'mlp.json')]);
    await page.fill('[data-testid=score-eigen]', '0');
    await page.fill('[data-testid=score-density-runs]', '0');
    await run();
    await page.getByText('mlp.safetensors (safetensors)').waitFor();
    const torch = torchToModel(arch, readSafetensors(st).tensors);
    const treport = await pageReport(torch, 'f64');
    await expectShown('score-psi', treport.psi);
    await expectShown('score-bound', treport.bound.total);

    // Results export as JSON with the same numbers.
    const got = downloads(1);
    await page.click('[data-testid=score-export]');
    const [file] = await got;
    const exported = JSON.parse(readFileSync((await file.path())!, 'utf8'));
    expect(exported.report.psi).toBe(await value('score-psi'));

    // Two threads (a ParallelNetwork of nested web workers): the same score up to summation order.
    await page.selectOption('[data-testid=score-threads]', '2');
    await run();
    await page.getByText('f64 engine, 2 threads').waitFor();
    await expectShown('score-psi', treport.psi, 1e-6);
    await expectShown('score-train-loss', treport.trainLoss, 1e-12);
  });

  test("scoring on TensorFlow.js (cpu) gives core-wasm's Ψ and names the backend", async () => {
    // A smooth network: TF.js cannot see ReLU kinks, so only without kinks do both engines take
    // the same finite-difference steps (core-wasm shrinks a step that crosses one).
    const spec = mlp({ inputShape: [28, 28, 1], hidden: [8], numClasses: 10, activation: 'tanh' });
    const net = await Network.create(spec, { precision: 'f64' });
    const { modelJson, weightData } = toTfjs(spec, net.initParams(3));
    const dir = join(work, 'model-tfjs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), weightData);

    await tab('Score');
    const alert = page.locator('#panel-score [role=alert]');
    // The engine line of the result; '' while there is none (no waiting for it to appear).
    const engine = async () => {
      const line = page.getByTestId('score-engine');
      return (await line.count()) ? await line.textContent() : '';
    };
    await page
      .getByTestId('score-model')
      .setInputFiles([join(dir, 'model.json'), join(dir, 'group1-shard1of1.bin')]);
    await page.fill('[data-testid=score-samples]', '300');
    await page.fill('[data-testid=score-probes]', '20');
    await page.fill('[data-testid=score-rho-probes]', '4');
    await page.fill('[data-testid=score-eigen]', '2');
    await page.fill('[data-testid=score-density-runs]', '1');
    await page.fill('[data-testid=score-density-steps]', '10');

    // core-wasm f32, one thread: the reference at the same precision and difference steps.
    await page.selectOption('[data-testid=score-engine-kind]', 'core-wasm');
    await page.selectOption('[data-testid=score-precision]', 'f32');
    await page.selectOption('[data-testid=score-threads]', '1');
    await page.click('[data-testid=score-run]');
    await expect.poll(engine).toBe('core-wasm · f32');
    const core = {
      psi: await value('score-psi'),
      loss: await value('score-train-loss'),
      eigen: await value('eigen-0'),
    };

    // WebGPU where this Chromium has an adapter; else a plain-words error and no result.
    await page.selectOption('[data-testid=score-engine-kind]', 'tfjs');
    await page.selectOption('[data-testid=score-backend]', 'webgpu');
    await page.click('[data-testid=score-run]');
    const outcome = async () =>
      (await alert.count()) ? ((await alert.textContent()) ?? '') : ((await engine()) ?? '');
    await expect.poll(outcome, { timeout: 30_000 }).toMatch(/webgpu|WebGPU/);
    if (await alert.count()) {
      expect(await outcome()).toMatch(/WebGPU is unavailable: .*choose webgl, wasm or cpu/);
    }

    // tfjs on the cpu backend: f32 values and f32 finite differences.
    await page.selectOption('[data-testid=score-backend]', 'cpu');
    await page.click('[data-testid=score-run]');
    await expect.poll(engine, { timeout: 60_000 }).toBe('tfjs · cpu');
    expect(await alert.count()).toBe(0);
    await page.getByText('f32 engine').waitFor();
    const tfjs = {
      psi: await value('score-psi'),
      loss: await value('score-train-loss'),
      eigen: await value('eigen-0'),
    };
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    // Both engines evaluate in f32 and take the same central-difference steps (t ≈ 1e-3 / max|v|)
    // with the same probes, so they differ only by f32 rounding in a different summation order.
    // Seen: loss 6.5e-8 relative (one f32 pass, ~4 ulp), Ψ equal (this untrained model puts every
    // coordinate on the |w| branch) and the top eigenvalue 1.0e-6 relative: f32 gradient noise
    // ~1e-7·|g| divided by t ~ 1e-3 bounds each Hessian-vector product's difference by ~1e-4,
    // ~1e-5 of this eigenvalue. Tolerances: loss 1e-6 (15× seen), Ψ 1e-5 (the f32 Hessian-diagonal
    // differences, where coordinates are on the curvature branch), eigenvalue 1e-3 (above that
    // bound, far below a real disagreement). (f64 differs from both by far more here: the eigenvalue
    // can differ from both by far more: f32 differences cannot resolve this flat a landscape.)
    expect(rel(tfjs.loss, core.loss)).toBeLessThan(1e-6);
    expect(rel(tfjs.psi, core.psi)).toBeLessThan(1e-5);
    expect(Math.abs(tfjs.eigen - core.eigen)).toBeLessThan(
      1e-3 * Math.max(1, Math.abs(core.eigen)),
    );
    await shot('score-tfjs.png');
  });

  test('works offline once loaded', async () => {
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await app.context.setOffline(true);
    try {
      await page.reload();
      await page.getByRole('tab', { name: 'Toy landscape' }).click();
      await page.getByText('Works offline').waitFor();
      // Served from the cache with its headers: still cross-origin isolated.
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      // The docs the "?" explanations link to are cached too.
      const doc = await page.evaluate(() =>
        fetch('docs/method.txt').then(async (r) => [r.status, (await r.text()).slice(0, 30)]),
      );
      expect(doc).toEqual([200, '# The method as implemented\n\nT']);
      // The engine worker, its wasm and the bundled MNIST subset come from the cache.
      await page.selectOption('[data-testid=toy-grid]', '11');
      await page.getByTestId('toy-cost').filter({ hasText: '11²' }).waitFor();
      await tab('Train');
      await page.fill('[data-testid=train-hidden]', '8');
      await page.fill('[data-testid=train-epochs]', '1');
      await page.click('[data-testid=train-start]');
      await page.getByTestId('train-done').waitFor();
      await shot('offline-train.png');
    } finally {
      await app.context.setOffline(false);
    }
    expect(app.pageErrors).toEqual([]);
  });
});
