import { describe, expect, it } from 'vitest';
import { Random, type Network, type NetworkSpec } from '../src/index.js';
import { makeNetwork, relativeError } from './helpers.js';

/** Exact Hessian of the mean squared error of a linear layer y = xW + b (W is in×out). */
function linearMseHessian(x: Float64Array, n: number, I: number, O: number): Float64Array[] {
  // Parameter order: W row-major (i, o), then b (o). Only entries with equal o couple.
  const m = I * O + O;
  const H = Array.from({ length: m }, () => new Float64Array(m));
  const c = 2 / (n * O);
  const feature = (b: number, i: number) => (i < I ? x[b * I + i] : 1); // i = I is the bias "input"
  const index = (i: number, o: number) => (i < I ? i * O + o : I * O + o);
  for (let o = 0; o < O; o++) {
    for (let i = 0; i <= I; i++) {
      for (let j = 0; j <= I; j++) {
        let s = 0;
        for (let b = 0; b < n; b++) s += feature(b, i) * feature(b, j);
        H[index(i, o)][index(j, o)] = c * s;
      }
    }
  }
  return H;
}

const matVec = (H: Float64Array[], v: Float64Array) =>
  Float64Array.from(H, (row) => row.reduce((s, h, j) => s + h * v[j], 0));

/** Full Hessian by Richardson-extrapolated central differences of the analytic gradient (f64). */
function referenceHessian(net: Network, t = 1e-3): Float64Array[] {
  const p = net.params;
  const grad = (i: number, d: number) => {
    const o = p[i];
    p[i] = o + d;
    const g = Float64Array.from(net.gradient().grad);
    p[i] = o;
    return g;
  };
  const central = (i: number, d: number) => {
    const a = grad(i, d);
    const b = grad(i, -d);
    return a.map((x, k) => (x - b[k]) / (2 * d));
  };
  return Array.from({ length: net.numParams }, (_, i) => {
    // Two Richardson levels: error O(t⁶).
    const d1 = central(i, t),
      d2 = central(i, t / 2),
      d4 = central(i, t / 4);
    const r1 = d2.map((x, k) => (4 * x - d1[k]) / 3);
    const r2 = d4.map((x, k) => (4 * x - d2[k]) / 3);
    return r2.map((x, k) => (16 * x - r1[k]) / 15);
  });
}

function randomDirection(m: number, seed: number): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: m }, () => rng.normal());
}

describe('finite-difference Hessian-vector product (f64)', () => {
  it('matches the exact Hessian of a linear least-squares layer', async () => {
    const I = 4,
      O = 3,
      n = 11;
    const spec: NetworkSpec = {
      inputShape: [I],
      layers: [{ type: 'dense', units: O }],
      loss: 'mse',
    };
    const net = await makeNetwork(spec, n);
    const x = Float64Array.from({ length: n * I }, (_, k) => Math.cos(k * 0.7));
    net.setData(
      x,
      Array.from({ length: n * O }, (_, k) => Math.sin(k)),
    );
    const H = linearMseHessian(x, n, I, O);
    for (let s = 0; s < 3; s++) {
      const v = randomDirection(net.numParams, s);
      expect(relativeError(net.hvp(v), matVec(H, v))).toBeLessThan(1e-8);
    }
  });

  const spec: NetworkSpec = {
    inputShape: [4, 4, 1],
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 2, activation: 'tanh' },
      { type: 'flatten' },
      { type: 'dense', units: 5, activation: 'sigmoid' },
      { type: 'dense', units: 3 },
    ],
    loss: 'softmax-cross-entropy',
  };

  it('matches the full Hessian of a small tanh/sigmoid network', async () => {
    const net = await makeNetwork(spec, 12, { maxBatch: 5 });
    const H = referenceHessian(net);
    // The reference is symmetric to its own accuracy: a check that it is a Hessian.
    let asym = 0,
      scale = 0;
    H.forEach((row, i) =>
      row.forEach((h, j) => {
        asym = Math.max(asym, Math.abs(h - H[j][i]));
        scale = Math.max(scale, Math.abs(h));
      }),
    );
    expect(asym / scale).toBeLessThan(1e-9);
    for (let s = 0; s < 3; s++) {
      const v = randomDirection(net.numParams, 10 + s);
      const exact = matVec(H, v);
      expect(relativeError(net.hvp(v), exact)).toBeLessThan(1e-5);
      expect(relativeError(net.hvp(v, { richardson: true, step: 1e-3 / 4 }), exact)).toBeLessThan(
        1e-8,
      );
    }
  });

  it('is linear in v and uses the requested samples', async () => {
    const net = await makeNetwork(spec, 12);
    const v = randomDirection(net.numParams, 3);
    const hv = Float64Array.from(net.hvp(v));
    const h2v = Float64Array.from(net.hvp(v.map((x) => 2 * x)));
    expect(
      relativeError(
        h2v,
        hv.map((x) => 2 * x),
      ),
    ).toBeLessThan(1e-6);
    const part = Float64Array.from(net.hvp(v, { samples: { start: 0, count: 6 } }));
    const rest = Float64Array.from(net.hvp(v, { samples: { start: 6, count: 6 } }));
    expect(
      relativeError(
        part.map((x, i) => (x + rest[i]) / 2),
        hv,
      ),
    ).toBeLessThan(1e-6);
  });

  it('matches the full Hessian of a small residual graph with batch norm (inference mode)', async () => {
    const graph: NetworkSpec = {
      inputShape: [3, 3, 2],
      layers: [
        { type: 'conv2d', name: 'c', filters: 2, kernelSize: 2, padding: 'same' },
        { type: 'batchnorm', name: 'bn' },
        { type: 'activation', activation: 'tanh' },
        { type: 'add', inputs: ['activation_2', 'input'] },
        { type: 'global-avgpool' },
        { type: 'dense', units: 3 },
      ],
      loss: 'softmax-cross-entropy',
    };
    const net = await makeNetwork(graph, 10, { maxBatch: 4 });
    // Buffers and γ, β away from their initial values: the Hessian then couples them.
    net.setBuffers([0.1, -0.2, 0.7, 1.3]);
    const rng = new Random(8);
    for (let i = 0; i < net.numParams; i++) net.params[i] += 0.2 * rng.normal();
    const H = referenceHessian(net);
    for (let s = 0; s < 3; s++) {
      const v = randomDirection(net.numParams, 20 + s);
      const exact = matVec(H, v);
      expect(relativeError(net.hvp(v, { richardson: true, step: 1e-3 / 4 }), exact)).toBeLessThan(
        1e-8,
      );
    }
  });
});
