// The TF.js objective on a ResNet from the presets' builder (stem, one basic block per stage,
// 1×1 strided projections, BatchNorm in inference mode on given running statistics; small
// widths so TF.js cpu takes a second): the same loss and gradient as core-wasm f32 at the same
// parameters and buffers. Its functional model lists layers by depth, not in the spec's order.

import { Network, Random } from '@pacgen/core-wasm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { resnet } from '../src/models/graph-presets.js';
import { networkObjective } from '../src/objective/network.js';
import { tfjsObjective } from '../src/tfjs/objective.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('tfjsObjective on a graph with BatchNorm', () => {
  it('a ResNet: loss and gradient as core-wasm f32, at the given running statistics', async () => {
    const spec = resnet({ blocks: 1, widths: [4, 8, 8], inputShape: [12, 12, 1], numClasses: 5 });
    const n = 6;
    const r = new Random(4);
    const x = Float32Array.from({ length: n * 144 }, () => r.uniform());
    const y = Int32Array.from({ length: n }, (_, i) => i % 5);
    const net = await Network.create(spec, { precision: 'f32', maxBatch: n });
    const params = Float64Array.from(net.initParams(3));
    const buffers = net.getBuffers();
    for (const b of net.buffers) {
      const variance = b.name.endsWith('/moving_variance');
      for (let i = b.offset; i < b.offset + b.size; i++)
        buffers[i] = variance ? 0.5 + r.uniform() : 0.2 * (2 * r.uniform() - 1);
    }
    net.setParams(params);
    net.setBuffers(buffers);
    net.setData(x, y);
    const wasm = await networkObjective(net).gradient(params);
    const obj = await tfjsObjective({ spec, params, buffers, data: { x, y } });
    const t = await obj.gradient(params);
    // At the initial statistics the loss differs: the buffers are the ones used.
    const initial = await tfjsObjective({ spec, params, data: { x, y } });
    const atInitial = await initial.loss(params);
    obj.dispose();
    initial.dispose();
    expect(Math.abs(t.loss - wasm.loss) / wasm.loss).toBeLessThan(1e-6);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < params.length; i++) {
      diff = Math.max(diff, Math.abs(t.grad[i] - wasm.grad[i]));
      scale = Math.max(scale, Math.abs(wasm.grad[i]));
    }
    expect(diff / scale).toBeLessThan(1e-5);
    expect(Math.abs(atInitial - wasm.loss) / wasm.loss).toBeGreaterThan(1e-3);
  });
});
