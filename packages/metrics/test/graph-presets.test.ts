import { Network, compileNetwork } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { presetByName } from '../src/models/presets.js';

describe('graph presets (batch norm, residual connections)', () => {
  it('have the published sizes: parameters, buffers, input shapes', () => {
    const size = (name: string) => {
      const c = compileNetwork(presetByName(name));
      return [c.numParams, c.numBuffers, c.inputShape.join('x')];
    };
    // ResNet-20 with 1×1 projections: 269,722 of option A + 2,752 (He et al. cite 0.27 M).
    expect(size('resnet20')).toEqual([272_474, 1_568, '32x32x3']);
    // Wide-ResNet-16-4: 2.7 M in Zagoruyko & Komodakis' table.
    expect(size('wrn-16-4')).toEqual([2_748_890, 3_616, '32x32x3']);
    expect(size('vgg-bn')).toEqual([584_170, 1_408, '32x32x3']);
    expect(size('resnet-mnist')).toEqual([77_754, 672, '28x28x1']);
    expect(compileNetwork(presetByName('resnet20', { numClasses: 100 })).outputSize).toBe(100);
  });

  it('resnet-mnist trains a step in training mode and evaluates on its buffers', async () => {
    const net = await Network.create(presetByName('resnet-mnist'), { maxBatch: 8 });
    net.initParams(1);
    const x = Float32Array.from({ length: 8 * 784 }, (_, i) => Math.sin(i * 0.37));
    net.setData(x, [0, 1, 2, 3, 4, 5, 6, 7]);
    const g = net.gradient({ training: true });
    expect(Number.isFinite(g.loss)).toBe(true);
    // One training pass moved every running mean off 0 by the momentum (0.1 × the batch mean).
    const b = net.getBuffers();
    const means = net.buffers.filter((t) => t.name.endsWith('/moving_mean'));
    expect(means).toHaveLength(9); // the stem, two per block, two projections
    for (const t of means)
      expect(b.subarray(t.offset, t.offset + t.size).some((v) => v !== 0)).toBe(true);
    expect(net.evaluate().loss).not.toBe(g.loss);
    // The liveness plan shares buffers: less than half of all outputs and gradients unshared.
    const c = net.compiled;
    const unshared = c.layers.reduce((s, l) => s + 2 * l.outSize, 0);
    expect(c.plan.perSample / unshared).toBeLessThan(0.5);
  });
});
