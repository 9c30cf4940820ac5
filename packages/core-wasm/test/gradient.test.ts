import { describe, expect, it } from 'vitest';
import type { Activation, LayerSpec, NetworkSpec } from '../src/index.js';
import { makeNetwork, numericGradient, relativeError } from './helpers.js';

const smooth: Activation[] = ['sigmoid', 'tanh', 'softplus', 'gelu'];
const kinked: Activation[] = ['relu', 'leaky-relu'];

const mlp = (activation: Activation, loss: NetworkSpec['loss'], out = 3): NetworkSpec => ({
  inputShape: [5],
  layers: [
    { type: 'dense', units: 6, activation },
    { type: 'dense', units: 4, activation },
    { type: 'dense', units: out },
  ],
  loss,
});

const cnn = (activation: Activation, pool: 'maxpool2d' | 'avgpool2d'): NetworkSpec => ({
  inputShape: [7, 6, 2],
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation },
    { type: pool, poolSize: 2 },
    { type: 'conv2d', filters: 4, kernelSize: [2, 3], strides: [1, 2], activation },
    { type: 'flatten' },
    { type: 'dense', units: 3 },
  ],
  loss: 'softmax-cross-entropy',
});

async function gradientError(spec: NetworkSpec, n = 9, maxBatch = 4): Promise<number> {
  const net = await makeNetwork(spec, n, { maxBatch });
  const g = Float64Array.from(net.gradient().grad);
  return relativeError(g, numericGradient(net));
}

describe('gradient against f64 central differences', () => {
  for (const act of smooth) {
    it(`dense + ${act}, softmax cross-entropy`, async () => {
      expect(await gradientError(mlp(act, 'softmax-cross-entropy'))).toBeLessThan(1e-6);
    });
  }
  it('sigmoid BCE on a sigmoid output (fused)', async () => {
    const spec = mlp('tanh', 'sigmoid-bce', 2);
    spec.layers.push({ type: 'activation', activation: 'sigmoid' });
    expect(await gradientError(spec)).toBeLessThan(1e-6);
  });
  it('mean squared error', async () => {
    expect(await gradientError(mlp('softplus', 'mse', 2))).toBeLessThan(1e-6);
  });
  for (const act of kinked) {
    // Away from kinks these are piecewise linear: the difference quotient is exact up to rounding.
    it(`dense + ${act}`, async () => {
      expect(await gradientError(mlp(act, 'softmax-cross-entropy'))).toBeLessThan(1e-6);
    });
  }
  it('conv2d (same, strided) + avgpool + tanh', async () => {
    expect(await gradientError(cnn('tanh', 'avgpool2d'))).toBeLessThan(1e-6);
  });
  it('conv2d + maxpool + sigmoid', async () => {
    expect(await gradientError(cnn('sigmoid', 'maxpool2d'))).toBeLessThan(1e-6);
  });
  it('conv2d + maxpool + relu', async () => {
    expect(await gradientError(cnn('relu', 'maxpool2d'))).toBeLessThan(1e-6);
  });
  it('explicit padding and no bias', async () => {
    const layers: LayerSpec[] = [
      { type: 'conv2d', filters: 2, kernelSize: 3, padding: 1, useBias: false, activation: 'gelu' },
      { type: 'flatten' },
      { type: 'dense', units: 2, useBias: false },
    ];
    const spec: NetworkSpec = { inputShape: [4, 4, 1], layers, loss: 'softmax-cross-entropy' };
    expect(await gradientError(spec)).toBeLessThan(1e-6);
  });
  it('dropout in evaluation mode is the identity', async () => {
    const spec = mlp('tanh', 'softmax-cross-entropy');
    spec.layers.splice(1, 0, { type: 'dropout', rate: 0.5 });
    expect(await gradientError(spec)).toBeLessThan(1e-6);
  });
});

describe('max pooling routes the gradient to the first of equal maxima', () => {
  // A 1 × 1 conv (2 channels to 6, all weights 1) makes pixels (0, 0) and (0, 1) tie at 1 in every
  // channel while their inputs differ ((1, 0) and (0, 1)), so the kernel gradient shows which one
  // won: only input channel 0's weights get a gradient when the first pixel wins. 6 channels: one
  // vector and two scalars in the f32 builds, which take channels 4 at a time.
  it.each([
    ['f64', 'plain'],
    ['f32', 'plain'],
    ['f32', 'fma'],
  ] as const)('%s, %s build', async (precision, kernels) => {
    const spec: NetworkSpec = {
      inputShape: [2, 2, 2],
      layers: [
        { type: 'conv2d', filters: 6, kernelSize: 1, useBias: false },
        { type: 'maxpool2d', poolSize: 2 },
        { type: 'flatten' },
      ],
      loss: 'mse',
    };
    const net = await makeNetwork(spec, 1, { precision, kernels });
    net.params.fill(1);
    net.setData([1, 0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]);
    const g = net.gradient().grad;
    for (let co = 0; co < 6; co++) {
      expect(g[co]).toBeGreaterThan(0); // kernel [1, 1, 2, 6]: input channel 0
      expect(g[6 + co]).toBe(0); // input channel 1
    }
  });
});

describe('training-mode dropout', () => {
  const spec: NetworkSpec = {
    inputShape: [6],
    layers: [
      { type: 'dense', units: 16, activation: 'tanh' },
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 3 },
    ],
    loss: 'softmax-cross-entropy',
  };
  it('is seeded, differs across seeds and does not depend on chunking', async () => {
    const a = await makeNetwork(spec, 20, { maxBatch: 3 });
    const b = await makeNetwork(spec, 20, { maxBatch: 64 });
    const ga = Float64Array.from(a.gradient({ training: true, seed: 7 }).grad);
    const gb = Float64Array.from(b.gradient({ training: true, seed: 7 }).grad);
    const gc = Float64Array.from(b.gradient({ training: true, seed: 8 }).grad);
    const ge = Float64Array.from(b.gradient().grad);
    expect(relativeError(ga, gb)).toBeLessThan(1e-13);
    expect(relativeError(gc, gb)).toBeGreaterThan(1e-3);
    expect(relativeError(ge, gb)).toBeGreaterThan(1e-3);
  });
  it('keeps about 1 − rate of the units, scaled by 1/(1 − rate)', async () => {
    const s: NetworkSpec = {
      inputShape: [400],
      layers: [
        { type: 'dropout', rate: 0.3 },
        { type: 'dense', units: 1, useBias: false },
      ],
      loss: 'mse',
    };
    const net = await makeNetwork(s, 50);
    net.params.fill(1);
    // dL/dw_j sums x_j·mask_j·residual; with all-ones weights, count kept units instead:
    const x = new Float64Array(400).fill(1);
    net.setData(x, [0]);
    const { loss } = net.evaluate({ training: true, seed: 3 });
    // output = Σ mask_j = kept/(1 − rate); loss = output².
    const kept = Math.sqrt(loss) * 0.7;
    expect(Number.isInteger(Math.round(kept))).toBe(true);
    expect(Math.abs(kept - Math.round(kept))).toBeLessThan(1e-9);
    expect(kept / 400).toBeGreaterThan(0.62);
    expect(kept / 400).toBeLessThan(0.78);
  });
});

describe('chunking and sample selection', () => {
  const spec = cnn('tanh', 'maxpool2d');
  it('gives the same gradient for any maxBatch (f64)', async () => {
    const a = await makeNetwork(spec, 23, { maxBatch: 5 });
    const b = await makeNetwork(spec, 23, { maxBatch: 256 });
    expect(relativeError(a.gradient().grad, b.gradient().grad)).toBeLessThan(1e-13);
    expect(a.evaluate().loss).toBeCloseTo(b.evaluate().loss, 13);
  });
  it('ranges and index lists select the same samples', async () => {
    const net = await makeNetwork(spec, 23, { maxBatch: 4 });
    const r = Float64Array.from(net.gradient({ samples: { start: 5, count: 9 } }).grad);
    const idx = Array.from({ length: 9 }, (_, i) => 13 - i); // reversed order
    const l = Float64Array.from(net.gradient({ samples: idx }).grad);
    expect(relativeError(l, r)).toBeLessThan(1e-13);
  });
});

describe('f32 build agrees with f64 to f32 precision', () => {
  for (const spec of [mlp('tanh', 'softmax-cross-entropy'), cnn('relu', 'maxpool2d')]) {
    it(spec.layers[0].type, async () => {
      const a = await makeNetwork(spec, 32);
      const b = await makeNetwork(spec, 32, { precision: 'f32' });
      b.setParams(a.params); // identical weights (rounded to f32)
      const ga = a.gradient();
      const gb = b.gradient();
      expect(Math.abs(ga.loss - gb.loss) / ga.loss).toBeLessThan(1e-6);
      expect(relativeError(gb.grad, ga.grad)).toBeLessThan(1e-5);
    });
  }
});
