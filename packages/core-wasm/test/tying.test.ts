import { describe, expect, it } from 'vitest';
import { Network, type LayerSpec, type NetworkSpec } from '../src/index.js';
import { makeNetwork, numericGradient, relativeError } from './helpers.js';

describe('parameter tying', () => {
  it('a layer reusing another layer’s parameters: one tensor, summed gradient', async () => {
    const spec: NetworkSpec = {
      inputShape: [4],
      layers: [
        { type: 'dense', units: 4, activation: 'tanh', name: 'a' },
        { type: 'dense', units: 4, activation: 'tanh', tie: 'a' },
        { type: 'dense', units: 2 },
      ],
      loss: 'softmax-cross-entropy',
    };
    const net = await makeNetwork(spec, 10);
    expect(net.numParams).toBe(4 * 4 + 4 + 4 * 2 + 2);
    expect(net.tensors.map((t) => t.name)).toEqual([
      'a/kernel',
      'a/bias',
      'dense_2/kernel',
      'dense_2/bias',
    ]);
    expect(relativeError(net.gradient().grad, numericGradient(net))).toBeLessThan(1e-6);
  });

  it('free-form sharing: the paper’s two-parameter, five-layer toy network', async () => {
    // Hidden layers h ← sigmoid(W h), W = [[w1, w2], [w2, w1]]; output sigmoid(w1·h1 + w2·h2).
    const hidden: LayerSpec[] = Array.from({ length: 4 }, () => [
      { type: 'dense', units: 2, useBias: false } as LayerSpec,
      { type: 'activation', activation: 'sigmoid' } as LayerSpec,
    ]).flat();
    const spec: NetworkSpec = {
      inputShape: [2],
      layers: [
        ...hidden,
        { type: 'dense', units: 1, useBias: false },
        { type: 'activation', activation: 'sigmoid' },
      ],
      loss: 'sigmoid-bce',
      shared: {
        tensors: [{ name: 'w', shape: [2] }],
        map: [...Array(4).fill([0, 1, 1, 0]).flat(), 0, 1],
      },
    };
    const net = await Network.create(spec, { precision: 'f64' });
    expect(net.numParams).toBe(2);
    const w1 = 0.7,
      w2 = -1.3;
    net.setParams([w1, w2]);
    const xs = [0.3, -0.4, 1.2, 0.5, -2, 0.1];
    net.setData(xs, [1, 0, 1]);
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    let loss = 0;
    for (let s = 0; s < 3; s++) {
      let h = [xs[2 * s], xs[2 * s + 1]];
      for (let l = 0; l < 4; l++) h = [sig(w1 * h[0] + w2 * h[1]), sig(w2 * h[0] + w1 * h[1])];
      const p = sig(w1 * h[0] + w2 * h[1]);
      const y = [1, 0, 1][s];
      loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    }
    expect(net.evaluate().loss).toBeCloseTo(loss / 3, 14);
    const probs = net.predict(xs, { probabilities: true });
    expect(probs.length).toBe(3);
    expect(relativeError(net.gradient().grad, numericGradient(net))).toBeLessThan(1e-7);
  });
});
