// The bench at its smallest settings: the CLI's --json contract, that core-wasm and tfjs-cpu
// compute the same gradients (so the timings compare the same computation), that the PACGen
// report comes out the same on every engine's objective, and the training-throughput cases.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { CASES, makeCaseData } from '../src/cases.js';
import { coreWasm } from '../src/engines/corewasm.js';
import { jaxJsEngine } from '../src/engines/jaxjs.js';
import { jaxJsUnsupported } from '../src/engines/jaxjs-network.js';
import { DEFAULT_PYTHON } from '../src/engines/torch.js';
import { tfjsEngine } from '../src/engines/tfjs.js';
import { GEMM_SHAPES } from '../src/gemm.js';
import { evaluateGoals, peakGoal } from '../src/goals.js';
import type { JsonRow } from '../src/report.js';
import { relativeError } from '../src/log.js';
import { benchCase, type Row } from '../src/run.js';
import { measure, median } from '../src/timing.js';
import { Network } from '@pacgen/core-wasm';
import { networkObjective } from '@pacgen/metrics';
import { mlp } from '@pacgen/metrics/models';
import { interleave } from '../src/lockstep.js';
import { tfjsObjective } from '@pacgen/metrics/tfjs';
import { PSI_DEFAULT, PSI_FULL, PSI_QUICK, runPsi, type PsiResult } from '../src/psi.js';
import { TRAIN_CASES, runTraining, type TrainResult } from '../src/training.js';
import {
  RESNET_PSI_DEFAULT,
  RESNET_PSI_QUICK,
  resnetPsiSection,
  runResnetPsi,
} from '../src/resnet-psi.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tiny = { warmup: 0, iterations: 1, budgetMs: 0, minIterations: 1 };

/** Runs src/main.ts from source (no build needed) and returns its stdout. */
function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@pacgen/source', '--import', 'tsx', 'src/main.ts', ...args],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (err += b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`bench exited ${code}:\n${err}`)),
    );
  });
}

const torchAvailable =
  spawnSync(DEFAULT_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe('npm run bench -- --json', () => {
  it('prints only rows for every case and engine', async () => {
    const out = await runCli([
      '--json',
      // The peak-memory children (test/memory.test.ts) would double the run.
      '--no-memory',
      '--batch',
      '8',
      '--warmup',
      '0',
      '--iterations',
      '1',
      '--torch-threads',
      '1',
      // pacgen-mlp and train-* at their smallest.
      '--psi-probes',
      '1',
      '--psi-images',
      '64',
      '--rho-probes',
      '1',
      '--train-images',
      '16',
      '--resnet-psi-probes',
      '1',
      '--resnet-psi-images',
      '4',
    ]);
    const rows = JSON.parse(out) as JsonRow[];
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['case', 'engine', 'median_ms', 'threads']);
      expect(r.median_ms).toBeGreaterThan(0);
      expect(r.threads).toBeGreaterThanOrEqual(1);
    }
    const has = (c: string, engine: string) =>
      rows.some((r) => r.case === c && r.engine === engine);
    for (const c of CASES) {
      expect(has(c.name, 'core-wasm')).toBe(true);
      expect(has(c.name, 'core-wasm-plain')).toBe(true);
      // jax-js rows: the MLP and the CNN (ResNet-20 is skipped, saying why).
      expect(has(c.name, 'jax-js-wasm')).toBe(c.name !== 'resnet20-grad');
      // The library's TF.js engine (conv filter gradients on wasm through useBackend's
      // kernel). resnet20-grad is skipped, saying why: tfjs-cpu would take tens of minutes,
      // and tfjs-wasm refuses its strided 3×3 filter gradients (its kernel gets them wrong).
      const resnet = c.name === 'resnet20-grad';
      expect(has(c.name, 'tfjs-cpu')).toBe(!resnet);
      expect(has(c.name, 'tfjs-wasm')).toBe(!resnet);
      expect(has(c.name, 'pytorch')).toBe(torchAvailable);
      // HVP cases: core-wasm in f64 too, and PyHessian's double backprop in f32 and f64.
      const hvp = c.kind === 'hvp';
      expect(has(c.name, 'core-wasm-f64')).toBe(hvp);
      expect(has(c.name, 'pytorch-hvp')).toBe(hvp && torchAvailable);
      expect(has(c.name, 'pytorch-hvp-f64')).toBe(hvp && torchAvailable);
    }
    for (const s of GEMM_SHAPES) {
      for (const e of ['core-wasm', 'core-wasm-plain', 'jax-js-wasm', 'tfjs-wasm', 'tfjs-cpu']) {
        expect(has(`gemm-${s.name}`, e)).toBe(true);
      }
    }
    const psi = rows.filter((r) => r.case === 'pacgen-mlp');
    expect(psi.map((r) => `${r.engine}/${r.threads}`)).toEqual([
      'core-wasm/1',
      'core-wasm/2',
      'tfjs-wasm/1',
    ]);
    for (const c of TRAIN_CASES) expect(has(c.name, 'core-wasm')).toBe(true);
    expect(rows.filter((r) => r.case === 'resnet20-psi').map((r) => r.engine)).toEqual([
      'core-wasm',
    ]);
  });
});

describe('agreement', () => {
  // Batch 8 keeps tfjs-cpu's CNN filter gradient (seconds per pass at 128) short. ResNet-20 has
  // no TF.js row (see above; the library's own tests compare a small ResNet on tfjs-cpu).
  const chains = CASES.filter((c) => c.name !== 'resnet20-grad').map((c) => c.name);
  it.each(chains)('%s: core-wasm and tfjs-cpu agree to 1e-3', async (name) => {
    const bench = { ...CASES.find((c) => c.name === name)!, batch: 8 };
    const data = await makeCaseData(bench);
    const r = await benchCase(data, [coreWasm, tfjsEngine('cpu')], tiny);
    expect(r.agreement).toHaveLength(1);
    expect(r.agreement[0].engine).toBe('tfjs-cpu');
    expect(r.agreement[0].rel_err).toBeLessThan(1e-3);
    expect(r.rows.map((row) => row.median_ms! > 0)).toEqual([true, true]);
  });
});

describe('jax-js', () => {
  // jax-js's jitted grad of its own loss of pacgen's weights (the CNN's HWIO kernels and NHWC
  // flatten mapped inside it) against core-wasm, dropout off: measured 2.6e-7 (mlp-grad) and
  // 3.6e-7 (cnn-grad) at batch 8; mlp-hvp is an f32 central difference on both sides (5.5e-5).
  const cases = CASES.filter((c) => c.name !== 'resnet20-grad').map((c) => c.name);
  it.each(cases)('%s: core-wasm and jax-js-wasm agree', async (name) => {
    const bench = { ...CASES.find((c) => c.name === name)!, batch: 8 };
    const r = await benchCase(await makeCaseData(bench), [coreWasm, jaxJsEngine], tiny);
    expect(r.agreement.map((a) => a.engine)).toEqual(['jax-js-wasm']);
    expect(r.agreement[0].rel_err).toBeLessThan(bench.kind === 'hvp' ? 1e-3 : 1e-5);
    // The timed step ran too (training-mode dropout for cnn-grad).
    expect(r.rows.map((row) => row.median_ms! > 0)).toEqual([true, true]);
  });

  it('names the layers ResNet-20 would need', () => {
    const resnet = CASES.find((c) => c.name === 'resnet20-grad')!.spec;
    expect(jaxJsUnsupported(resnet)).toBe(
      'not written for jax-js yet: its batchnorm, add, global-avgpool layers (the bench builds ' +
        'chains of dense, conv2d, max-pool, activation, flatten and dropout layers in jax-js)',
    );
  });
});

describe('pacgen-mlp', () => {
  it('the TensorFlow.js objective computes core-wasm’s loss, gradient and HVPs', async () => {
    const spec = mlp({ hidden: [16, 8], inputShape: [12] });
    const n = 40;
    const x = Float32Array.from({ length: n * 12 }, (_, i) => Math.sin(i) * 0.5 + 0.5);
    const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % 10);
    const net = await Network.create(spec, { precision: 'f32', maxBatch: 16 });
    const w = Float64Array.from(net.initParams(3));
    net.setData(x, y);
    const core = networkObjective(net);
    // Chunks of 16 as the engine's maxBatch: 3 passes, the last one short.
    const tfjs = await tfjsObjective({
      spec,
      params: w,
      data: { x, y },
      backend: 'cpu',
      chunk: 16,
    });
    try {
      expect(tfjs.numParams).toBe(core.numParams);
      expect(Math.abs((await tfjs.loss(w)) - (await core.loss(w)))).toBeLessThan(1e-5);
      const [gc, gt] = [await core.gradient(w), await tfjs.gradient(w)];
      expect(Math.abs(gt.loss - gc.loss)).toBeLessThan(1e-5);
      expect(relativeError(gt.grad, gc.grad)).toBeLessThan(1e-5);
      const v = Float64Array.from({ length: w.length }, (_, i) => (i % 3 === 0 ? 1 : -1));
      for (const request of [{}, { step: 2e-3 }, { richardson: true }]) {
        const [hc, ht] = [await core.hvp(w, v, request), await tfjs.hvp(w, v, request)];
        expect(relativeError(ht, hc)).toBeLessThan(1e-3);
      }
    } finally {
      tfjs.dispose();
    }
  });

  it('every engine gets the same Ψ, Ψ*, ρ and diagonal', async () => {
    // Chunks of 64 over 256 images: 4 passes per gradient in every engine.
    const r = await runPsi({ probes: 2, images: 256, rhoProbes: 2, chunk: 64, seed: 1 }, 2);
    expect(r.label).toBe('custom');
    expect(r.rows.map((row) => `${row.engine}/${row.threads}`)).toEqual([
      'core-wasm/1',
      'core-wasm/2',
      'tfjs-wasm/1',
    ]);
    for (const row of r.rows) {
      // 1 loss pass; diagonal 1 + 2·2 (check, 2 HVPs); ρ 1 + 2·(2·2 + 1) (check, 5 HVPs).
      expect(row.gradientEvaluations).toBe(16);
      expect(row.hvps).toBe(7);
      expect(row.ms).toBeGreaterThan(0);
      expect(row.hvpsPerSecond).toBeGreaterThan(0);
      // The engines do the same f32 arithmetic up to summation order: measured up to ~1e-6 for
      // Ψ* and ρ, and ~5e-6 for the diagonal here (5.7e-4 for tfjs-wasm at 100 probes over
      // 10,000 images, where rounding flips a ReLU at w ± tv in some probe); Ψ agrees exactly
      // at untrained weights (no term of it depends on the curvature there).
      expect(row.psiRelDiff).toBeLessThan(1e-3);
      expect(row.psiStarRelDiff).toBeLessThan(1e-3);
      expect(row.rhoRelDiff).toBeLessThan(1e-3);
      expect(row.diagonalRelErr).toBeLessThan(1e-2);
    }
  });

  it('interleaves tasks one step at a time and charges each its own turns', async () => {
    const order: string[] = [];
    const task = (name: string, steps: number) => async (turn: () => Promise<void>) => {
      for (let i = 0; i < steps; i++) {
        await turn();
        order.push(name);
        const t0 = performance.now();
        while (performance.now() - t0 < 2);
      }
      return name;
    };
    const { results, busyMs } = await interleave([task('a', 3), task('b', 1), task('c', 2)]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(order.join('')).toBe('abcaca');
    expect(busyMs[0]).toBeGreaterThanOrEqual(6);
    expect(busyMs[1]).toBeGreaterThanOrEqual(2);
    expect(busyMs[1]).toBeLessThan(busyMs[0]);
  });
});

describe('train-*', () => {
  it('times every optimizer and counts its gradients', async () => {
    const r = await runTraining(TRAIN_CASES, { images: 32, batch: 8, seed: 1 }, tiny);
    expect(r.rows.map((row) => row.case)).toEqual(TRAIN_CASES.map((c) => c.name));
    const per = Object.fromEntries(r.rows.map((row) => [row.case, row.gradientsPerStep]));
    // One block of 10 steps: 'probes' spends 2 probes × 2 gradients at step 0.
    expect(per).toEqual({
      'train-adam': 1,
      'train-sgd': 1,
      'train-sam': 2,
      'train-asam': 2,
      'train-perturbed-secant': 1,
      'train-perturbed-probes': 1.4,
    });
    for (const row of r.rows) {
      expect(row.blocks).toBe(1);
      expect(row.stepMs).toBeGreaterThan(0);
      expect(row.samplesPerSecond).toBeCloseTo((8 * 1000) / row.stepMs);
      expect(Number.isFinite(row.lastLoss)).toBe(true);
    }
    expect(r.rows[0].ratioToAdam).toBe(1);
  });
});

describe('pieces', () => {
  it('median, relative error and the timing rule', async () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(relativeError([1, 2], [1, 2])).toBe(0);
    expect(relativeError([0, 1], [0, 2])).toBeCloseTo(0.5);
    let calls = 0;
    const t = await measure(() => calls++, { ...tiny, warmup: 2, iterations: 5, budgetMs: 1e9 });
    expect(t.iterations).toBe(5);
    expect(calls).toBe(7);
  });

  it('parses options', () => {
    const o = parseArgs(['--json', '--quick', '--cases', 'mlp-grad,gemm', '--iterations', '3']);
    expect(o.json && o.quick).toBe(true);
    expect(o.selections).toEqual(['mlp-grad', 'gemm']);
    expect(o.timing.iterations).toBe(3);
    expect(() => parseArgs(['--cases', 'nope'])).toThrow(/unknown case/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option/);
    expect(parseArgs([]).psi).toEqual(PSI_DEFAULT);
    expect(parseArgs(['--quick']).psi).toEqual(PSI_QUICK);
    expect(parseArgs(['--full']).psi).toEqual(PSI_FULL);
    const p = parseArgs(['--cases', 'pacgen-mlp,train-adam', '--psi-probes', '3']);
    expect(p.selections).toEqual(['pacgen-mlp', 'train-adam']);
    expect(p.psi).toEqual({ ...PSI_DEFAULT, probes: 3 });
    expect(() => parseArgs(['--full', '--quick'])).toThrow(/contradict/);
    expect(parseArgs([]).memory).toBe(true);
    expect(parseArgs(['--no-memory']).memory).toBe(false);
    expect(parseArgs([]).resnetPsi).toEqual(RESNET_PSI_DEFAULT);
    expect(RESNET_PSI_DEFAULT).toMatchObject({ probes: 20, images: 1000 });
    expect(parseArgs(['--quick']).resnetPsi).toEqual(RESNET_PSI_QUICK);
    expect(parseArgs(['--resnet-psi-probes', '3', '--resnet-psi-images', '64']).resnetPsi).toEqual({
      ...RESNET_PSI_DEFAULT,
      probes: 3,
      images: 64,
    });
  });

  it('evaluates the goals from rows', () => {
    const row = (c: string, engine: string, ms: number, threads = 1): Row => ({
      case: c,
      engine,
      threads,
      median_ms: ms,
      iterations: 1,
    });
    const goals = evaluateGoals([
      row('mlp-grad', 'core-wasm', 1),
      row('mlp-grad', 'tfjs-wasm', 6),
      row('cnn-grad', 'core-wasm', 10),
      row('cnn-grad', 'tfjs-cpu', 50),
      row('mlp-grad', 'pytorch', 0.4),
    ]);
    expect(goals.slice(0, 8).map((g) => g.met)).toEqual([
      true,
      false,
      false,
      false,
      null,
      null,
      null,
      null,
    ]);
    expect(goals[2].measured).toMatch(/2\.50×/);
    const [resnet] = evaluateGoals([
      row('resnet20-grad', 'core-wasm', 7552),
      row('resnet20-grad', 'pytorch', 2741),
    ]).slice(7);
    expect(resnet.goal).toBe('resnet20-grad core-wasm within 2× of PyTorch (1 thread each)');
    expect(resnet.met).toBe(false);
    expect(resnet.measured).toMatch(/takes 2\.76× the time of PyTorch/);
    // Issue 17: the FMA ceiling, PyTorch at equal threads, faster than jax-js and tfjs-wasm.
    expect(peakGoal([row('gemm-512x512x512', 'core-wasm', 8)], 40)).toMatchObject({
      measured: '84% of 40.0 GFLOP/s',
      met: true,
    });
    const kernels = evaluateGoals([
      row('cnn-grad', 'core-wasm', 30, 2),
      row('cnn-grad', 'pytorch', 20, 2),
      row('mlp-hvp', 'core-wasm', 5),
      row('mlp-hvp', 'jax-js-wasm', 10),
    ]).slice(8);
    const find = (g: string) => kernels.find((k) => k.goal === g);
    expect(find('cnn-grad: core-wasm within 1.5× of PyTorch, 2 threads each')?.met).toBe(true);
    expect(find('mlp-hvp: core-wasm (1 thread) faster than jax-js-wasm')).toMatchObject({
      measured: '2.00× faster',
      met: true,
    });
    expect(find('mlp-grad: core-wasm within 1.5× of PyTorch, 1 thread each')?.met).toBeNull();
    const [hvp] = evaluateGoals([
      row('mlp-hvp', 'core-wasm-f64', 3),
      row('mlp-hvp', 'pytorch-hvp-f64', 2),
    ]).slice(4);
    expect(hvp.met).toBe(true);
    expect(hvp.measured).toBe('core-wasm-f64 takes 1.50× the time of pytorch-hvp-f64');

    const psiRow = (engine: string, ms: number) =>
      ({ engine, threads: 1, ms }) as PsiResult['rows'][number];
    const psi: PsiResult = {
      settings: PSI_FULL,
      label: 'full',
      rows: [psiRow('core-wasm', 10), psiRow('tfjs-wasm', 60)],
    };
    const trainRow = (c: string, ratioToAdam: number) =>
      ({ case: c, ratioToAdam }) as TrainResult['rows'][number];
    const training = {
      settings: { images: 64, batch: 8, seed: 1 },
      rows: [trainRow('train-adam', 1), trainRow('train-perturbed-secant', 1.25)],
    } as TrainResult;
    const [psiGoal, perturbedGoal] = evaluateGoals([], { psi, training }).slice(5);
    expect(psiGoal.met).toBe(true);
    expect(psiGoal.measured).toMatch(/6\.00× \(100 probes, 10,000 images; the issue's setting\)/);
    expect(perturbedGoal.met).toBe(false);
    expect(perturbedGoal.measured).toMatch(/1\.25×/);
  });
});

describe('resnet20-psi', () => {
  it('times the probes’ HVPs of a Ψ* report on ResNet-20 and reports them', async () => {
    const r = await runResnetPsi({ probes: 2, images: 6, seed: 1 }, 2);
    expect(r.threads).toBe(2);
    expect(r.hvps).toBe(2);
    // 2 HVPs of 2 gradients each and the operator's check at w; ρ given, so nothing more.
    expect(r.gradientEvaluations).toBe(5);
    expect(r.hvpsPerSecond).toBeCloseTo(1000 / r.hvpMedianMs, 10);
    // The whole report's time holds both HVPs (the median of two is their mean) and the loss.
    expect(r.hvpsPerSecondOverall).toBeLessThanOrEqual(r.hvpsPerSecond);
    expect(r.psiStar).toBeGreaterThan(0);
    // Ten classes at the initialisation: the loss is near ln 10.
    expect(Math.abs(r.trainLoss - Math.log(10))).toBeLessThan(1);
    expect(resnetPsiSection(r)).toMatch(/2 HVPs \(5 gradient evaluations\)/);
  });
});
