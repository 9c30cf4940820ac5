import { Network } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import {
  filterNormRatios,
  lossLandscape,
  networkObjective,
  pacgen,
  randomDirection,
  slice1d,
  slice2d,
  type ParameterTensor,
} from '../src/index.js';
import { matVec, quadraticObjective, smallNetwork, symmetricWithSpectrum } from './helpers.js';

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe('random filter-normalised directions', () => {
  it('give every filter of every kernel the norm of its weights, and zero biases', async () => {
    const { net, w } = await smallNetwork('tanh', { hidden: [6, 4] });
    const d = randomDirection(w, net.tensors, { seed: 3 });
    for (const { name, ratios } of filterNormRatios(d, w, net.tensors)) {
      if (name.endsWith('/bias')) continue;
      expect(ratios.length).toBe(net.tensors.find((t) => t.name === name)!.shape.at(-1));
      for (const r of ratios) expect(r).toBeCloseTo(1, 12);
    }
    for (const t of net.tensors.filter((x) => x.name.endsWith('/bias'))) {
      expect(Array.from(d.subarray(t.offset, t.offset + t.size))).toEqual(Array(t.size).fill(0));
    }
    // Different seeds, different directions; the same seed, the same one.
    expect(randomDirection(w, net.tensors, { seed: 3 })).toEqual(d);
    expect(randomDirection(w, net.tensors, { seed: 4 })).not.toEqual(d);
  });

  it('treat the last axis of a conv kernel as the filter axis', async () => {
    const net = await Network.create({
      inputShape: [6, 6, 2],
      layers: [
        { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'relu', name: 'conv' },
        { type: 'flatten' },
        { type: 'dense', units: 2, name: 'fc' },
      ],
      loss: 'softmax-cross-entropy',
    });
    const w = Float64Array.from(net.initParams(1));
    const conv = net.tensors.find((t) => t.name === 'conv/kernel') as ParameterTensor;
    expect(conv.shape).toEqual([3, 3, 2, 3]);
    const d = randomDirection(w, net.tensors, { seed: 9 });
    for (let f = 0; f < 3; f++) {
      let dn = 0;
      let wn = 0;
      for (let j = f; j < conv.size; j += 3) {
        dn += d[conv.offset + j] ** 2;
        wn += w[conv.offset + j] ** 2;
      }
      expect(Math.sqrt(dn)).toBeCloseTo(Math.sqrt(wn), 12);
    }
  });

  it("match per-tensor norms with 'layer', copy biases with 'copy', and have unit norm with 'none'", async () => {
    const { net, w } = await smallNetwork('tanh', { hidden: [6] });
    const layer = randomDirection(w, net.tensors, { normalization: 'layer', biases: 'copy' });
    for (const t of net.tensors) {
      const dt = layer.subarray(t.offset, t.offset + t.size);
      const wt = w.subarray(t.offset, t.offset + t.size);
      if (t.name.endsWith('/bias')) expect(Array.from(dt)).toEqual(Array.from(wt));
      else expect(norm(dt)).toBeCloseTo(norm(wt), 12);
    }
    expect(norm(randomDirection(w, net.tensors, { normalization: 'none' }))).toBeCloseTo(1, 14);
  });

  it("normalise the toy network's shared rank-1 tensor as one filter", () => {
    const tensors = [{ name: 'w', shape: [2], offset: 0, size: 2 }];
    const d = randomDirection([3, -4], tensors, { seed: 1 });
    expect(norm(d)).toBeCloseTo(5, 12);
  });
});

describe('slices', () => {
  it('on a quadratic, the 2-D slice along the top eigenvectors is the exact quadratic form', async () => {
    const spectrum = [9, -6, 2, 0.5, 0.1];
    const A = symmetricWithSpectrum(spectrum, 7);
    const b = [0.3, -0.2, 0.1, 0, 0.4];
    const obj = quadraticObjective(A, b);
    const w0 = Float64Array.of(0.5, -1, 0.25, 2, -0.3);
    const r = await lossLandscape(obj, w0, {
      directions: 'eigen',
      dims: 2,
      steps: 7,
      range: [-1.5, 0.75],
    });
    expect(r.kind).toBe('eigen');
    expect(r.eigenvalues![0]).toBeCloseTo(9, 6);
    expect(r.eigenvalues![1]).toBeCloseTo(-6, 6);
    const [v1, v2] = r.directions;
    expect(norm(v1)).toBeCloseTo(1, 12);
    const g = matVec(A, w0).map((x, i) => x + b[i]);
    const f0 =
      0.5 * w0.reduce((s, x, i) => s + x * matVec(A, w0)[i], 0) +
      w0.reduce((s, x, i) => s + x * b[i], 0);
    const gv1 = g.reduce((s, x, i) => s + x * v1[i], 0);
    const gv2 = g.reduce((s, x, i) => s + x * v2[i], 0);
    expect(r.centerLoss).toBeCloseTo(f0, 12);
    expect(r.loss.length).toBe(49);
    r.beta!.forEach((beta, j) =>
      r.alpha.forEach((alpha, i) => {
        // f(w + αv1 + βv2) = f(w) + α g·v1 + β g·v2 + ½(λ1 α² + λ2 β²), v1 ⊥ v2 eigenvectors.
        const exact = f0 + alpha * gv1 + beta * gv2 + 0.5 * (9 * alpha ** 2 - 6 * beta ** 2);
        expect(r.loss[j * 7 + i]).toBeCloseTo(exact, 5);
      }),
    );
    expect(Array.from(r.alpha)).toEqual([-1.5, -1.125, -0.75, -0.375, 0, 0.375, 0.75]);
    expect(r.cost.lossEvaluations).toBe(50);
    expect(r.cost.gradientEvaluations).toBeGreaterThan(0);
  });

  it('on a network, the slice values are the losses at those points (row-major, one row per β)', async () => {
    const { net, obj, w } = await smallNetwork('sigmoid', { hidden: [5] });
    const r = await lossLandscape(obj, obj.params(), { dims: 2, steps: 4, range: 0.6, seed: 2 });
    expect(r.kind).toBe('random');
    expect(r.directionNorms[0]).toBeGreaterThan(0);
    const [d1, d2] = r.directions;
    for (const [i, j] of [
      [0, 0],
      [3, 1],
      [2, 3],
    ]) {
      const p = Float64Array.from(w, (x, k) => x + r.alpha[i] * d1[k] + r.beta![j] * d2[k]);
      net.setParams(p);
      expect(r.loss[j * 4 + i]).toBeCloseTo(net.evaluate().loss, 12);
    }
    net.setParams(w);
    expect(r.centerLoss).toBeCloseTo(net.evaluate().loss, 12);
    const line = await lossLandscape(obj, obj.params(), { dims: 1, steps: 5, range: 1 });
    expect(line.beta).toBeUndefined();
    expect(line.loss[2]).toBeCloseTo(line.centerLoss, 12);
  });

  it('computes Ψ at every point of a 1-D slice when asked, equal to pacgen there', async () => {
    const { obj, w } = await smallNetwork('tanh', { hidden: [3], n: 20 });
    const r = await lossLandscape(obj, obj.params(), {
      dims: 1,
      steps: 3,
      range: 0.2,
      psi: { rho: 0.5 },
    });
    expect(r.psi).toBeDefined();
    const d = r.directions[0];
    const p = Float64Array.from(w, (x, k) => x + 0.2 * d[k]);
    const ref = await pacgen(obj, p, { rho: 0.5 });
    expect(r.psi![2]).toBeCloseTo(ref.psi, 10);
    expect(r.psiStar![2]).toBeCloseTo(ref.psiStar, 10);
  });

  it('slice1d and slice2d evaluate any point function on their grid', async () => {
    const f = async (p: Float64Array) => p[0] * 10 + p[1];
    const s1 = await slice1d(f, [1, 2], [1, 0], { from: 0, to: 1, steps: 3 });
    expect(Array.from(s1.values)).toEqual([12, 17, 22]);
    const s2 = await slice2d(
      f,
      [0, 0],
      [1, 0],
      [0, 1],
      { from: 0, to: 1, steps: 2 },
      { from: 0, to: 2, steps: 3 },
    );
    expect(Array.from(s2.values)).toEqual([0, 10, 1, 11, 2, 12]);
  });

  it('rejects bad settings before evaluating anything', async () => {
    const obj = quadraticObjective([Float64Array.of(1, 0), Float64Array.of(0, 1)]);
    let calls = 0;
    const counting = { ...obj, loss: async (w: ArrayLike<number>) => (calls++, obj.loss(w)) };
    await expect(lossLandscape(counting, counting.params(), { dims: 3 as 2 })).rejects.toThrow(
      /dims must be 1 or 2/,
    );
    await expect(lossLandscape(counting, counting.params(), { steps: 1 })).rejects.toThrow(/steps/);
    await expect(lossLandscape(counting, counting.params(), { range: 0 })).rejects.toThrow(/range/);
    await expect(lossLandscape(counting, counting.params(), { range: [1, -1] })).rejects.toThrow(
      /from < to/,
    );
    await expect(lossLandscape(counting, counting.params(), { dims: 1 })).rejects.toThrow(
      /normalization 'none'/,
    );
    await expect(
      lossLandscape(counting, counting.params(), { dims: 1, directions: [[1, 0, 0]] }),
    ).rejects.toThrow(/length 3/);
    await expect(
      lossLandscape(counting, counting.params(), { dims: 1, directions: [[0, 0]] }),
    ).rejects.toThrow(/zero/);
    expect(calls).toBe(0);
  });

  it('works on a core-wasm network objective without data-set specific code', async () => {
    const net = await Network.create(
      { inputShape: [2], layers: [{ type: 'dense', units: 2 }], loss: 'softmax-cross-entropy' },
      { precision: 'f64' },
    );
    net.initParams(0);
    net.setData([0, 1, 1, 0], [0, 1]);
    const r = await lossLandscape(networkObjective(net), net.params, { dims: 1, steps: 3 });
    expect(r.loss.every(Number.isFinite)).toBe(true);
  });
});
