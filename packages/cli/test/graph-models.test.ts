// A residual BatchNorm network saved as a TF.js functional model (with its running statistics)
// is scored from the command line by both engines on the same samples: the same training loss,
// and a different one when the file holds the initial statistics instead (so the file's are
// the ones used).

import { join } from 'node:path';
import { Random, compileNetwork, type NetworkSpec } from '@pacgen/core-wasm';
import { saveTfjsModel } from '@pacgen/metrics/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const SPEC: NetworkSpec = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false },
    { type: 'batchnorm', name: 'bn0', epsilon: 1e-3 },
    { type: 'activation', activation: 'relu', name: 'stem' },
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same' },
    { type: 'batchnorm', name: 'bn1' },
    { type: 'add', inputs: ['bn1', 'stem'] },
    { type: 'activation', activation: 'relu' },
    { type: 'global-avgpool' },
    { type: 'dense', units: 10 },
  ],
  loss: 'softmax-cross-entropy',
};

const ARGS = ['--data', 'mnist', '--train-size', '300', '--samples', '32', '--json'];
const FAST = ['--diagonal', 'hutchinson', '--probes', '1', '--rho', '0'];

beforeAll(async () => {
  const compiled = compileNetwork(SPEC);
  const r = new Random(5);
  const params = Float64Array.from({ length: compiled.numParams }, () => 0.4 * r.normal());
  const buffers = new Float64Array(compiled.numBuffers);
  for (const b of compiled.buffers) {
    const variance = b.name.endsWith('/moving_variance');
    for (let i = 0; i < b.size; i++)
      buffers[b.offset + i] = variance ? 0.2 + r.uniform() : r.normal();
  }
  await saveTfjsModel(join(dir, 'trained'), SPEC, params, { buffers });
  await saveTfjsModel(join(dir, 'initial'), SPEC, params);
});

async function trainLoss(model: string, engine: string[]): Promise<number> {
  const r = await pacgen(['score', model, ...ARGS, ...FAST, ...engine], dir);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).trainLoss as number;
}

describe('pacgen score on a functional BatchNorm model', () => {
  it('core-wasm and tfjs agree, at the running statistics in the file', async () => {
    const wasm = await trainLoss('trained', ['--precision', 'f32']);
    const tfjs = await trainLoss('trained', ['--engine', 'tfjs', '--backend', 'cpu']);
    expect(Math.abs(wasm - tfjs) / wasm).toBeLessThan(1e-6);
    const initial = await trainLoss('initial', ['--precision', 'f32']);
    expect(Math.abs(initial - wasm) / wasm).toBeGreaterThan(1e-3);
  });
});
