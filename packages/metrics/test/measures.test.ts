import { describe, expect, it } from 'vitest';
import { topEigenvalues } from '../src/index.js';
import {
  MEASURE_NAMES,
  generalizationMeasures,
  magnitudeFlatness,
  perturbedDeviation,
  samSharpness,
  weightNorms,
} from '../src/entries/experiments.js';
import { quadraticObjective, smallNetwork, symmetricWithSpectrum } from './helpers.js';

describe('weightNorms', () => {
  it('is the exact Frobenius norm, and Σ ln‖W‖² over the weight tensors', async () => {
    const { obj, w } = await smallNetwork('tanh', { hidden: [4], n: 10 });
    const r = weightNorms(w, obj.tensors);
    let s = 0;
    for (const x of w) s += x * x;
    expect(r.norm).toBeCloseTo(Math.sqrt(s), 14);
    const kernels = obj.tensors.filter((t) => t.shape.length === 2);
    expect(kernels).toHaveLength(2);
    let log = 0;
    for (const t of kernels) {
      let k = 0;
      for (let i = t.offset; i < t.offset + t.size; i++) k += w[i] * w[i];
      log += Math.log(k);
    }
    expect(r.logProduct).toBeCloseTo(log, 12);
    expect(r.perTensor.map((t) => t.name)).toEqual(obj.tensors.map((t) => t.name));
    // Hand-made: w = (3, 4 | 1, 2, 2) with a [1, 2] kernel and a [3] bias.
    const tensors = [
      { name: 'k', shape: [1, 2], offset: 0, size: 2 },
      { name: 'b', shape: [3], offset: 2, size: 3 },
    ];
    const h = weightNorms([3, 4, 1, 2, 2], tensors);
    expect(h.norm).toBeCloseTo(Math.sqrt(34), 14);
    expect(h.logProduct).toBeCloseTo(Math.log(25), 14);
    expect(h.perTensor).toEqual([
      { name: 'k', norm: 5 },
      { name: 'b', norm: 3 },
    ]);
  });
});

describe('samSharpness', () => {
  it('is ≥ 0 and within the second-order bound ρ‖g‖ + ½ρ²λmax on a network', async () => {
    const { obj, w } = await smallNetwork('tanh', { hidden: [6], n: 30 });
    const eig = await topEigenvalues(obj, w, { k: 1, iterations: 60 });
    const lambda = eig.values[0];
    for (const radius of [0.003, 0.01, 0.03]) {
      const r = await samSharpness(obj, w, { radius, steps: 6 });
      expect(r.sharpness).toBeGreaterThanOrEqual(0);
      // The first-order step alone gives about ρ‖g‖ (the gradient is far from 0 here).
      expect(r.sharpness).toBeGreaterThan(
        0.9 * radius * r.gradientNorm - radius ** 2 * Math.abs(lambda),
      );
      expect(r.sharpness).toBeLessThanOrEqual(
        radius * r.gradientNorm + 0.5 * radius ** 2 * Math.max(lambda, 0) + radius ** 3,
      );
      expect(r.epsilonNorm).toBeLessThanOrEqual(radius * (1 + 1e-12));
      expect(r.cost).toEqual({ gradientEvaluations: 6, lossEvaluations: 1 });
    }
  });

  it('finds ½ρ²λmax at the minimum of a quadratic (g = 0: a random start, then ascent)', async () => {
    const A = symmetricWithSpectrum([5, 2, 1, 0.5, 0.1, 0.01], 3);
    const obj = quadraticObjective(A);
    const r = await samSharpness(obj, new Float64Array(6), { radius: 0.1, steps: 40 });
    expect(r.gradientNorm).toBe(0);
    expect(r.sharpness).toBeLessThanOrEqual(0.5 * 0.01 * 5 * (1 + 1e-9));
    expect(r.sharpness).toBeGreaterThan(0.5 * 0.01 * 5 * 0.98);
  });
});

describe('magnitude-aware flatness', () => {
  it('the expected loss increase grows with the noise level (common random numbers)', async () => {
    const { obj, w } = await smallNetwork('tanh', { hidden: [6], n: 30 });
    const levels = [0.01, 0.05, 0.2, 0.5, 1];
    const d: number[] = [];
    for (const a of levels) d.push((await perturbedDeviation(obj, w, a, { samples: 16 })).mean);
    for (let i = 1; i < d.length; i++) expect(d[i]).toBeGreaterThan(d[i - 1]);
    // 1/α′² falls as the allowed increase grows: a flatter criterion tolerates more noise.
    const tight = await magnitudeFlatness(obj, w, { target: 0.02, samples: 16 });
    const loose = await magnitudeFlatness(obj, w, { target: 0.2, samples: 16 });
    expect(tight.saturated).toBe('none');
    expect(tight.alpha).toBeLessThan(loose.alpha);
    expect(tight.flatness).toBeGreaterThan(loose.flatness);
    expect(tight.deviation).toBeLessThanOrEqual(0.02);
    expect(tight.flatness).toBeCloseTo(1 / tight.alpha ** 2, 10);
    expect(tight.cost.gradientEvaluations).toBe(0);
    expect(tight.cost.lossEvaluations % 32).toBe(1);
  });

  it('matches the closed form on a quadratic: ½Σ a_i(α²w_i² + ε²) = target', async () => {
    const m = 60;
    const a = Array.from({ length: m }, (_, i) => 0.5 + (i % 7));
    const A = a.map((ai, i) => Float64Array.from({ length: m }, (_, j) => (i === j ? ai : 0)));
    const obj = quadraticObjective(A);
    const w = Float64Array.from({ length: m }, (_, i) => 0.2 + 0.1 * Math.sin(i));
    const target = 0.1;
    const eps = 1e-3;
    const sumA = a.reduce((s, x) => s + x, 0);
    const sumAw = a.reduce((s, x, i) => s + x * w[i] ** 2, 0);
    const exact = Math.sqrt((2 * target - eps * eps * sumA) / sumAw);
    const r = await magnitudeFlatness(obj, w, { target, samples: 100, iterations: 14 });
    expect(r.alpha / exact).toBeGreaterThan(0.9);
    expect(r.alpha / exact).toBeLessThan(1.1);
  });

  it('reports saturation when even the ε floor exceeds the target', async () => {
    const obj = quadraticObjective([Float64Array.of(1e7)]);
    const r = await magnitudeFlatness(obj, [1], { target: 0.1, samples: 4 });
    expect(r.saturated).toBe('low');
    expect(r.flatness).toBe(Infinity);
  });
});

describe('generalizationMeasures', () => {
  it('computes every measure on a network with its counted cost', async () => {
    const { obj, w } = await smallNetwork('tanh', { hidden: [6], n: 30 });
    const stages: string[] = [];
    const r = await generalizationMeasures(obj, w, {
      psi: { diagonal: { method: 'hutchinson', probes: 4 }, rho: { probes: 2 } },
      traceProbes: 5,
      lanczosIterations: 8,
      sharpness: { steps: 3 },
      flatness: { samples: 3, iterations: 4 },
      onProgress: (m, i, total) => {
        stages.push(`${m} ${i}/${total}`);
      },
    });
    // Every measure but the certificate, which needs the network on all its training samples.
    const computed = MEASURE_NAMES.filter((m) => m !== 'certificate');
    expect(Object.keys(r.values)).toEqual(computed);
    for (const m of computed) expect(Number.isFinite(r.values[m]?.value)).toBe(true);
    expect(stages).toEqual([
      'psi 0/5',
      'hessianTrace 1/5',
      'topEigenvalue 2/5',
      'sharpness 3/5',
      'magnitudeFlatness 4/5',
    ]);
    const v = r.values;
    // Ψ: 1 loss; diagonal 2·4 + 1; ρ̂ 2·(2·2·1 + 1) + 1.
    expect(v.psi?.cost).toEqual({ gradientEvaluations: 9 + 11, lossEvaluations: 1 });
    expect(v.psiStar?.cost).toEqual({ gradientEvaluations: 0, lossEvaluations: 0 });
    expect(v.weightNorm?.cost.gradientEvaluations).toBe(0);
    expect(v.weightNorm?.value).toBeCloseTo(weightNorms(w, obj.tensors).norm, 14);
    expect(v.hessianTrace?.cost.gradientEvaluations).toBe(1 + 2 * 5);
    expect(v.topEigenvalue?.cost.gradientEvaluations).toBeLessThanOrEqual(1 + 2 * (8 + 1));
    expect(v.sharpness?.cost).toEqual({ gradientEvaluations: 3, lossEvaluations: 1 });
    expect(v.magnitudeFlatness?.cost.gradientEvaluations).toBe(0);
    expect(r.cost.gradientEvaluations).toBe(
      MEASURE_NAMES.reduce((s, m) => s + (v[m]?.cost.gradientEvaluations ?? 0), 0),
    );
    expect(r.details.psi?.curvatureFraction).toBeGreaterThanOrEqual(0);
    expect(r.details.psi?.diagonal).toBe('hutchinson');
    // λmax from Lanczos bounds the trace per direction from above (both f64 here).
    expect(v.topEigenvalue?.value).toBeGreaterThan(0);
  });

  it('computes a chosen subset, and rejects unknown names', async () => {
    const { obj, w } = await smallNetwork('tanh', { hidden: [4], n: 10 });
    const r = await generalizationMeasures(obj, w, { measures: ['psiStar', 'weightNorm'] });
    expect(Object.keys(r.values).sort()).toEqual(['psiStar', 'weightNorm']);
    expect(r.values.psiStar?.cost.gradientEvaluations).toBeGreaterThan(0);
    await expect(generalizationMeasures(obj, w, { measures: ['nope' as 'psi'] })).rejects.toThrow(
      /unknown measure/,
    );
    await expect(generalizationMeasures(obj, w, { measures: ['certificate'] })).rejects.toThrow(
      /certificate measure needs the network on all its training samples/,
    );
  });
});
