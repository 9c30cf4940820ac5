// ONNX import: files exported by torch.onnx.export (tools/fixtures/onnx_fixtures.py, opsets 13
// and 17) give PyTorch's logits; hand-built files check the layout mapping and the errors.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Network, PacgenError, compileNetwork, type LayerSpec } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { chwToHwc } from '../src/entries/models.js';
import { onnxToModel, type OnnxModel } from '../src/models/onnx-import.js';
import { engineHas } from './onnx-helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const LOGITS = JSON.parse(readFileSync(join(FIXTURES, 'onnx-logits.json'), 'utf8')) as Record<
  string,
  { inputShape: number[]; x: string[]; logits: string[] }
>;

/** The logits of an imported model on PyTorch-ordered (NCHW) inputs, in f64. */
async function onnxLogits(model: OnnxModel, x: Float64Array, inputShape: number[]) {
  const net = await Network.create(model.spec, { precision: 'f64' });
  net.setParams(model.params);
  if (model.buffers) net.setBuffers(model.buffers);
  const input = inputShape.length === 3 ? chwToHwc(x, inputShape as [number, number, number]) : x;
  return Float64Array.from(net.predict(input));
}

/** Grouped conv lands when a 2-group conv's kernel holds half the values of a plain one. */
function engineHasGroups(): boolean {
  try {
    const c = compileNetwork({
      inputShape: [4, 4, 2],
      layers: [{ type: 'conv2d', filters: 2, kernelSize: 1, groups: 2 }],
      loss: 'mse',
    });
    return c.tensors[0].size === 2;
  } catch {
    return false;
  }
}

const BN: LayerSpec = { type: 'batchnorm' };
const ADD: LayerSpec = { type: 'add', inputs: ['input', 'input'] };
const CONCAT: LayerSpec = { type: 'concat', inputs: ['input', 'input'] };
const GAP: LayerSpec = { type: 'global-avgpool' };
/** The engine ops each fixture needs beyond the sequential ones (issue 15's engine work). */
const NEEDS: Record<string, [string, () => boolean][]> = {
  batchnorm: [['batchnorm', () => engineHas(BN)]],
  add: [
    ['batchnorm', () => engineHas(BN)],
    ['add', () => engineHas(ADD)],
  ],
  concat: [['concat', () => engineHas(CONCAT)]],
  'global-avgpool': [['global-avgpool', () => engineHas(GAP, [4, 4, 2])]],
  'reduce-mean': [['global-avgpool', () => engineHas(GAP, [4, 4, 2])]],
  'grouped-conv': [['grouped conv2d', engineHasGroups]],
};

describe('ONNX from torch.onnx.export: PyTorch f32 logits within 1e-5', () => {
  for (const [name, f] of Object.entries(LOGITS)) {
    const missing = (NEEDS[name] ?? []).filter(([, has]) => !has()).map(([op]) => op);
    for (const opset of [13, 17]) {
      const title = `${name}, opset ${opset}${missing.length ? ` (waits for the engine's ${missing.join(', ')})` : ''}`;
      it.runIf(missing.length === 0)(title, async () => {
        const file = join(FIXTURES, 'onnx', `${name}-op${opset}.onnx`);
        const model = onnxToModel(readFileSync(file), { file });
        const x = Float64Array.from(f.x, Number);
        const want = f.logits.map(Number);
        const got = await onnxLogits(model, x, f.inputShape);
        expect(got.length).toBe(want.length);
        const err = Math.max(...want.map((v, i) => Math.abs(got[i] - v)));
        expect(err).toBeLessThanOrEqual(1e-5);
      });
    }
  }

  it('the importer reads every fixture into a spec naming the ops it needs (no engine pass)', () => {
    // The parts that do not depend on the engine's new ops: each file parses and converts up
    // to compilation, or fails only because the engine lacks a layer type.
    for (const name of Object.keys(LOGITS)) {
      const file = join(FIXTURES, 'onnx', `${name}-op17.onnx`);
      try {
        onnxToModel(readFileSync(file), { file });
      } catch (e) {
        expect(e).toBeInstanceOf(PacgenError);
        expect((e as Error).message).toMatch(/unsupported layer type|does not fit the network/);
      }
    }
  });
});
