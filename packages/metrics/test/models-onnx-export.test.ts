// ONNX export: a graph network written by toOnnx and read back by the importer gives the same
// logits (f64 file: to rounding; f32 file: to f32 precision) and the same parameters, buffers
// and loss. onnxruntime cannot be installed here; the importer is checked against PyTorch's
// own files in models-onnx.test.ts.

import { Network, PacgenError, Random, compileNetwork, type NetworkSpec } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { onnxToModel } from '../src/models/onnx-import.js';
import { toOnnx } from '../src/models/onnx-write.js';

/** conv (same, stride 2) → BN → ReLU, a residual block, a concat branch, GAP, GELU, dense. */
const GRAPH: NetworkSpec = {
  inputShape: [7, 7, 3],
  loss: 'softmax-cross-entropy',
  layers: [
    { type: 'conv2d', name: 'stem', filters: 4, kernelSize: 3, strides: 2, padding: 'same' },
    { type: 'batchnorm', name: 'bn' },
    { type: 'activation', name: 'r', activation: 'relu' },
    { type: 'conv2d', name: 'c1', filters: 4, kernelSize: 3, padding: 1, useBias: false },
    { type: 'batchnorm', name: 'bn1', epsilon: 1e-3, momentum: 0.01 },
    { type: 'add', name: 'sum', inputs: ['bn1', 'r'] },
    { type: 'activation', name: 'lr', activation: 'leaky-relu', alpha: 0.1 },
    { type: 'conv2d', name: 'g', filters: 4, kernelSize: 1, groups: 2, inputs: ['lr'] },
    { type: 'concat', name: 'cat', inputs: ['lr', 'g'] },
    { type: 'maxpool2d', name: 'mp', poolSize: 2, strides: 1 },
    { type: 'global-avgpool', name: 'gap' },
    { type: 'dense', name: 'fc', units: 6, activation: 'gelu' },
    { type: 'dropout', name: 'drop', rate: 0.25 },
    { type: 'dense', name: 'out', units: 3 },
  ],
};

/** A chain whose first dense layer reads a flattened 3×3×2 map (the NCHW column order). */
const CHAIN: NetworkSpec = {
  inputShape: [6, 6, 2],
  loss: 'mse',
  layers: [
    { type: 'conv2d', filters: 2, kernelSize: 2, strides: 2, activation: 'tanh' },
    { type: 'avgpool2d', poolSize: 1 },
    { type: 'flatten' },
    { type: 'activation', activation: 'softplus' },
    { type: 'dense', units: 4, activation: 'sigmoid' },
    { type: 'dense', units: 2 },
  ],
};

function randomState(spec: NetworkSpec, seed: number) {
  const c = compileNetwork(spec);
  const r = new Random(seed);
  const params = Float64Array.from({ length: c.numParams }, () => r.uniform() - 0.5);
  // Variances in [0.5, 1.5], means in [−0.25, 0.25].
  const buffers = new Float64Array(c.numBuffers);
  for (const b of c.buffers) {
    for (let i = 0; i < b.size; i++) {
      buffers[b.offset + i] = b.name.endsWith('variance')
        ? 0.5 + r.uniform()
        : (r.uniform() - 0.5) / 2;
    }
  }
  const x = Float64Array.from({ length: 5 * c.inputSize }, () => r.uniform() * 2 - 1);
  return { params, buffers, x };
}

async function logits(
  spec: NetworkSpec,
  params: Float64Array,
  buffers: Float64Array | undefined,
  x: Float64Array,
) {
  const net = await Network.create(spec, { precision: 'f64' });
  net.setParams(params);
  if (buffers && buffers.length) net.setBuffers(buffers);
  return Float64Array.from(net.predict(x));
}

describe('toOnnx → onnxToModel round trip', () => {
  for (const [name, spec] of [
    ['graph (BN, residual add, grouped conv, concat, GAP, GELU, dropout)', GRAPH],
    ['chain (flatten of a feature map into dense, avgpool, softplus, sigmoid)', CHAIN],
  ] as const) {
    it(`${name}: f64 file gives the same parameters, buffers, loss and logits (≤ 1e-12)`, async () => {
      const { params, buffers, x } = randomState(spec, 15);
      const bytes = toOnnx(spec, params, { buffers, precision: 'f64' });
      const back = onnxToModel(bytes, { file: 'round-trip.onnx' });
      expect(back.spec.loss).toBe(spec.loss);
      expect(Array.from(back.params)).toEqual(Array.from(params));
      if (buffers.length) expect(Array.from(back.buffers!)).toEqual(Array.from(buffers));
      const want = await logits(spec, params, buffers, x);
      const got = await logits(back.spec, back.params, back.buffers, x);
      const err = Math.max(...want.map((v, i) => Math.abs(got[i] - v)));
      expect(err).toBeLessThanOrEqual(1e-12);
      // The initializers keep the layers' names, in PyTorch's style.
      const names = back.onnx.mappings.map((m) => m.onnx);
      if (spec === GRAPH) {
        expect(names).toEqual(expect.arrayContaining(['stem.weight', 'bn.running_var', 'fc.bias']));
      }
    });
  }

  it('an f32 file: parameters rounded to f32, logits within 1e-5', async () => {
    const { params, buffers, x } = randomState(GRAPH, 16);
    const back = onnxToModel(toOnnx(GRAPH, params, { buffers }));
    expect(Array.from(back.params)).toEqual(Array.from(params, Math.fround));
    const want = await logits(GRAPH, params, buffers, x);
    const got = await logits(back.spec, back.params, back.buffers, x);
    expect(Math.max(...want.map((v, i) => Math.abs(got[i] - v)))).toBeLessThanOrEqual(1e-5);
  });

  it('without buffers, writes the starting state: running means 0, running variances 1', async () => {
    const { params, x } = randomState(GRAPH, 17);
    const back = onnxToModel(toOnnx(GRAPH, params, { precision: 'f64' }));
    const c = compileNetwork(GRAPH);
    for (const b of c.buffers) {
      const v = Array.from(back.buffers!.subarray(b.offset, b.offset + b.size));
      expect(v).toEqual(new Array(b.size).fill(b.name.endsWith('variance') ? 1 : 0));
    }
    // The same logits as a freshly built network, whose buffers start in that state.
    const want = await logits(GRAPH, params, undefined, x);
    const got = await logits(back.spec, back.params, back.buffers, x);
    expect(Math.max(...want.map((v, i) => Math.abs(got[i] - v)))).toBeLessThanOrEqual(1e-12);
  });

  it('refuses what ONNX export does not cover yet, by layer', () => {
    const spec: NetworkSpec = {
      inputShape: [4],
      loss: 'mse',
      layers: [
        { type: 'layernorm', name: 'ln' },
        { type: 'dense', units: 2 },
      ],
    };
    const p = new Float64Array(compileNetwork(spec).numParams);
    expect(() => toOnnx(spec, p)).toThrow(PacgenError);
    expect(() => toOnnx(spec, p)).toThrow(/layer ln: layernorm cannot be written as ONNX/);
  });
});
