import { beforeAll, describe, expect, it } from 'vitest';
import { selectSubset, type Dataset } from '../src/entries/data.js';
import {
  COMPARE_METHODS,
  compareTraining,
  comparisonVariants,
  type CompareOptions,
  type CompareResult,
  type CompareRun,
} from '../src/entries/experiments.js';
import { mlp } from '../src/entries/models.js';
import { adam, mixSeed, train } from '../src/entries/train.js';
import { kendallTauInterval } from '../src/experiments/kendall-bootstrap.js';
import { moons } from './helpers.js';
import { signTau } from './sweep-fixture.js';

const specFor = (dropout: number) => mlp({ inputShape: [2], hidden: [16], numClasses: 2, dropout });
const data = { name: 'moons', train: moons(128, 1, 'train'), test: moons(96, 2, 'test') };

/** 8 steps an epoch, 2 epochs; perturbedOPT's noise starts after 10 steps (in epoch 2). */
const base: CompareOptions = {
  specFor,
  data,
  modelName: 'mlp:16',
  learningRate: 0.01,
  seeds: [1, 2],
  epochs: 2,
  batchSize: 16,
  precision: 'f64',
  psiSamples: 32,
  probes: 2,
  rhoProbes: 1,
  seed: 0,
  perturbed: { warmup: 10, scale: 0.01, probeEvery: 5, probeCount: 2 },
};

/** A run without its wall time (the rest is deterministic). */
const stable = (r: CompareRun) => ({ ...r, seconds: 0 });

let result: CompareResult;
beforeAll(async () => {
  result = await compareTraining(base);
});

describe('comparisonVariants', () => {
  it('builds one variant per method with its network, optimizer and cost', () => {
    const vs = comparisonVariants({ specFor, learningRate: 0.01 });
    expect(vs.map((v) => v.method)).toEqual([...COMPARE_METHODS]);
    expect(vs.map((v) => v.gradientsPerStep)).toEqual([1, 1, 2, 2, 1, 1 + (2 * 2) / 10]);
    const dropoutLayers = (i: number) =>
      vs[i].spec.layers
        .filter((l) => l.type === 'dropout')
        .map((l) => (l as { rate: number }).rate);
    expect(dropoutLayers(0)).toEqual([]);
    expect(dropoutLayers(1)).toEqual([0.5]);
    expect(vs.filter((v) => v.method !== 'dropout').every((v) => v.spec === vs[0].spec)).toBe(true);
    expect(vs[0].name).toBe('Adam');
    expect(vs[2].name).toBe('SAM ρ=0.05 + Adam');
    const sgdVs = comparisonVariants({ specFor, inner: 'sgd', methods: ['asam'], asamRho: 0.3 });
    expect(sgdVs).toHaveLength(1);
    expect(sgdVs[0].name).toBe('ASAM ρ=0.3 + SGD');
    // A fresh optimizer per run; perturbedOPT's diagnostics give the σ statistics.
    const p = vs[4].optimizer(1);
    expect(p).not.toBe(vs[4].optimizer(1));
    expect(p.name).toMatch(/perturbed\(secant, s=0\.01, gamma=0\.1, epsilon=0\.01/);
    expect(vs[5].optimizer(1).name).toMatch(/perturbed\(probes/);
  });

  it('rejects bad settings with one-line errors', () => {
    expect(() => comparisonVariants({ specFor, methods: [] })).toThrow(/methods is empty/);
    expect(() => comparisonVariants({ specFor, methods: ['rmsprop' as 'sam'] })).toThrow(
      /unknown method 'rmsprop'/,
    );
    expect(() => comparisonVariants({ specFor, methods: ['sam', 'sam'] })).toThrow(/repeats/);
    expect(() => comparisonVariants({ specFor, dropout: 1 })).toThrow(/dropout/);
    expect(() => comparisonVariants({ specFor, learningRate: 0 })).toThrow(/learningRate/);
    expect(() => comparisonVariants({ specFor, inner: 'lion' as 'adam' })).toThrow(/inner/);
    expect(() => comparisonVariants({ specFor, perturbed: { probeEvery: 0 } })).toThrow(
      /probeEvery/,
    );
  });
});

describe('compareTraining', () => {
  it('trains every method at every seed, with finite results and Ψ of each final model', () => {
    expect(result.complete).toBe(true);
    expect(result.runs.map((r) => `${r.method}/${r.seed}`)).toEqual(
      COMPARE_METHODS.flatMap((m) => [`${m}/1`, `${m}/2`]),
    );
    expect(result.settings).toMatchObject({
      format: 'pacgen-compare/1',
      data: { name: 'moons', train: 128, test: 96 },
      model: { name: 'mlp:16', numParams: 2 * 16 + 16 + 16 * 2 + 2 },
      epochs: 2,
      batchSize: 16,
      psi: { every: 2, samples: 32, probes: 2, rhoProbes: 1, gamma: 0.1, epsilon: 0.1 },
    });
    for (const r of result.runs) {
      expect(r.stopReason).toBe('epochs');
      expect(r.steps).toBe(16);
      expect(r.curves.epoch).toEqual([0, 1, 2]);
      for (const v of Object.values(r.final)) expect(Number.isFinite(v)).toBe(true);
      expect(r.final.gap).toBeCloseTo(r.final.testLoss - r.final.trainLoss, 12);
      expect(r.curves.testLoss[2]).toBe(r.final.testLoss);
      // Ψ at epoch 0 and the end only (psiEvery defaults to the epochs).
      expect(r.curves.psi.map((v) => v !== null)).toEqual([true, false, true]);
      expect(r.psi?.psi).toBe(r.curves.psi[2]);
      expect(Number.isFinite(r.psi?.psiStar)).toBe(true);
      expect(Number.isFinite(r.psi?.bound)).toBe(true);
    }
    // Ψ at epoch 0 scores the same initial network (dropout is off in evaluation mode).
    const psi0 = result.runs.filter((r) => r.seed === 1).map((r) => r.curves.psi[0]);
    expect(new Set(psi0).size).toBe(1);
  });

  it('counts gradients: SAM and ASAM twice plain, probes 2K every T steps on top', () => {
    const evals = (m: string, seed = 1) =>
      result.runs.find((r) => r.method === m && r.seed === seed)?.gradientEvaluations;
    expect(evals('plain')).toBe(16);
    expect(evals('dropout')).toBe(16);
    expect(evals('sam')).toBe(2 * 16);
    expect(evals('asam')).toBe(2 * 16);
    expect(evals('perturbed-secant')).toBe(16);
    // Estimates at steps 0, 5, 10, 15 with 2 probes of 2 gradients each.
    expect(evals('perturbed-probes')).toBe(16 + 4 * 2 * 2);
    expect(result.variants.find((v) => v.method === 'sam')?.gradientsPerStep).toBe(2);
  });

  it('records σ only for perturbedOPT: zero in warm-up, positive and finite after', () => {
    for (const r of result.runs) {
      const c = r.curves;
      if (!r.method.startsWith('perturbed')) {
        for (const k of ['sigmaMean', 'sigmaMedian', 'noiseScale', 'curvatureMean'] as const) {
          expect(c[k].every((v) => v === null)).toBe(true);
        }
        continue;
      }
      expect(c.sigmaMean[0]).toBeNull();
      // Epoch 1 ends at step 8, inside the 10-step warm-up: no noise yet.
      expect(c.noiseScale[1]).toBe(0);
      expect(c.sigmaMean[1]).toBe(0);
      expect(c.noiseScale[2]).toBe(0.01);
      for (const k of ['sigmaMean', 'sigmaMedian', 'sigmaMax'] as const) {
        expect(c[k][2]).toBeGreaterThan(0);
        expect(Number.isFinite(c[k][2])).toBe(true);
      }
      // σ_i ≤ κ_i = 0.1|w_i| + 0.01.
      expect(c.sigmaMin[2]).toBeGreaterThan(0);
      expect(c.sigmaMean[2]).toBeLessThanOrEqual(c.sigmaMax[2] as number);
      const f = c.sigmaFractionAtCap[2] as number;
      expect(f >= 0 && f <= 1).toBe(true);
      expect(Number.isFinite(c.curvatureMean[2])).toBe(true);
    }
  });

  it('summarises each method: mean and sample sd over seeds, difference to plain with SE and t', () => {
    expect(result.summaries.map((s) => s.method)).toEqual([...COMPARE_METHODS]);
    const runsOf = (m: string) => result.runs.filter((r) => r.method === m);
    const hand = (xs: number[]) => {
      const m = (xs[0] + xs[1]) / 2;
      return { mean: m, sd: Math.sqrt((xs[0] - m) ** 2 + (xs[1] - m) ** 2) };
    };
    const plain = hand(runsOf('plain').map((r) => r.final.testLoss));
    for (const s of result.summaries) {
      const rs = runsOf(s.method);
      expect(s.n).toBe(2);
      expect(s.diverged).toBe(0);
      for (const k of ['testLoss', 'testAccuracy', 'trainLoss', 'gap'] as const) {
        const h = hand(rs.map((r) => r.final[k]));
        expect(s[k].mean).toBeCloseTo(h.mean, 14);
        expect(s[k].sd).toBeCloseTo(h.sd, 14);
      }
      const hp = hand(rs.map((r) => r.psi?.psi as number));
      expect(s.psi.mean).toBeCloseTo(hp.mean, 10);
      expect(s.psi.sd).toBeCloseTo(hp.sd, 10);
      expect(s.gradientEvaluations).toBe(rs[0].gradientEvaluations);
      if (s.method === 'plain') {
        expect(s.vsPlain).toBeNull();
      } else {
        const h = hand(rs.map((r) => r.final.testLoss));
        const d = s.vsPlain?.testLoss;
        const se = Math.sqrt(h.sd ** 2 / 2 + plain.sd ** 2 / 2);
        expect(d?.difference).toBeCloseTo(h.mean - plain.mean, 14);
        expect(d?.se).toBeCloseTo(se, 14);
        expect(d?.t).toBeCloseTo((h.mean - plain.mean) / se, 8);
      }
      if (s.method.startsWith('perturbed')) {
        const last = rs.map((r) => r.curves.sigmaMean[2] as number);
        expect(s.sigma?.finalMean).toBeCloseTo((last[0] + last[1]) / 2, 14);
        const over = rs.map((r) => ((r.curves.sigmaMean[1] as number) + last[rs.indexOf(r)]) / 2);
        expect(s.sigma?.meanOverEpochs).toBeCloseTo((over[0] + over[1]) / 2, 14);
      } else {
        expect(s.sigma).toBeNull();
      }
    }
  });

  it("ranks the final gaps by Ψ and Ψ*: Kendall's τ over all runs equals a hand count", () => {
    const hand = (x: number[], y: number[]) => {
      let c = 0;
      let d = 0;
      for (let i = 0; i < x.length; i++)
        for (let j = i + 1; j < x.length; j++) {
          const s = Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
          if (s > 0) c++;
          else if (s < 0) d++;
        }
      return (c - d) / (c + d);
    };
    const gap = result.runs.map((r) => r.final.gap);
    expect(result.correlations.psi.n).toBe(result.runs.length);
    expect(result.correlations.psi.tau).toBeCloseTo(
      hand(
        result.runs.map((r) => r.psi?.psi as number),
        gap,
      ),
      12,
    );
    expect(result.correlations.psiStar.tau).toBeCloseTo(
      hand(
        result.runs.map((r) => r.psi?.psiStar as number),
        gap,
      ),
      12,
    );
  });

  it('certifies each final network: a bound above the test error of Q, ranked against both gaps', () => {
    expect(result.settings.certificate).toBe(true);
    for (const r of result.runs) {
      const c = r.certificate;
      // n is the comparison's whole training set; 95% confidence; the certificate holds.
      expect(c?.n).toBe(128);
      expect(c?.confidence).toBeCloseTo(0.95, 15);
      expect(c?.posterior).toBe('isotropic');
      expect(c?.bound).toBeGreaterThan(c?.testErrorQ as number);
      expect(c?.bound).toBeLessThanOrEqual(1);
      expect(c?.kl).toBeGreaterThan(0);
    }
    const bound = result.runs.map((r) => r.certificate?.bound as number);
    const ceGap = result.runs.map((r) => r.final.gap);
    const errGap = result.runs.map((r) => r.final.trainAccuracy - r.final.testAccuracy);
    const c = result.correlations;
    expect(c.certificate?.n).toBe(result.runs.length);
    expect(c.certificate?.tau).toBeCloseTo(signTau(bound, ceGap), 12);
    expect(c.errorGap.certificate?.tau).toBeCloseTo(signTau(bound, errGap), 12);
    expect(c.certificate?.interval).toEqual(kendallTauInterval(bound, ceGap));
    for (const s of result.summaries) {
      const xs = result.runs.filter((r) => r.method === s.method).map((r) => r.certificate?.bound);
      expect(s.certificate.mean).toBeCloseTo(((xs[0] as number) + (xs[1] as number)) / 2, 14);
    }
  });

  it('skips the certificate when switched off, and on data without class labels', async () => {
    const off = await compareTraining({
      ...base,
      methods: ['plain'],
      seeds: [1],
      certificate: false,
    });
    expect(off.settings.certificate).toBe(false);
    expect(off.runs[0].certificate).toBeNull();
    expect(off.correlations.certificate).toBeNull();
    expect(off.correlations.errorGap.certificate).toBeNull();
    // Everything else is the run of the full comparison.
    const full = result.runs.find((r) => r.method === 'plain' && r.seed === 1) as CompareRun;
    expect({ ...stable(off.runs[0]), certificate: full.certificate }).toEqual(stable(full));
    // One sigmoid output with 0/1 targets as numbers (binary cross-entropy): no 0-1 error.
    const real = (d: Dataset): Dataset => ({ ...d, y: Float32Array.from(d.y), numClasses: 1 });
    const bce = await compareTraining({
      ...base,
      methods: ['plain'],
      seeds: [1],
      data: { name: 'moons', train: real(data.train), test: real(data.test) },
      specFor: (d) => {
        const spec = mlp({ inputShape: [2], hidden: [16], numClasses: 1, dropout: d });
        return {
          ...spec,
          layers: [...spec.layers, { type: 'activation', activation: 'sigmoid' }],
          loss: 'sigmoid-bce',
        };
      },
    });
    expect(bce.settings.certificate).toBe(false);
    expect(bce.runs[0].certificate).toBeNull();
    expect(Number.isFinite(bce.runs[0].final.testLoss)).toBe(true);
  });

  it('is deterministic: a run depends only on its method and seed', async () => {
    const again = await compareTraining({
      ...base,
      methods: ['perturbed-probes', 'sam'],
      seeds: [2],
    });
    for (const r of again.runs) {
      const first = result.runs.find((x) => x.method === r.method && x.seed === 2) as CompareRun;
      expect(stable(r)).toEqual(stable(first));
    }
  });

  it("'plain' is a direct train() with Adam at the same settings", async () => {
    const idx = selectSubset(128, 32, mixSeed(0, 3), 'Ψ') as Int32Array;
    const r = await train({
      spec: specFor(0),
      precision: 'f64',
      data,
      optimizer: adam({ learningRate: 0.01 }),
      batchSize: 16,
      epochs: 2,
      seed: 2,
      evalEvery: 1,
      psiEvery: 2,
      psi: {
        gamma: 0.1,
        epsilon: 0.1,
        diagonal: { method: 'hutchinson', probes: 2 },
        rho: { probes: 1 },
        seed: 0,
      },
      psiSamples: idx,
    });
    const plain = result.runs.find((x) => x.method === 'plain' && x.seed === 2) as CompareRun;
    const last = r.history[2];
    expect(Math.abs((last.trainLoss as number) - plain.final.trainLoss)).toBeLessThanOrEqual(1e-12);
    expect(last.testAccuracy).toBe(plain.final.testAccuracy);
    expect(last.psi?.psi).toBe(plain.psi?.psi);
  });

  it('reports progress and stops on the abort signal with the finished runs', async () => {
    const controller = new AbortController();
    const events: string[] = [];
    const r = await compareTraining({
      ...base,
      methods: ['plain', 'sam'],
      seeds: [1],
      epochs: 1,
      signal: controller.signal,
      onProgress: {
        run: (e) => void events.push(`${e.status} ${e.name} ${e.index}/${e.total}`),
        step: (name, e) => {
          if (name === 'sam_seed1' && e.step === 3) controller.abort();
        },
      },
    });
    expect(r.complete).toBe(false);
    expect(r.runs.map((x) => x.method)).toEqual(['plain']);
    expect(events).toEqual([
      'start plain_seed1 0/2',
      'done plain_seed1 0/2',
      'start sam_seed1 1/2',
    ]);
    expect(r.summaries.map((s) => s.method)).toEqual(['plain']);
  });

  it('rejects bad input before training', async () => {
    const bad = (over: Partial<CompareOptions>) => compareTraining({ ...base, ...over });
    await expect(bad({ methods: [] })).rejects.toThrow(/methods is empty/);
    await expect(bad({ methods: ['sgd' as 'sam'] })).rejects.toThrow(/unknown method 'sgd'/);
    await expect(bad({ batchSize: 200 })).rejects.toThrow(/batch size 200 exceeds the 128/);
    await expect(bad({ epochs: 1.5 })).rejects.toThrow(/epochs must be an integer/);
    await expect(bad({ epochs: 0 })).rejects.toThrow(/epochs must be an integer ≥ 1/);
    await expect(bad({ seeds: [] })).rejects.toThrow(/seeds is empty/);
    await expect(bad({ seeds: [1, 1] })).rejects.toThrow(/seeds repeats/);
    await expect(bad({ psiSamples: 0 })).rejects.toThrow(/psiSamples/);
    await expect(bad({ psiEvery: -1 })).rejects.toThrow(/psiEvery/);
    await expect(
      bad({ data: { ...data, test: { ...data.test, n: 0, x: new Float32Array(0) } } }),
    ).rejects.toThrow(/test set is empty/);
    await expect(
      bad({ specFor: (d) => mlp({ inputShape: [2], hidden: [d > 0 ? 8 : 16], numClasses: 2 }) }),
    ).rejects.toThrow(/only the dropout/);
  });
});
