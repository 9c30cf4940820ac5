import { describe, expect, it } from 'vitest';
import { Network, Random, type NetworkSpec } from '../src/index.js';
import { explicitGgn, makeNetwork, relativeError } from './helpers.js';

const smooth = (loss: NetworkSpec['loss']): NetworkSpec => ({
  inputShape: [3],
  layers: [
    { type: 'dense', units: 4, activation: 'tanh' },
    { type: 'dense', units: 3, activation: 'sigmoid' },
    { type: 'dense', units: 3 },
  ],
  loss,
});

/** A seeded smooth network on 5 fixed inputs, with its inputs. */
async function smoothNet(
  loss: NetworkSpec['loss'],
  maxBatch: number,
): Promise<{ net: Network; x: number[] }> {
  const net = await Network.create(smooth(loss), { precision: 'f64', maxBatch });
  net.initParams(3);
  const x = Array.from({ length: 15 }, (_, k) => Math.sin(1.7 * k + 0.3) * 2);
  const y =
    loss === 'softmax-cross-entropy'
      ? [0, 2, 1, 1, 0]
      : Array.from({ length: 15 }, (_, k) => (loss === 'mse' ? Math.cos(k) : (k % 3) / 2));
  net.setData(x, y);
  return { net, x };
}

function times(G: Float64Array[], v: ArrayLike<number>): Float64Array {
  return Float64Array.from(G, (row) => row.reduce((s, g, j) => s + g * v[j], 0));
}

describe('Gauss-Newton vector product (engine, f64)', () => {
  it('equals the explicit Jᵀ H J v for softmax CE, sigmoid BCE and mse, and differs from H v', async () => {
    for (const loss of ['softmax-cross-entropy', 'sigmoid-bce', 'mse'] as const) {
      // maxBatch 2 over 5 samples: three chunks, the last one short.
      const { net, x } = await smoothNet(loss, 2);
      const G = explicitGgn(net, x);
      const rng = new Random(7);
      const v = Float64Array.from({ length: net.numParams }, () => rng.normal());
      const ref = times(G, v);
      const gv = Float64Array.from(net.hvp(v, { gaussNewton: true }));
      expect(relativeError(gv, ref)).toBeLessThan(1e-7);
      const rich = Float64Array.from(net.hvp(v, { gaussNewton: true, richardson: true }));
      expect(relativeError(rich, ref)).toBeLessThan(1e-8);
      // The Hessian keeps the outputs' own curvature Σ ∂ℓ/∂z ∇²z: here it is not G.
      expect(relativeError(Float64Array.from(net.hvp(v)), ref)).toBeGreaterThan(1e-3);
    }
  });

  it('equals the explicit Jᵀ H J v on a ReLU / max-pool CNN over an index list, not H v (off-diagonal ∇²z)', async () => {
    const spec: NetworkSpec = {
      inputShape: [6, 6, 1],
      layers: [
        { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'relu' },
        { type: 'maxpool2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 4 },
      ],
      loss: 'softmax-cross-entropy',
    };
    const net = await makeNetwork(spec, 9, { maxBatch: 4 });
    const rng = new Random(3);
    const x = Array.from({ length: 9 * 36 }, () => rng.normal());
    net.setData(x, [0, 1, 2, 3, 0, 1, 2, 3, 0]);
    const v = Float64Array.from({ length: net.numParams }, () => rng.normal());
    const samples = [8, 1, 1, 4, 6, 0];
    const rows = samples.flatMap((s) => x.slice(s * 36, s * 36 + 36));
    const gk = { crossings: -1 };
    const gv = Float64Array.from(net.hvp(v, { samples, kinks: gk, gaussNewton: true }));
    expect(gk.crossings).toBe(0);
    const ref = times(explicitGgn(net, rows), v);
    expect(relativeError(gv, ref)).toBeLessThan(1e-6);
    // Their diagonals agree (∂²z/∂wᵢ² = 0 for piecewise-linear nets), the products do not: the
    // mixed terms ∂²z/∂wᵢ∂wⱼ across layers remain in H.
    expect(relativeError(Float64Array.from(net.hvp(v, { samples })), ref)).toBeGreaterThan(1e-2);
  });

  it('sums a tied weight over the layers that read it (explicit Jᵀ H J v)', async () => {
    const spec: NetworkSpec = {
      inputShape: [4],
      layers: [
        { type: 'dense', units: 4, activation: 'tanh', name: 'a' },
        { type: 'dense', units: 4, activation: 'tanh', tie: 'a' },
        { type: 'dense', units: 2 },
      ],
      loss: 'softmax-cross-entropy',
    };
    const net = await makeNetwork(spec, 6, { maxBatch: 4 });
    const rng = new Random(11);
    const x = Array.from({ length: 24 }, () => rng.normal());
    net.setData(x, [0, 1, 1, 0, 1, 0]);
    const v = Float64Array.from({ length: net.numParams }, () => rng.normal());
    const gv = Float64Array.from(net.hvp(v, { gaussNewton: true }));
    expect(relativeError(gv, times(explicitGgn(net, x), v))).toBeLessThan(1e-7);
  });

  it('counts the kinks its output difference crosses', async () => {
    const spec: NetworkSpec = {
      inputShape: [4],
      layers: [
        { type: 'dense', units: 16, activation: 'relu' },
        { type: 'dense', units: 3 },
      ],
      loss: 'softmax-cross-entropy',
    };
    const net = await makeNetwork(spec, 20, { maxBatch: 8 });
    const v = new Random(5).rademacher(new Float64Array(net.numParams));
    // A move of 0.5 per coordinate flips many ReLUs; the HVP along it sees the same units.
    const hk = { crossings: 0 };
    const gk = { crossings: 0 };
    net.hvp(v, { step: 0.5, kinks: hk });
    net.hvp(v, { step: 0.5, kinks: gk, gaussNewton: true });
    expect(gk.crossings).toBeGreaterThan(0);
    expect(gk.crossings).toBe(hk.crossings);
  });
});
