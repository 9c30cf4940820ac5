import { describe, expect, it } from 'vitest';
import { Network, type NetworkSpec } from '../src/index.js';
import { makeNetwork } from './helpers.js';

const spec: NetworkSpec = {
  inputShape: [8],
  layers: [
    { type: 'dense', units: 6, activation: 'tanh' },
    { type: 'dense', units: 3 },
  ],
  loss: 'softmax-cross-entropy',
};

describe('zero-copy views on engine memory', () => {
  it('params is a live view: writes reach the engine', async () => {
    const net = await makeNetwork(spec, 10);
    const before = net.evaluate().loss;
    net.params.fill(0); // all-zero weights: uniform softmax, loss = ln 3
    expect(net.evaluate().loss).toBeCloseTo(Math.log(3), 14);
    expect(before).not.toBeCloseTo(Math.log(3), 3);
  });

  it('views are re-made after memory grows, and old values survive', async () => {
    const net = await makeNetwork(spec, 10);
    const w = Float64Array.from(net.params);
    const g = Float64Array.from(net.gradient().grad);
    const buffer = net.engine.memory.buffer;
    // ~80 MB of data forces the module's memory to grow (detaching the old buffer).
    const n = 1_250_000;
    net.setData(new Float64Array(n * 8).fill(0.5), new Int32Array(n));
    expect(net.engine.memory.buffer).not.toBe(buffer);
    expect(buffer.byteLength).toBe(0); // the old buffer is detached
    expect(Array.from(net.params)).toEqual(Array.from(w));
    expect(net.numSamples).toBe(n);
    net.gradient({ samples: { start: 0, count: 10 } });
    expect(net.grad.length).toBe(g.length);
  });

  it('predict returns probabilities that sum to one', async () => {
    const net = await makeNetwork(spec, 10);
    const x = Array.from({ length: 5 * 8 }, (_, i) => Math.sin(i));
    const p = net.predict(x, { probabilities: true });
    const logits = net.predict(x);
    expect(p.length).toBe(15);
    for (let r = 0; r < 5; r++) {
      expect(p[3 * r] + p[3 * r + 1] + p[3 * r + 2]).toBeCloseTo(1, 14);
      expect(p[3 * r + 1] / p[3 * r]).toBeCloseTo(Math.exp(logits[3 * r + 1] - logits[3 * r]), 12);
    }
    // The same inputs as a data set: mean cross-entropy of label 0 equals −mean log p₀.
    net.setData(x, [0, 0, 0, 0, 0]);
    const expected = -[0, 1, 2, 3, 4].reduce((s, r) => s + Math.log(p[3 * r]), 0) / 5;
    expect(net.evaluate().loss).toBeCloseTo(expected, 12);
  });

  it('instances are independent', async () => {
    const a = await Network.create(spec, { precision: 'f64' });
    const b = await Network.create(spec, { precision: 'f64' });
    a.initParams(1);
    b.initParams(2);
    expect(a.params[0]).not.toBe(b.params[0]);
    expect(a.engine.memory).not.toBe(b.engine.memory);
  });
});
