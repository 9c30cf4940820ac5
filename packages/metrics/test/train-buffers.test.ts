import { Network, type NetworkSpec } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import {
  memoryCheckpointStore,
  parseState,
  sgd,
  stringifyState,
  train,
  type TrainOptions,
} from '../src/entries/train.js';
import { networkObjective } from '../src/objective/network.js';
import { moons } from './helpers.js';

/** A residual MLP with batch norm: its running statistics are buffers, not parameters. */
const spec: NetworkSpec = {
  inputShape: [2],
  layers: [
    { type: 'dense', name: 'd1', units: 8 },
    { type: 'batchnorm', name: 'bn1' },
    { type: 'activation', name: 'r1', activation: 'relu' },
    { type: 'dense', name: 'd2', units: 8 },
    { type: 'batchnorm', name: 'bn2' },
    { type: 'add', inputs: ['bn2', 'r1'] },
    { type: 'activation', activation: 'relu' },
    { type: 'dense', units: 2 },
  ],
  loss: 'softmax-cross-entropy',
};
const data = { train: moons(160, 1, 'train', 0.15), test: moons(80, 2, 'test', 0.15) };
const options = (over: Partial<TrainOptions> = {}): TrainOptions => ({
  spec,
  data,
  optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }),
  epochs: 1,
  batchSize: 32,
  seed: 4,
  precision: 'f64',
  ...over,
});

describe('training a batch-norm network: buffers travel with the state', () => {
  it('one epoch moves the buffers; a checkpoint reloads to identical predictions', async () => {
    const store = memoryCheckpointStore();
    const r = await train(options({ checkpoint: store }));
    expect(r.buffers.length).toBe(32);
    // Five training steps moved the running statistics off their start (means 0, variances 1).
    expect(r.buffers.subarray(0, 8).some((m) => Math.abs(m) > 1e-3)).toBe(true);
    expect(r.network.numParams).toBe(2 * 8 + 8 + 16 + 8 * 8 + 8 + 16 + 8 * 2 + 2);
    const ck = parseState(store.text as string) as { params: Float64Array; buffers: Float64Array };
    expect(Array.from(ck.buffers)).toEqual(Array.from(r.buffers));
    const fresh = await Network.create(spec, { precision: 'f64' });
    fresh.setParams(ck.params);
    fresh.setBuffers(ck.buffers);
    const x = data.test.x.subarray(0, 40 * 2);
    expect(Array.from(fresh.predict(x))).toEqual(Array.from(r.network.predict(x)));
    // Without the buffers the same parameters predict otherwise.
    fresh.resetBuffers();
    expect(Array.from(fresh.predict(x))).not.toEqual(Array.from(r.network.predict(x)));
  });

  it('a resumed run continues bit-identically (buffers restored from the checkpoint)', async () => {
    const full = await train(options({ epochs: 3 }));
    const store = memoryCheckpointStore();
    await train(options({ epochs: 2, checkpoint: store }));
    const resumed = await train(options({ epochs: 3, checkpoint: store, resume: true }));
    expect(resumed.resumedFrom).toBe(2);
    expect(Array.from(resumed.params)).toEqual(Array.from(full.params));
    expect(Array.from(resumed.buffers)).toEqual(Array.from(full.buffers));
  });

  it('a checkpoint whose buffers are missing or damaged is refused', async () => {
    const store = memoryCheckpointStore();
    await train(options({ checkpoint: store }));
    const ck = parseState(store.text as string) as Record<string, unknown>;
    const broken = memoryCheckpointStore(stringifyState({ ...ck, buffers: undefined }));
    await expect(train(options({ epochs: 2, checkpoint: broken, resume: true }))).rejects.toThrow(
      /^checkpoint buffers are missing or have the wrong length \(the network has 32 buffer values\)$/,
    );
  });

  it('the objective scores at the buffers it was made with', async () => {
    const r = await train(options());
    const net = r.network;
    const obj = networkObjective(net, { samples: { start: 0, count: 160 } });
    const before = await obj.loss(r.params);
    net.resetBuffers();
    expect(await obj.loss(r.params)).toBe(before);
    expect(obj.numParams).toBe(net.numParams);
  });

  it("a run starts from given buffers (a loaded model's running statistics)", async () => {
    const r = await train(options());
    const again = await train(
      options({ initialParams: r.params, initialBuffers: r.buffers, evalEvery: 1 }),
    );
    // Epoch 0 evaluates before any step, in evaluation mode: at the given buffers.
    expect(again.history[0].trainLoss).toBe(r.history[r.history.length - 1].trainLoss);
  });
});
