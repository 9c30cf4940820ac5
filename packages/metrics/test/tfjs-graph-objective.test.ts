// The TF.js objective on a ResNet from the presets' builder (stem, one basic block per stage,
// 1×1 strided projections, BatchNorm in inference mode on given running statistics; small
// widths so TF.js cpu takes a second): the same loss and gradient as core-wasm f32 at the same
// parameters and buffers. Its functional model lists layers by depth, not in the spec's order.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { networkObjective } from '../src/objective/network.js';
import { tfjsObjective } from '../src/tfjs/objective.js';
import { resnetProblem } from './tfjs-helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('tfjsObjective on a graph with BatchNorm', () => {
  it('a ResNet: loss and gradient as core-wasm f32, at the given running statistics', async () => {
    const { spec, x, y, params, buffers, net } = await resnetProblem(4);
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

  it('on wasm, a strided 3×3 filter gradient is refused (its kernel gets it wrong)', async () => {
    const { spec, x, y, params, buffers } = await resnetProblem(4);
    const obj = await tfjsObjective({ spec, params, buffers, data: { x, y }, backend: 'wasm' });
    try {
      await expect(obj.gradient(params)).rejects.toThrow(
        /a strided 3×3 convolution's filter gradient is wrong on tfjs-backend-wasm/,
      );
    } finally {
      obj.dispose();
      await tf.setBackend('cpu');
    }
  });
});
