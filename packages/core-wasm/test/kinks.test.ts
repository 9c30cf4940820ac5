// The engine's kink counter (assembly/kinks.ts): during an HVP, the (sample, unit) pairs whose
// ReLU / leaky-ReLU side or max-pool argmax differs between w + t·v and w − t·v, checked
// against the same count worked out here from the pre-activations.

import { describe, expect, it } from 'vitest';
import { Network, Random, type KinkCount, type NetworkSpec } from '../src/index.js';

const N = 40;
const I = 3;
const H = 5;

/**
 * A 3→5→2 network with the hidden activation given, f64, seeded weights and data; with
 * `graph`, the activation sits in a graph (its input named, a side branch added to its output).
 */
async function hiddenLayerNet(
  activation: 'relu' | 'leaky-relu' | 'tanh',
  maxBatch = 7,
  graph = false,
) {
  const chain: NetworkSpec['layers'] = [
    { type: 'dense', name: 'h', units: H, activation },
    { type: 'dense', name: 'out', units: 2 },
  ];
  const dag: NetworkSpec['layers'] = [
    { type: 'dense', name: 'h', units: H },
    { type: 'dense', name: 'side', inputs: ['input'], units: H, activation: 'tanh' },
    { type: 'activation', name: 'a', inputs: ['h'], activation },
    { type: 'add', name: 'sum', inputs: ['a', 'side'] },
    { type: 'dense', name: 'out', units: 2 },
  ];
  const spec: NetworkSpec = {
    inputShape: [I],
    layers: graph ? dag : chain,
    loss: 'softmax-cross-entropy',
  };
  const net = await Network.create(spec, { precision: 'f64', maxBatch });
  net.initParams(3);
  const rng = new Random(4);
  const x = Float64Array.from({ length: N * I }, () => rng.normal());
  net.setData(
    x,
    Array.from({ length: N }, () => rng.int(2)),
  );
  return { net, x };
}

/** Hidden pre-activations z[b·H + j] = Σ_i x[b, i]·W[i, j] + bias[j] at the net's params. */
function preActivations(net: Network, x: Float64Array): Float64Array {
  const p = net.params;
  const [W, bias] = net.tensors;
  const z = new Float64Array(N * H);
  for (let b = 0; b < N; b++) {
    for (let j = 0; j < H; j++) {
      let s = p[bias.offset + j];
      for (let i = 0; i < I; i++) s += x[b * I + i] * p[W.offset + i * H + j];
      z[b * H + j] = s;
    }
  }
  return z;
}

/** A unit vector along hidden unit j's bias: moves z[·, j] of every sample by ±t. */
function biasDirection(net: Network, j: number): Float64Array {
  const v = new Float64Array(net.numParams);
  v[net.tensors[1].offset + j] = 1;
  return v;
}

/** Samples whose z[·, j] has a different side (z > 0) at z + t and z − t. */
function expectedCrossings(z: Float64Array, j: number, t: number): number {
  let n = 0;
  for (let b = 0; b < N; b++) if (z[b * H + j] + t > 0 !== z[b * H + j] - t > 0) n++;
  return n;
}

describe('kink crossings of an HVP (f64)', () => {
  it('ReLU and leaky ReLU: the samples whose pre-activation lies within the step of 0', async () => {
    for (const activation of ['relu', 'leaky-relu'] as const) {
      const { net, x } = await hiddenLayerNet(activation);
      const z = preActivations(net, x);
      const j = 2;
      const v = biasDirection(net, j);
      const seen: number[] = [];
      for (const t of [1e-3, 0.05, 0.3, 1]) {
        const kinks: KinkCount = {};
        net.hvp(v, { step: t, kinks });
        expect(kinks.crossings).toBe(expectedCrossings(z, j, t));
        seen.push(kinks.crossings!);
        // Richardson also differences at 2t: both pairs are counted.
        const rich: KinkCount = {};
        net.hvp(v, { step: t, richardson: true, kinks: rich });
        expect(rich.crossings).toBe(expectedCrossings(z, j, t) + expectedCrossings(z, j, 2 * t));
      }
      // The seeded problem has kinks at these scales: the check above is not 0 = 0 throughout.
      expect(seen[0]).toBe(0);
      expect(seen[3]).toBeGreaterThan(3);
    }
  });

  it('a ReLU inside a graph (its input named, read beside a branch) counts the same', async () => {
    const { net, x } = await hiddenLayerNet('relu', 7, true);
    const z = preActivations(net, x);
    const v = biasDirection(net, 1);
    for (const t of [0.05, 0.3, 1]) {
      const kinks: KinkCount = {};
      net.hvp(v, { step: t, kinks });
      expect(kinks.crossings).toBe(expectedCrossings(z, 1, t));
    }
    expect(expectedCrossings(z, 1, 1)).toBeGreaterThan(3);
  });

  it('counts every unit a dense direction moves, over index lists and chunks alike', async () => {
    const { net, x } = await hiddenLayerNet('relu', 3);
    const v = new Random(9).rademacher(new Float64Array(net.numParams));
    const t = 0.05;
    const zAt = (sign: number) => {
      const w0 = Float64Array.from(net.params);
      net.setParams(w0.map((p, i) => p + sign * t * v[i]));
      const z = preActivations(net, x);
      net.setParams(w0);
      return z;
    };
    const [plus, minus] = [zAt(1), zAt(-1)];
    let expected = 0;
    for (let k = 0; k < N * H; k++) if (plus[k] > 0 !== minus[k] > 0) expected++;
    expect(expected).toBeGreaterThan(0);
    const kinks: KinkCount = {};
    net.hvp(v, { step: t, kinks });
    expect(kinks.crossings).toBe(expected);
    // Samples 0..N−1 as a shuffled index list: the same units, gathered chunk by chunk.
    const order = Array.from({ length: N }, (_, b) => (b * 7) % N);
    const listed: KinkCount = {};
    net.hvp(v, { step: t, kinks: listed, samples: order });
    expect(listed.crossings).toBe(expected);
  });

  it('a smooth network never crosses, at any step', async () => {
    const { net } = await hiddenLayerNet('tanh');
    const v = new Random(2).rademacher(new Float64Array(net.numParams));
    for (const t of [1e-6, 0.1, 10]) {
      const kinks: KinkCount = { crossings: -1 };
      net.hvp(v, { step: t, kinks });
      expect(kinks.crossings).toBe(0);
    }
  });

  it('max pooling: every window whose winner changes', async () => {
    // A 1×1 convolution with weight w ≈ 0 before a 2×2 max-pool: the pooled value is w·x + b,
    // so the winner is the window's largest x for w > 0 and its smallest for w < 0. Moving w
    // by ±t across 0 changes the winner of every window whose inputs are not all equal.
    const spec: NetworkSpec = {
      inputShape: [4, 4, 1],
      layers: [
        { type: 'conv2d', name: 'c', filters: 1, kernelSize: 1 },
        { type: 'maxpool2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 2 },
      ],
      loss: 'softmax-cross-entropy',
    };
    const net = await Network.create(spec, { precision: 'f64', maxBatch: 4 });
    net.initParams(1);
    const n = 9;
    const rng = new Random(5);
    // Sample 0 has a constant window (all inputs 1): its winner never changes.
    const x = Float64Array.from({ length: n * 16 }, (_, k) =>
      k < 16 && [0, 1, 4, 5].includes(k) ? 1 : rng.normal(),
    );
    net.setData(
      x,
      Array.from({ length: n }, () => rng.int(2)),
    );
    const kernel = net.tensors[0].offset;
    const p = Float64Array.from(net.params);
    p[kernel] = 1e-4;
    net.setParams(p);
    const v = new Float64Array(net.numParams);
    v[kernel] = 1;
    const below: KinkCount = {};
    net.hvp(v, { step: 5e-5, kinks: below }); // w ± t stays positive
    expect(below.crossings).toBe(0);
    const across: KinkCount = {};
    net.hvp(v, { step: 2e-4, kinks: across });
    expect(across.crossings).toBe(n * 4 - 1);
  });
});
