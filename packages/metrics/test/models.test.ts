import { Network, PacgenError, compileNetwork } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import {
  PRESET_NAMES,
  cifarCnn,
  mlp,
  mnistCnn,
  presetByName,
  splitByTensors,
  toyNet,
} from '../src/entries/models.js';

describe('model presets', () => {
  it('mnist-cnn is the PyTorch example network: 21,840 parameters, 10 outputs', () => {
    const c = compileNetwork(mnistCnn());
    expect(c.numParams).toBe(21840);
    expect(c.inputShape).toEqual([28, 28, 1]);
    expect(c.outputSize).toBe(10);
    expect(c.tensors.map((t) => `${t.name}:${t.shape.join('x')}`)).toEqual([
      'conv1/kernel:5x5x1x10',
      'conv1/bias:10',
      'conv2/kernel:5x5x10x20',
      'conv2/bias:20',
      'fc1/kernel:320x50',
      'fc1/bias:50',
      'fc2/kernel:50x10',
      'fc2/bias:10',
    ]);
    expect(c.layers.filter((l) => l.type === 'dropout').map((l) => l.hyper)).toEqual([0.5, 0.5]);
  });

  it('cifar-cnn, mlp: sizes and options', () => {
    expect(compileNetwork(cifarCnn()).numParams).toBe(122570);
    expect(compileNetwork(cifarCnn({ numClasses: 100 })).outputSize).toBe(100);
    expect(compileNetwork(mlp()).numParams).toBe(784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
    const img = compileNetwork(mlp({ inputShape: [28, 28, 1], hidden: [32], activation: 'tanh' }));
    expect(img.layers.map((l) => l.type)).toEqual(['flatten', 'dense', 'activation', 'dense']);
    expect(img.numParams).toBe(784 * 32 + 32 + 32 * 10 + 10);
  });

  it('toy: two shared parameters, the forward pass of docs/reproduction.md §1', async () => {
    const net = await Network.create(toyNet(), { precision: 'f64' });
    expect(net.numParams).toBe(2);
    const [w1, w2] = [0.9, -0.4];
    net.setParams([w1, w2]);
    const x = [0.7, -1.1];
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    let h = x;
    for (let l = 0; l < 4; l++) h = [sig(w1 * h[0] + w2 * h[1]), sig(w2 * h[0] + w1 * h[1])];
    const p = sig(w1 * h[0] + w2 * h[1]);
    expect(net.predict(x, { probabilities: true })[0]).toBeCloseTo(p, 14);
    expect(compileNetwork(toyNet({ depth: 3 })).numWeights).toBe(2 * 4 + 2);
  });

  it('presetByName: every name builds; an unknown name lists the valid ones', () => {
    for (const name of PRESET_NAMES) expect(() => compileNetwork(presetByName(name))).not.toThrow();
    expect(presetByName('mlp', { hidden: [8], numClasses: 3 }).layers).toHaveLength(2);
    expect(() => presetByName('resnet50')).toThrow(PacgenError);
    expect(() => presetByName('resnet50')).toThrow(
      /unknown model preset 'resnet50' \(valid: mlp, mnist-cnn, cifar-cnn, toy, resnet20, resnet-mnist, wrn-16-4, vgg-bn\)/,
    );
  });

  it('splitByTensors names the pieces of a flat vector', () => {
    const c = compileNetwork(mlp({ inputShape: [3], hidden: [2], numClasses: 2 }));
    const v = Float64Array.from({ length: c.numParams }, (_, i) => i);
    const parts = splitByTensors(c.tensors, v);
    expect(parts.map((p) => p.name)).toEqual([
      'dense_1/kernel',
      'dense_1/bias',
      'dense_2/kernel',
      'dense_2/bias',
    ]);
    expect(Array.from(parts[1].data)).toEqual([6, 7]);
    expect(() => splitByTensors(c.tensors, new Float64Array(3))).toThrow(/length 3/);
  });
});
