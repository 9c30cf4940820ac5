import { describe, expect, it } from 'vitest';
import {
  compileNetwork,
  Network,
  PacgenError,
  Random,
  type LayerSpec,
  type NetworkSpec,
} from '../src/index.js';
import { makeNetwork, numericGradient, relativeError } from './helpers.js';

/** Buffers away from their initial values, so that inference-mode batch norm does something. */
function randomBuffers(net: Network, seed: number): void {
  const rng = new Random(seed);
  const b = new Float64Array(net.numBuffers);
  for (const t of net.buffers) {
    const variance = t.name.endsWith('/moving_variance');
    for (let i = 0; i < t.size; i++)
      b[t.offset + i] = variance ? 0.5 + rng.uniform() : rng.normal();
  }
  net.setBuffers(b);
}

/** Parameters away from their initial values (γ = 1, β = 0 would hide errors in their gradients). */
function jitter(net: Network, seed: number): void {
  const rng = new Random(seed);
  const p = net.params;
  for (let i = 0; i < p.length; i++) p[i] += 0.3 * rng.normal();
}

async function gradientError(spec: NetworkSpec, training = false, n = 7): Promise<number> {
  const net = await makeNetwork(spec, n, { maxBatch: 8 });
  jitter(net, 5);
  randomBuffers(net, 6);
  const g = Float64Array.from(net.gradient({ training }).grad);
  return relativeError(g, numericGradient(net, 1e-6, training));
}

const image = (layers: LayerSpec[], inputShape = [5, 4, 4]): NetworkSpec => ({
  inputShape,
  layers: [...layers, { type: 'flatten' }, { type: 'dense', units: 3 }],
  loss: 'softmax-cross-entropy',
});

/** A residual block: conv-BN-ReLU-conv-BN, plus a 1×1 projection of the input, ReLU. */
const residual: NetworkSpec = {
  inputShape: [6, 6, 2],
  layers: [
    { type: 'conv2d', name: 'c1', filters: 4, kernelSize: 3, padding: 'same', useBias: false },
    { type: 'batchnorm', name: 'bn1' },
    { type: 'activation', name: 'r1', activation: 'tanh' },
    { type: 'conv2d', name: 'c2', filters: 4, kernelSize: 3, padding: 'same', useBias: false },
    { type: 'batchnorm', name: 'bn2' },
    { type: 'conv2d', name: 'proj', inputs: ['input'], filters: 4, kernelSize: 1 },
    { type: 'add', name: 'sum', inputs: ['bn2', 'proj'] },
    { type: 'activation', activation: 'softplus' },
    { type: 'global-avgpool' },
    { type: 'dense', units: 3 },
  ],
  loss: 'softmax-cross-entropy',
};

describe('graph ops: gradient against f64 central differences', () => {
  it('a residual block with batch norm (inference mode) and global average pooling', async () => {
    expect(await gradientError(residual)).toBeLessThan(1e-6);
  });
  it('the same block in training mode (batch statistics)', async () => {
    expect(await gradientError(residual, true)).toBeLessThan(1e-6);
  });
  it('add of a node read three times (gradients summed over consumers)', async () => {
    const spec: NetworkSpec = {
      inputShape: [4],
      layers: [
        { type: 'dense', name: 'a', units: 5, activation: 'tanh' },
        { type: 'dense', name: 'b', units: 5 },
        { type: 'add', inputs: ['a', 'b', 'a'] },
        { type: 'dense', name: 'c', units: 5, inputs: ['a'], activation: 'sigmoid' },
        { type: 'add', inputs: ['c', 'add_2'] },
        { type: 'dense', units: 3 },
      ],
      loss: 'softmax-cross-entropy',
    };
    expect(await gradientError(spec)).toBeLessThan(1e-6);
  });
  it('concat along channels, of the input and two branches', async () => {
    const spec = image([
      { type: 'conv2d', name: 'a', filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh' },
      { type: 'conv2d', name: 'b', inputs: ['input'], filters: 3, kernelSize: 1 },
      { type: 'concat', inputs: ['a', 'input', 'b'] },
      { type: 'conv2d', filters: 2, kernelSize: 2 },
    ]);
    expect(await gradientError(spec)).toBeLessThan(1e-6);
  });
  it('grouped and depthwise conv2d (strided, padded)', async () => {
    const spec = image([
      { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 1, groups: 2 },
      { type: 'activation', activation: 'gelu' },
      { type: 'conv2d', filters: 12, kernelSize: [2, 3], padding: 'same', groups: 6 },
    ]);
    expect(await gradientError(spec)).toBeLessThan(1e-6);
  });
  it('layer norm, identity and reshape', async () => {
    const spec: NetworkSpec = {
      inputShape: [3, 4],
      layers: [
        { type: 'layernorm', epsilon: 1e-3 },
        { type: 'identity' },
        { type: 'reshape', targetShape: [2, -1] },
        { type: 'layernorm' },
        { type: 'flatten' },
        { type: 'dense', units: 3, activation: 'tanh' },
        { type: 'dense', units: 2 },
      ],
      loss: 'mse',
    };
    expect(await gradientError(spec)).toBeLessThan(1e-6);
  });
  it('batch norm on a flat input, without γ or β, in both modes', async () => {
    const spec: NetworkSpec = {
      inputShape: [5],
      layers: [
        { type: 'dense', units: 4 },
        { type: 'batchnorm', scale: false, momentum: 0.3 },
        { type: 'activation', activation: 'tanh' },
        { type: 'batchnorm', center: false },
        { type: 'dense', units: 3 },
      ],
      loss: 'softmax-cross-entropy',
    };
    expect(await gradientError(spec)).toBeLessThan(1e-6);
    expect(await gradientError(spec, true)).toBeLessThan(1e-6);
  });
});

describe('batch norm semantics', () => {
  const flat: NetworkSpec = {
    inputShape: [2, 3],
    layers: [{ type: 'batchnorm', name: 'bn', momentum: 0.25, epsilon: 1e-3 }],
    loss: 'mse',
  };
  const x = Array.from({ length: 5 * 6 }, (_, k) => Math.sin(1.7 * k) * (1 + (k % 3)));
  /** Per channel c (the last axis): the values of the 5 samples × 2 rows. */
  const channel = (c: number) => x.filter((_, k) => k % 3 === c);
  const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const sq = (v: number[]) => v.reduce((s, a) => s + (a - mean(v)) ** 2, 0);

  it('training mode: batch statistics, buffers moved by the momentum (unbiased variance)', async () => {
    const net = await Network.create(flat, { precision: 'f64' });
    net.initParams();
    expect(net.buffers.map((b) => [b.name, b.shape])).toEqual([
      ['bn/moving_mean', [3]],
      ['bn/moving_variance', [3]],
    ]);
    expect(Array.from(net.getBuffers())).toEqual([0, 0, 0, 1, 1, 1]);
    expect(net.tensors.map((t) => t.name)).toEqual(['bn/gamma', 'bn/beta']);
    expect(net.numParams).toBe(6);
    const g = [1.5, -0.5, 2];
    const b = [0.1, 0.2, -0.3];
    net.setParams([...g, ...b]);
    // Targets equal to the training-mode outputs: the loss is exactly 0 only if they match.
    const y = x.map((v, k) => {
      const c = k % 3;
      return (g[c] * (v - mean(channel(c)))) / Math.sqrt(sq(channel(c)) / 10 + 1e-3) + b[c];
    });
    net.setData(x, y);
    expect(net.evaluate({ training: true }).loss).toBeLessThan(1e-28);
    const buf = net.getBuffers();
    for (let c = 0; c < 3; c++) {
      expect(buf[c]).toBeCloseTo(0.25 * mean(channel(c)), 15);
      expect(buf[3 + c]).toBeCloseTo(0.75 + (0.25 * sq(channel(c))) / 9, 15);
    }
    // Evaluation mode reads the buffers and leaves them alone.
    const before = Array.from(net.getBuffers());
    const p = net.predict(x.slice(0, 6));
    expect(p[4]).toBeCloseTo((g[1] * (x[4] - buf[1])) / Math.sqrt(buf[4] + 1e-3) + b[1], 14);
    net.evaluate();
    net.gradient();
    net.hvp(new Float64Array(6).fill(1));
    expect(Array.from(net.getBuffers())).toEqual(before);
  });

  it('buffers are checked, reset, and not parameters', async () => {
    const net = await makeNetwork(residual, 4);
    expect(net.numBuffers).toBe(16);
    expect(net.tensors.some((t) => t.name.includes('moving'))).toBe(false);
    expect(() => net.setBuffers([1, 2])).toThrow(/buffer vector has length 2, the network has 16/);
    const bad = new Float64Array(16).fill(1);
    bad[12] = -1;
    expect(() => net.setBuffers(bad)).toThrow(/index 12 \(tensor 'bn2\/moving_variance'\)/);
    bad[12] = NaN;
    expect(() => net.setBuffers(bad)).toThrow(PacgenError);
    net.gradient({ training: true });
    expect(Array.from(net.getBuffers())).not.toEqual(Array.from(bad.fill(0, 0, 4)));
    net.resetBuffers();
    expect(Array.from(net.getBuffers().subarray(4, 8))).toEqual([1, 1, 1, 1]);
  });
});

describe('graph ops: exact values', () => {
  it('grouped conv2d equals a full conv2d with a block-diagonal kernel', async () => {
    const spec = (groups: number): NetworkSpec => ({
      inputShape: [5, 5, 4],
      layers: [{ type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'same', groups }],
      loss: 'mse',
    });
    const grouped = await makeNetwork(spec(2), 3);
    const full = await Network.create(spec(1), { precision: 'f64' });
    expect(grouped.tensors[0].shape).toEqual([3, 3, 2, 6]);
    const w = new Float64Array(full.numParams);
    const gw = grouped.params;
    for (let k = 0; k < 9; k++) {
      for (let c = 0; c < 4; c++) {
        for (let o = 0; o < 6; o++) {
          // Group of input channel c: c < 2 → 0; of output o: o < 3 → 0.
          const same = Math.floor(c / 2) === Math.floor(o / 3);
          w[(k * 4 + c) * 6 + o] = same ? gw[(k * 2 + (c % 2)) * 6 + o] : 0;
        }
      }
    }
    w.set(gw.subarray(108), 216);
    full.setParams(w);
    const x = Array.from({ length: 2 * 100 }, (_, k) => Math.cos(k));
    // Equal up to summation order (the zeros of the full kernel add nothing).
    expect(relativeError(grouped.predict(x), full.predict(x))).toBeLessThan(1e-15);
  });

  it('concat, add, global average pooling and reshape give the values they define', async () => {
    const spec: NetworkSpec = {
      inputShape: [2, 1, 2],
      layers: [
        { type: 'reshape', name: 'r', targetShape: [1, 2, 2] },
        { type: 'concat', name: 'cat', inputs: ['r', 'r'] },
        { type: 'add', inputs: ['cat', 'cat'] },
        { type: 'global-avgpool' },
        { type: 'dense', units: 1, useBias: false },
      ],
      loss: 'mse',
    };
    const net = await Network.create(spec, { precision: 'f64' });
    net.setParams([1, 10, 100, 1000]);
    // Pixels (a, b), (c, d) → concat → (a, b, a, b), (c, d, c, d) → ×2 → mean: (a+c, b+d, a+c, b+d).
    const [a, b, c, d] = [1, 2, 3, 4];
    expect(Array.from(net.predict([a, b, c, d]))).toEqual([(a + c) * 101 + (b + d) * 1010]);
  });
});

describe('activation memory: the liveness plan', () => {
  it('a chain of dense layers shares buffers down to the lower bound', () => {
    const c = compileNetwork({
      inputShape: [4],
      layers: [
        { type: 'dense', units: 8 },
        { type: 'dense', units: 8 },
        { type: 'dense', units: 8 },
        { type: 'dense', units: 2 },
      ],
      loss: 'mse',
    });
    // At the backward step of the last layer, the three hidden outputs (read by the backward
    // passes of their consumers), the output gradient (2, padded to 4) and the gradient being
    // written are alive: 8 + 8 + 8 + 4 + 8 = 36 reals per sample, out of 56 unshared.
    expect(c.plan.perSample).toBe(36);
    expect(c.maxWidth).toBe(1); // no input gradient is ever added: no scratch
  });

  it('peak activation memory grows with the batch and is reported by the handle', async () => {
    const net = await Network.create(residual, { precision: 'f32', maxBatch: 16 });
    const one = net.peakActivationBytes(1);
    expect(net.peakActivationBytes()).toBe(net.peakActivationBytes(16));
    expect(net.peakActivationBytes(16)).toBeGreaterThan(8 * one);
    const c = net.compiled;
    const unshared = c.layers.reduce((s, l) => s + 2 * l.outSize, 0);
    expect(c.plan.perSample).toBeLessThan(unshared);
  });
});

describe('bad graphs: one clear error each', () => {
  const make = (layers: unknown[]) =>
    compileNetwork({ inputShape: [4], layers, loss: 'mse' } as NetworkSpec);
  const d = (name: string, inputs?: string[]) => ({ type: 'dense', units: 4, name, inputs });
  it('a cycle or a forward reference', () => {
    expect(() => make([d('a', ['b']), d('b', ['a'])])).toThrow(
      /^layer 'a' \('dense'\): input 'b' is not an earlier layer \(a cycle or a forward reference/,
    );
    expect(() => make([d('a', ['a'])])).toThrow(/input 'a' is not an earlier layer/);
  });
  it('a dangling input', () => {
    expect(() => make([d('a'), d('b', ['nope'])])).toThrow(
      /^layer 'b' \('dense'\): input 'nope' names no layer \(dangling\)$/,
    );
  });
  it('a duplicate name, a reserved name, an unused output', () => {
    expect(() => make([d('a'), d('a')])).toThrow(/^duplicate layer name 'a'$/);
    expect(() => make([d('input')])).toThrow(/the name 'input' is reserved/);
    expect(() => make([d('a'), d('b', ['input']), d('c')])).toThrow(
      /^layer 'a''s output is never used/,
    );
  });
  it('shape mismatch at an add or a concat', () => {
    expect(() =>
      make([d('a'), { type: 'dense', units: 3, name: 'b' }, { type: 'add', inputs: ['a', 'b'] }]),
    ).toThrow(
      /^layer 'add_2' \(add\): input 1 has shape \[3\] but input 0 has \[4\] \(add needs equal shapes\)$/,
    );
    expect(() =>
      compileNetwork({
        inputShape: [2, 2, 1],
        layers: [
          { type: 'maxpool2d', poolSize: 2, name: 'p' },
          { type: 'concat', inputs: ['input', 'p'] },
        ],
        loss: 'mse',
      }),
    ).toThrow(
      /input 1 has shape \[1, 1, 1\] but input 0 has \[2, 2, 1\] \(concat joins the last axis/,
    );
  });
  it('several inputs on a one-input layer, an unknown op, bad options', () => {
    expect(() => make([d('a'), d('b', ['a', 'input'])])).toThrow(
      /^layer 'b' \('dense'\) takes one input but names 2 \(only add and concat take several\)$/,
    );
    expect(() => make([{ type: 'einsum', name: 'e' }])).toThrow(
      /^unsupported layer type 'einsum' \(use dense, conv2d, .*batchnorm.*\)$/,
    );
    expect(() => make([{ type: 'batchnorm', momentum: 2 }])).toThrow(
      /momentum must be in \[0, 1\]/,
    );
    expect(() => make([{ type: 'reshape', targetShape: [3, -1] }])).toThrow(/cannot reshape \[4\]/);
    expect(() =>
      compileNetwork({
        inputShape: [3, 3, 3],
        layers: [{ type: 'conv2d', filters: 4, kernelSize: 1, groups: 2 }],
        loss: 'mse',
      }),
    ).toThrow(/groups 2 must divide the input channels \(3\) and the filters \(4\)/);
  });
});
