// Curvature of imported ONNX models against PyTorch float64 (tools/fixtures/onnx_fixtures.py):
// the exact Hessian diagonal over the same samples, compared in the ONNX initializers' names
// and layouts (the inverse of the importer's NCHW → NHWC permutations), the loss and the top
// eigenvalue. conv → tanh → linear runs on the sequential engine; the residual BatchNorm
// network waits for the engine's batchnorm and add (issue 15).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Network } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { hessianDiagonal, networkObjective, topEigenvalues } from '../src/index.js';
import { chwToHwc } from '../src/entries/models.js';
import { onnxToModel } from '../src/models/onnx-import.js';
import { toOnnxTensors } from '../src/models/onnx-layout.js';
import { engineHas } from './onnx-helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface HessianFixture {
  samples: number;
  inputShape: [number, number, number];
  x: string[];
  labels: number[];
  loss: string;
  topEigenvalue: string;
  parameters: number;
  minAbsPreActivation: string[];
  tensors: { name: string; shape: number[]; hessianDiagonal: string[] }[];
}

const read = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as HessianFixture;

/** Imports the model, and checks loss, diagonal (ONNX layout) and top eigenvalue. */
async function checkAgainstPytorch(onnxFile: string, f: HessianFixture) {
  const file = join(FIXTURES, 'onnx', onnxFile);
  const model = onnxToModel(readFileSync(file), { file });
  const net = await Network.create(model.spec, { precision: 'f64' });
  net.setParams(model.params);
  if (model.buffers) net.setBuffers(model.buffers);
  net.setData(chwToHwc(Float64Array.from(f.x, Number), f.inputShape), f.labels);
  const obj = networkObjective(net);
  const w = obj.params();
  expect(net.numParams).toBe(f.parameters);
  expect(Math.abs((await obj.loss(w)) - Number(f.loss))).toBeLessThan(1e-12);

  const d = await hessianDiagonal(obj, w, { method: 'exact' });
  const ours = toOnnxTensors(model.onnx.mappings, net.tensors, d.diagonal);
  expect(ours.map((t) => [t.name, t.shape])).toEqual(f.tensors.map((t) => [t.name, t.shape]));
  const scale = Math.max(...f.tensors.flatMap((t) => t.hessianDiagonal.map((v) => Math.abs(+v))));
  let err = 0;
  ours.forEach((t, k) =>
    t.data.forEach(
      (h, i) => (err = Math.max(err, Math.abs(h - Number(f.tensors[k].hessianDiagonal[i])))),
    ),
  );
  expect(err / scale).toBeLessThan(1e-6);

  const top = await topEigenvalues(obj, w, { k: 1 });
  const lambda = Number(f.topEigenvalue);
  expect(Math.abs(top.values[0] - lambda) / lambda).toBeLessThan(1e-6);
  return { err: err / scale, scale };
}

describe('curvature of an imported ONNX model equals PyTorch f64', () => {
  it('conv → tanh → linear: loss to 1e-12, the exact diagonal in OIHW / [out, in] layout to 1e-6 of max|h|, top eigenvalue to 1e-6', async () => {
    await checkAgainstPytorch('conv-tanh-f64.onnx', read('onnx-conv-tanh.json'));
  });

  const ready =
    engineHas({ type: 'batchnorm' }) && engineHas({ type: 'add', inputs: ['input', 'input'] });
  it.runIf(ready)(
    `residual BatchNorm network (eval mode, random running statistics)${ready ? '' : " (waits for the engine's batchnorm and add)"}: the same checks`,
    async () => {
      const f = read('onnx-resnet-bn.json');
      // The samples sit at least 2.6e-4 from every ReLU kink (the script measured it).
      expect(Math.min(...f.minAbsPreActivation.map(Number))).toBeGreaterThan(1e-4);
      await checkAgainstPytorch('resnet-bn-f64.onnx', f);
    },
  );
});
