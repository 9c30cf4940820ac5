import { Network, Random, type NetworkSpec } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { networkObjective, pacgenFromCurvature, type Objective } from '../src/index.js';

/** A seeded f64 network with a seeded data set (inputs scaled so the curvature is visible). */
async function makeNetwork(spec: NetworkSpec, n: number, seed: number): Promise<Network> {
  const net = await Network.create(spec, { precision: 'f64' });
  net.initParams(seed);
  const rng = new Random(seed + 100);
  // Random (non-zero) biases so that rescaling them is tested too.
  for (const t of net.tensors) {
    if (t.name.endsWith('/bias')) {
      for (let i = 0; i < t.size; i++) net.params[t.offset + i] = 0.5 * rng.normal();
    }
  }
  const c = net.compiled;
  const x = Array.from({ length: n * c.inputSize }, () => 3 * rng.normal());
  const y = Array.from({ length: n }, () => rng.int(c.outputSize));
  net.setData(x, y);
  return net;
}

/** Exact Hessian diagonal: [H e_i]_i by central differences of the analytic gradient. */
async function exactDiagonal(obj: Objective, w: Float64Array): Promise<Float64Array> {
  const h = new Float64Array(w.length);
  const e = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    e[i] = 1;
    h[i] = (await obj.hvp(w, e))[i];
    e[i] = 0;
  }
  return h;
}

/** w with layer `first` (kernel and bias) scaled by α and the kernel of `second` by 1/α. */
function rescale(net: Network, w: Float64Array, first: string, second: string, alpha: number) {
  const out = Float64Array.from(w);
  for (const t of net.tensors) {
    const s =
      t.name === `${first}/kernel` || t.name === `${first}/bias`
        ? alpha
        : t.name === `${second}/kernel`
          ? 1 / alpha
          : 1;
    for (let i = t.offset; i < t.offset + t.size; i++) out[i] *= s;
  }
  return out;
}

describe('PACGen Ψ is invariant to ReLU rescaling (docs/method.md §2, ε → 0, ρ = 0)', () => {
  const specs: [string, NetworkSpec][] = [
    [
      'bias-free',
      {
        inputShape: [4],
        layers: [
          { type: 'dense', name: 'd1', units: 6, activation: 'relu', useBias: false },
          { type: 'dense', name: 'd2', units: 5, activation: 'relu', useBias: false },
          { type: 'dense', name: 'd3', units: 3, useBias: false },
        ],
        loss: 'softmax-cross-entropy',
      },
    ],
    [
      'with biases',
      {
        inputShape: [4],
        layers: [
          { type: 'dense', name: 'd1', units: 6, activation: 'relu' },
          { type: 'dense', name: 'd2', units: 5, activation: 'relu' },
          { type: 'dense', name: 'd3', units: 3 },
        ],
        loss: 'softmax-cross-entropy',
      },
    ],
  ];
  for (const [what, spec] of specs) {
    it(`${what}: scaling d2 by α and d3 by 1/α`, async () => {
      const net = await makeNetwork(spec, 24, 7);
      const obj = networkObjective(net);
      const w = obj.params();
      const h = await exactDiagonal(obj, w);
      // h_i·w_i² is 1e-6…0.2 here: γ = 20 puts about half the coordinates on the curvature
      // branch (h_i·w_i² > 1/γ²), so both branches of Ψ are tested.
      const settings = {
        rho: 0,
        n: obj.numSamples,
        gamma: 20,
        epsilon: 1e-12,
        tensors: obj.tensors,
      };
      const base = pacgenFromCurvature({ w, h, ...settings });
      // Both branches are exercised, or the check would be about |w| alone.
      expect(base.curvatureFraction).toBeGreaterThan(0.1);
      expect(base.curvatureFraction).toBeLessThan(0.9);
      for (const alpha of [0.25, 3, 10]) {
        const w2 = rescale(net, w, 'd2', 'd3', alpha);
        expect(await obj.loss(w2)).toBeCloseTo(await obj.loss(w), 12);
        const h2 = await exactDiagonal(obj, w2);
        // The diagonal is not invariant: 1/α² on the scaled-up layer, α² on the other.
        for (const t of obj.tensors) {
          const f = t.name.startsWith('d2/')
            ? 1 / alpha ** 2
            : t.name === 'd3/kernel'
              ? alpha ** 2
              : 1;
          for (let i = t.offset; i < t.offset + t.size; i++) {
            if (Math.abs(h[i]) > 1e-8) expect(h2[i] / (f * h[i])).toBeCloseTo(1, 6);
          }
        }
        const scaled = pacgenFromCurvature({ w: w2, h: h2, ...settings });
        expect(Math.abs(scaled.psi - base.psi)).toBeLessThan(1e-6);
        // Term by term, so every tensor's Ψ is invariant too.
        scaled.perTensor!.forEach((t, k) =>
          expect(Math.abs(t.psi - base.perTensor![k].psi)).toBeLessThan(1e-7),
        );
      }
      // With the default ε = 0.1 the box does not scale with w: Ψ changes.
      const w3 = rescale(net, w, 'd2', 'd3', 10);
      const h3 = await exactDiagonal(obj, w3);
      const a = pacgenFromCurvature({ w, h, rho: 0, n: obj.numSamples });
      const b = pacgenFromCurvature({ w: w3, h: h3, rho: 0, n: obj.numSamples });
      expect(Math.abs(a.psi - b.psi)).toBeGreaterThan(0.1);
    });
  }
});
