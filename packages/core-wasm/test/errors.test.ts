import { describe, expect, it } from 'vitest';
import { Network, PacgenError, type NetworkSpec } from '../src/index.js';
import { makeNetwork } from './helpers.js';

const mlp: NetworkSpec = {
  inputShape: [3],
  layers: [
    { type: 'dense', units: 4, activation: 'relu' },
    { type: 'dense', units: 2 },
  ],
  loss: 'softmax-cross-entropy',
};

async function rejects(spec: unknown, message: RegExp) {
  await expect(Network.create(spec as NetworkSpec)).rejects.toThrow(message);
  await expect(Network.create(spec as NetworkSpec)).rejects.toBeInstanceOf(PacgenError);
}

describe('bad network specs', () => {
  it('dense on an image input', () =>
    rejects(
      { inputShape: [4, 4, 1], layers: [{ type: 'dense', units: 2 }], loss: 'mse' },
      /needs a flat input.*add a flatten layer/,
    ));
  it('conv on a flat input', () =>
    rejects(
      { inputShape: [16], layers: [{ type: 'conv2d', filters: 1, kernelSize: 3 }], loss: 'mse' },
      /needs an image input/,
    ));
  it('a kernel larger than the image', () =>
    rejects(
      {
        inputShape: [2, 2, 1],
        layers: [{ type: 'conv2d', filters: 1, kernelSize: 3 }],
        loss: 'mse',
      },
      /does not fit the 2x2 input/,
    ));
  it('an unknown layer, activation or loss', async () => {
    await rejects(
      { inputShape: [2], layers: [{ type: 'lstm' }], loss: 'mse' },
      /unsupported layer type 'lstm'/,
    );
    await rejects(
      { inputShape: [2], layers: [{ type: 'dense', units: 2, activation: 'swish' }], loss: 'mse' },
      /unknown activation 'swish'/,
    );
    await rejects(
      { inputShape: [2], layers: [{ type: 'dense', units: 2 }], loss: 'hinge' },
      /unknown loss 'hinge'/,
    );
  });
  it('non-integer sizes, bad dropout rate, misplaced softmax, bad tie', async () => {
    await rejects(
      { inputShape: [2], layers: [{ type: 'dense', units: 2.5 }], loss: 'mse' },
      /units must be a positive integer/,
    );
    await rejects(
      {
        inputShape: [2],
        layers: [
          { type: 'dropout', rate: 1 },
          { type: 'dense', units: 2 },
        ],
        loss: 'mse',
      },
      /rate must be in \[0, 1\)/,
    );
    await rejects(
      {
        inputShape: [2],
        layers: [
          { type: 'dense', units: 2, activation: 'softmax' },
          { type: 'dense', units: 2 },
        ],
        loss: 'mse',
      },
      /softmax is only supported as the last layer/,
    );
    await rejects(
      {
        inputShape: [2],
        layers: [
          { type: 'dense', units: 2, name: 'a' },
          { type: 'dense', units: 3, tie: 'a' },
        ],
        loss: 'mse',
      },
      /cannot tie to 'a': parameter shapes differ/,
    );
  });
});

describe('bad values', () => {
  it('a parameter vector of the wrong length', async () => {
    const net = await makeNetwork(mlp, 4);
    expect(() => net.setParams(new Float64Array(3))).toThrow(
      /length 3, the network has 26 parameters/,
    );
    expect(() => net.hvp(new Float64Array(5))).toThrow(/direction has length 5/);
  });
  it('labels out of range or not integers', async () => {
    const net = await makeNetwork(mlp, 4);
    expect(() => net.setData(new Float64Array(6), [0, 2])).toThrow(
      /label 2 of sample 1 is outside the 2 classes/,
    );
    expect(() => net.setData(new Float64Array(6), [0, 0.5])).toThrow(/label 0.5/);
    expect(() => net.setData(new Float64Array(6), [0])).toThrow(/2 samples need 2 targets/);
    expect(() => net.setData(new Float64Array(7), [0, 1])).toThrow(
      /not a whole number of samples of size 3/,
    );
  });
  it('NaN in the input or the parameters, never a silent NaN', async () => {
    const net = await makeNetwork(mlp, 4);
    expect(() => net.setData([0, 1, NaN, 0, 0, 0], [0, 1])).toThrow(
      /input value NaN at sample 0, feature 2 is not finite/,
    );
    const other = await makeNetwork(mlp, 4);
    other.params[5] = Infinity;
    expect(() => other.gradient()).toThrow(
      /parameters contain a non-finite value at index 5 \(tensor 'dense_0\/kernel'\)/,
    );
  });
  it('the first non-finite parameter is named wherever it lies (checked by vectors)', async () => {
    for (const precision of ['f32', 'f64'] as const) {
      const net = await makeNetwork(mlp, 4, { precision });
      const last = net.numParams - 1;
      net.params[last] = NaN;
      expect(() => net.gradient()).toThrow(`non-finite value at index ${last} `);
      net.params[9] = NaN;
      net.params[7] = -Infinity;
      expect(() => net.gradient()).toThrow(/non-finite value at index 7 /);
    }
  });
  it('sample selections outside the data', async () => {
    const net = await makeNetwork(mlp, 4);
    expect(() => net.gradient({ samples: [0, 4] })).toThrow(
      /sample index 4 is outside the data set of 4 samples/,
    );
    expect(() => net.evaluate({ samples: { start: 2, count: 3 } })).toThrow(
      /does not fit the data set of 4 samples/,
    );
    const empty = await Network.create(mlp);
    expect(() => empty.evaluate()).toThrow(/no data: call setData/);
  });
  it('the instance keeps working after an error', async () => {
    const net = await makeNetwork(mlp, 4);
    expect(() => net.setData(new Float64Array(6), [0, 9])).toThrow();
    expect(Number.isFinite(net.evaluate().loss)).toBe(true);
  });
});
