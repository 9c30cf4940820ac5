import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  runName,
  runSweep,
  sweepPoints,
  type SweepOptions,
  type SweepRunResult,
} from '../src/entries/experiments.js';
import { sgd, train } from '../src/entries/train.js';
import { moons } from './helpers.js';
import { tinySweep } from './sweep-fixture.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pacgen-sweep-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const base = tinySweep;

/** A run's result without its timings (the rest is deterministic). */
const stable = (r: SweepRunResult) => ({
  ...r,
  seconds: null,
  resumedFrom: null,
  measures: {
    ...r.measures,
    seconds: null,
    values: Object.fromEntries(
      Object.entries(r.measures?.values ?? {}).map(([k, v]) => [k, { ...v, seconds: null }]),
    ),
  },
});

describe('runSweep', () => {
  it('names runs deterministically from the grid point', () => {
    const points = sweepPoints({ batchSizes: [32, 64], learningRates: [0.1], seeds: [1, 2] });
    expect(points.map(runName)).toEqual([
      'sgd_bs32_lr0.1_seed1',
      'sgd_bs32_lr0.1_seed2',
      'sgd_bs64_lr0.1_seed1',
      'sgd_bs64_lr0.1_seed2',
    ]);
    expect(() => sweepPoints({ batchSizes: [32, 32] })).toThrow(/repeats/);
    expect(() => sweepPoints({ batchSizes: [] })).toThrow(/empty/);
    expect(() => sweepPoints({ batchSizes: [8], optimizers: ['rmsprop' as 'sgd'] })).toThrow(
      /optimizers/,
    );
  });

  it('trains a 2×2 grid, writes one file per run, and a rerun skips them all with the same τ', async () => {
    const out = await tempDir();
    const events: string[] = [];
    const first = await runSweep({
      ...base(out),
      onProgress: { run: (e) => void events.push(`${e.status} ${e.name}`) },
    });
    expect(first.complete).toBe(true);
    expect(first.trained).toHaveLength(4);
    expect(first.skipped).toEqual([]);
    const files = (await readdir(join(out, 'runs'))).sort();
    expect(files).toEqual(first.points.map((p) => `${runName(p)}.json`).sort());
    // Checkpoints are removed once a run's result is written.
    expect(await readdir(join(out, 'checkpoints'))).toEqual([]);
    expect(events.filter((e) => e.startsWith('done'))).toHaveLength(4);
    for (const r of first.runs) {
      expect(r.settings.data).toMatchObject({ train: 200, test: 100 });
      expect(r.epochs).toBe(2);
      expect(r.hitCap).toBe(true);
      expect(r.reachedTarget).toBe(false);
      expect(r.curves.epoch).toEqual([0, 1, 2]);
      expect(r.curves.psi.every((v) => v !== null && Number.isFinite(v))).toBe(true);
      expect(r.curves.gap[2]).toBeCloseTo(r.final.gap, 12);
      expect(Number.isFinite(r.measures?.values.magnitudeFlatness?.value)).toBe(true);
    }
    const names = first.correlations.final.map((c) => c.measure);
    expect(names).toContain('psi');
    expect(names).toContain('psiStar');
    expect(names).toContain('weightNorm');
    for (const c of first.correlations.final) {
      expect(c.all.n).toBe(4);
      // No run reached the target in 2 epochs.
      expect(c.atTarget.n).toBe(0);
      expect(c.granulated.perAxis.map((a) => a.axis)).toEqual(['learningRate', 'batchSize']);
      // Each axis: 2 groups of 2 runs.
      for (const a of c.granulated.perAxis) expect(a.groupTaus).toHaveLength(2);
    }
    expect(first.correlations.epochwise.map((e) => e.tau.n)).toEqual([8, 8]);

    const second = await runSweep(base(out));
    expect(second.trained).toEqual([]);
    expect(second.skipped).toEqual(first.trained);
    expect(second.correlations).toEqual(first.correlations);
    expect(second.runs).toEqual(first.runs);

    // Other settings in the same folder are refused before any training.
    await expect(runSweep({ ...base(out), targetLoss: 0.05 })).rejects.toThrow(
      /other settings.*targetLoss/,
    );
  });

  it('resumes an interrupted run from its checkpoint, bit-identically', async () => {
    const ref = await runSweep({
      ...base(await tempDir()),
      grid: { batchSizes: [16], learningRates: [0.5], seeds: [3] },
    });
    const out = await tempDir();
    const controller = new AbortController();
    const opts: SweepOptions = {
      ...base(out),
      grid: { batchSizes: [16], learningRates: [0.5], seeds: [3] },
      keepCheckpoints: true,
    };
    const stopped = await runSweep({
      ...opts,
      signal: controller.signal,
      onProgress: { epoch: (_name, e) => void (e.epoch === 1 && controller.abort()) },
    });
    expect(stopped.complete).toBe(false);
    expect(stopped.runs).toEqual([]);
    expect(await readdir(join(out, 'runs')).catch(() => [])).toEqual([]);
    const resumed = await runSweep(opts);
    expect(resumed.trained).toEqual(['sgd_bs16_lr0.5_seed3']);
    expect(resumed.runs[0].resumedFrom).toBe(1);
    expect(stable(resumed.runs[0])).toEqual(stable(ref.runs[0]));
    // The kept checkpoint is there; the result file is plain JSON with tagged non-finite numbers.
    expect(await readdir(join(out, 'checkpoints', 'sgd_bs16_lr0.5_seed3'))).toEqual([
      'checkpoint.json',
    ]);
    const text = await readFile(join(out, 'runs', 'sgd_bs16_lr0.5_seed3.json'), 'utf8');
    expect(JSON.parse(text).name).toBe('sgd_bs16_lr0.5_seed3');
  });

  it('estimates Ψ during training on the given training-sample subset only', async () => {
    const o = base('');
    const common = {
      spec: o.model.spec,
      precision: 'f64' as const,
      data: { train: moons(100, 1, 'train') },
      optimizer: sgd({ learningRate: 0.1 }),
      batchSize: 50,
      epochs: 1,
      psiEvery: 1,
      psi: { diagonal: { method: 'hutchinson' as const, probes: 2 }, rho: 0 },
    };
    const sub = await train({ ...common, psiSamples: [0, 1, 2, 3, 4, 5, 6, 7] });
    const all = await train(common);
    // Same trajectory. The bound's L̂(w) comes from the subset, but n stays the training set's:
    // with the curvature off its branch on this net, Ψ* and η (which depends on n) agree.
    expect(sub.params).toEqual(all.params);
    const [a, b] = [sub.history[1].psi, all.history[1].psi];
    expect(a?.bound).not.toBe(b?.bound);
    expect(a?.curvatureFractionStar).toBe(0);
    expect(a?.eta).toBe(b?.eta);
    await expect(train({ ...common, psiSamples: [100] })).rejects.toThrow(/psiSamples\[0\] = 100/);
  });
});
