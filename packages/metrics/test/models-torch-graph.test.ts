// A residual BatchNorm network from PyTorch (tools/fixtures/torch_graph_fixture.py): its
// state_dict as safetensors and a layer list whose layers name their inputs; the engine must
// give PyTorch's logits (computed in float64 from the float32 weights and inputs).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Network } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { loadTorchModel, readSafetensorsFile } from '../src/models/node.js';
import { chwToHwc, torchToModel } from '../src/models/torch.js';
import { fails } from './file-helpers.js';

const FIXTURES = join(__dirname, 'fixtures');
const WEIGHTS = join(FIXTURES, 'torch-resnet-bn.safetensors');
const ARCH = join(FIXTURES, 'torch-resnet-bn.json');

async function reference(name: string) {
  const r = JSON.parse(await readFile(join(FIXTURES, `${name}-logits.json`), 'utf8'));
  return { x: Float64Array.from(r.x as number[]), logits: r.logits as number[], shape: r.shape };
}

async function arch() {
  return JSON.parse(await readFile(ARCH, 'utf8'));
}

/** Largest |engine − PyTorch| over the fixture's logits. */
async function logitsDiff(name: string, precision: 'f32' | 'f64') {
  const model = await loadTorchModel(join(FIXTURES, `${name}.safetensors`));
  const { x, logits, shape } = await reference(name);
  const net = await Network.create(model.spec, { precision });
  net.setParams(model.params);
  net.setBuffers(model.buffers!);
  const out = net.predict(chwToHwc(x, shape.slice(1)));
  let diff = 0;
  for (let i = 0; i < logits.length; i++) diff = Math.max(diff, Math.abs(out[i] - logits[i]));
  return { model, diff };
}

describe('PyTorch safetensors with a graph description', () => {
  it.each(['f64', 'f32'] as const)(
    'a residual BatchNorm net gives PyTorch logits (%s)',
    async (p) => {
      const { model, diff } = await logitsDiff('torch-resnet-bn', p);
      const types = model.spec.layers.map((l) => l.type);
      expect(types.filter((t) => t === 'batchnorm')).toHaveLength(5);
      expect(types.filter((t) => t === 'add')).toHaveLength(2);
      // 5 BatchNorms over 4, 4, 4, 8, 8 channels: a mean and a variance each.
      expect(model.buffers?.length).toBe(2 * 28);
      expect(diff).toBeLessThan(p === 'f64' ? 1e-10 : 1e-5);
    },
  );

  it.each(['f64', 'f32'] as const)(
    'flatten → linear, BatchNorm1d and LayerNorm around a skip give PyTorch logits (%s)',
    async (p) => {
      const { model, diff } = await logitsDiff('torch-norm-graph', p);
      expect(model.spec.layers.map((l) => l.type)).toContain('layernorm');
      expect(diff).toBeLessThan(p === 'f64' ? 1e-10 : 1e-5);
    },
  );

  it('reads the running statistics as buffers, not parameters', async () => {
    const model = await loadTorchModel(WEIGHTS);
    const { tensors } = await readSafetensorsFile(WEIGHTS);
    const net = await Network.create(model.spec);
    const mean = net.buffers.find((b) => b.name.endsWith('/moving_mean'))!;
    const stored = tensors.find((t) => t.name === 'bn0.running_mean')!;
    expect(Array.from(model.buffers!.subarray(mean.offset, mean.offset + mean.size))).toEqual(
      Array.from(stored.data),
    );
    // Trainable: conv kernels, the dw and fc biases, and γ, β of every BatchNorm.
    const numel = (n: string) => tensors.find((t) => t.name === n)!.data.length;
    const trainable = tensors
      .filter((t) => !/running_|num_batches/.test(t.name))
      .reduce((a, t) => a + numel(t.name), 0);
    expect(model.params.length).toBe(trainable);
  });

  it('refuses a dangling input, an add of mismatched shapes, a missing buffer', async () => {
    const { tensors } = await readSafetensorsFile(WEIGHTS);
    const a = await arch();
    const dangling = structuredClone(a);
    dangling.layers[8].inputs = ['bn2', 'nowhere'];
    await fails(
      () => torchToModel(dangling, tensors, 'w', 'arch.json'),
      /arch\.json: layer 8 \(add\): input 'nowhere' names no earlier layer/,
    );
    const mismatch = structuredClone(a);
    mismatch.layers[8].inputs = ['bn2', 'input'];
    await fails(() => torchToModel(mismatch, tensors, 'w', 'arch.json'), /arch\.json/, /shape/);
    const noStats = tensors.filter((t) => t.name !== 'bn3.running_var');
    await fails(
      () => torchToModel(a, noStats, 'w.safetensors', 'arch.json'),
      /w\.safetensors: tensor 'bn3\.running_var' is missing/,
    );
  });
});
