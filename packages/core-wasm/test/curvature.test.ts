import { describe, expect, it } from 'vitest';
import { Network, type NetworkSpec } from '../src/index.js';
import { explicitGgn, makeNetwork, relativeError } from './helpers.js';

/**
 * The exact Hessian diagonal of the mean loss by central differences of the engine's gradient
 * along each coordinate (f64), asserting that no ReLU / max-pool kink lies between w ± t·eᵢ.
 */
function exactDiagonal(net: Network, samples?: number[], t = 1e-5): Float64Array {
  const m = net.numParams;
  const e = new Float64Array(m);
  return Float64Array.from({ length: m }, (_, i) => {
    e[i] = 1;
    const kinks = { crossings: 0 };
    const h = net.hvp(e, { step: t, richardson: true, kinks, samples })[i];
    e[i] = 0;
    expect(kinks.crossings).toBe(0);
    return h;
  });
}

const reluCnn: NetworkSpec = {
  inputShape: [6, 6, 1],
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'relu' },
    { type: 'maxpool2d', poolSize: 2 },
    { type: 'conv2d', filters: 2, kernelSize: 2, padding: 'same', groups: 1 },
    { type: 'activation', activation: 'relu' },
    { type: 'flatten' },
    { type: 'dense', units: 4 },
  ],
  loss: 'softmax-cross-entropy',
};

const reluGraph: NetworkSpec = {
  inputShape: [4, 4, 2],
  layers: [
    { type: 'conv2d', name: 'c1', filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'conv2d', name: 'c2', filters: 2, kernelSize: 1, groups: 2 },
    { type: 'add', name: 'sum', inputs: ['c2', 'input'] },
    { type: 'avgpool2d', name: 'ap', poolSize: 2 },
    { type: 'flatten', name: 'f' },
    { type: 'dense', name: 'd', units: 3 },
    { type: 'global-avgpool', name: 'g', inputs: ['sum'] },
    { type: 'dense', name: 'e', units: 3 },
    { type: 'add', inputs: ['d', 'e'] },
  ],
  loss: 'softmax-cross-entropy',
};

describe('GGN diagonal (engine pass, f64)', () => {
  it('is the exact Hessian diagonal of a ReLU / max-pool CNN (away from kinks)', async () => {
    const net = await makeNetwork(reluCnn, 7, { maxBatch: 16 });
    const ggn = net.diagonal('ggn');
    const exact = exactDiagonal(net);
    expect(relativeError(ggn, exact)).toBeLessThan(1e-6);
  });

  it('is the exact Hessian diagonal of a ReLU graph (add, grouped conv, average pools)', async () => {
    const net = await makeNetwork(reluGraph, 5, { maxBatch: 8 });
    // An index list (with a repeat) exercises the gathered chunks.
    const samples = [4, 0, 2, 2];
    const ggn = net.diagonal('ggn', { samples });
    expect(relativeError(ggn, exactDiagonal(net, samples))).toBeLessThan(1e-6);
  });

  it('equals Jᵀ H J from full Jacobians on a tanh network, where it differs from the Hessian', async () => {
    const spec: NetworkSpec = {
      inputShape: [3],
      layers: [
        { type: 'dense', units: 4, activation: 'tanh' },
        { type: 'dense', units: 3, activation: 'sigmoid' },
        { type: 'dense', units: 3 },
      ],
      loss: 'softmax-cross-entropy',
    };
    const n = 5;
    const net = await Network.create(spec, { precision: 'f64', maxBatch: 4 });
    net.initParams(3);
    const x = Array.from({ length: n * 3 }, (_, k) => Math.sin(1.7 * k + 0.3) * 2);
    net.setData(x, [0, 2, 1, 1, 0]);
    const ggn = net.diagonal('ggn');
    expect(
      relativeError(
        ggn,
        explicitGgn(net, x).map((row, i) => row[i]),
      ),
    ).toBeLessThan(1e-7);
    expect(relativeError(ggn, exactDiagonal(net))).toBeGreaterThan(1e-3);
  });

  it('covers sigmoid BCE and mse outputs (vs the exact diagonal of a ReLU MLP)', async () => {
    for (const loss of ['sigmoid-bce', 'mse'] as const) {
      const spec: NetworkSpec = {
        inputShape: [5],
        layers: [
          { type: 'dense', units: 6, activation: 'relu' },
          { type: 'dense', units: 3 },
        ],
        loss,
      };
      const net = await makeNetwork(spec, 9, { maxBatch: 8 });
      // Sigmoid BCE is not piecewise quadratic in the logits, but its GGN is still exact for a
      // linear last layer of a ReLU net: the residual term is Σ ∂ℓ/∂z · ∂²z/∂w² = 0 there.
      expect(relativeError(net.diagonal('ggn'), exactDiagonal(net))).toBeLessThan(1e-6);
    }
  });

  it('agrees between f32 and f64 builds', async () => {
    const a = await makeNetwork(reluCnn, 40, { maxBatch: 64 });
    const b = await makeNetwork(reluCnn, 40, { maxBatch: 64, precision: 'f32' });
    b.setParams(a.params);
    expect(relativeError(b.diagonal('ggn'), a.diagonal('ggn'))).toBeLessThan(1e-4);
    expect(relativeError(b.diagonal('hesscale'), a.diagonal('hesscale'))).toBeLessThan(1e-4);
  });
});

describe('HesScale diagonal (engine pass, f64)', () => {
  it('is exact for a single linear layer under softmax CE, sigmoid BCE and mse', async () => {
    for (const loss of ['softmax-cross-entropy', 'sigmoid-bce', 'mse'] as const) {
      const spec: NetworkSpec = { inputShape: [6], layers: [{ type: 'dense', units: 4 }], loss };
      const net = await makeNetwork(spec, 11, { maxBatch: 4 });
      expect(relativeError(net.diagonal('hesscale'), exactDiagonal(net))).toBeLessThan(1e-7);
    }
  });

  it("is exact on a deep tanh network's last layer, approximate before it", async () => {
    const spec: NetworkSpec = {
      inputShape: [4],
      layers: [
        { type: 'dense', units: 5, activation: 'tanh' },
        { type: 'dense', units: 5, activation: 'gelu' },
        { type: 'dense', units: 3 },
      ],
      loss: 'softmax-cross-entropy',
    };
    const net = await makeNetwork(spec, 13, { maxBatch: 8 });
    const hs = net.diagonal('hesscale');
    const exact = exactDiagonal(net);
    const last = net.tensors.filter((t) => t.name.startsWith('dense_2'));
    const lo = Math.min(...last.map((t) => t.offset));
    expect(relativeError(hs.subarray(lo), exact.subarray(lo))).toBeLessThan(1e-7);
    const err = relativeError(hs.subarray(0, lo), exact.subarray(0, lo));
    expect(err).toBeGreaterThan(1e-4);
    expect(err).toBeLessThan(1);
  });
});

describe('curvature passes refuse what they do not cover', () => {
  it('batch norm and tied weights, with one line each', async () => {
    const bn = await makeNetwork(
      {
        inputShape: [3],
        layers: [
          { type: 'dense', units: 3 },
          { type: 'batchnorm', name: 'bn' },
        ],
        loss: 'softmax-cross-entropy',
      },
      4,
    );
    expect(() => bn.diagonal('ggn')).toThrow(/^not supported for GGN: batchnorm \(layer 'bn'\)$/);
    expect(() => bn.diagonal('hesscale')).toThrow(/not supported for HesScale: batchnorm/);
    const small = await makeNetwork(
      { inputShape: [3], layers: [{ type: 'dense', units: 10 }], loss: 'softmax-cross-entropy' },
      4,
      { maxBatch: 8 },
    );
    expect(() => small.diagonal('ggn')).toThrow(/needs maxBatch ≥ 10/);
    const tied = await makeNetwork(
      {
        inputShape: [3],
        layers: [
          { type: 'dense', name: 'a', units: 3 },
          { type: 'dense', units: 3, tie: 'a' },
        ],
        loss: 'softmax-cross-entropy',
      },
      4,
    );
    expect(() => tied.diagonal('hesscale')).toThrow(/not supported for HesScale: tied/);
  });
});
