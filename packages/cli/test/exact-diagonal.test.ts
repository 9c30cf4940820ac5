// The exact Hessian diagonal through the CLI against PyTorch f64 (issue 15): the residual
// BatchNorm network of metrics/test/fixtures/onnx/resnet-bn-f64.onnx, its 8 samples and
// torch.autograd's exact Hessian diagonal, loss and top eigenvalue
// (metrics/test/fixtures/onnx-resnet-bn.json, made by tools/fixtures/onnx_fixtures.py; no
// PyTorch needed here). The samples go in as float64 IDX files, read as stored.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chwToHwc } from '@pacgen/metrics/models';
import { writeIdx } from '@pacgen/metrics/data';
import { readSafetensorsFile } from '@pacgen/metrics/node';
import { afterAll, describe, expect, it } from 'vitest';
import { pacgen, tempDir } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'metrics', 'test', 'fixtures');
const MODEL = join(FIXTURES, 'onnx', 'resnet-bn-f64.onnx');

interface TorchReference {
  samples: number;
  inputShape: [number, number, number];
  x: string[];
  labels: number[];
  loss: string;
  topEigenvalue: string;
  tensors: { name: string; shape: number[]; hessianDiagonal: string[] }[];
}

const ref = JSON.parse(
  readFileSync(join(FIXTURES, 'onnx-resnet-bn.json'), 'utf8'),
) as TorchReference;
const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** The reference's samples as float64 IDX images [n, h, w, c] (NHWC) and uint8 labels. */
function idxData(): string {
  const [c, h, w] = ref.inputShape;
  const x = chwToHwc(Float64Array.from(ref.x, Number), ref.inputShape);
  writeFileSync(
    join(dir, 'x.idx'),
    writeIdx({ dtype: 'float64', shape: [ref.samples, h, w, c], data: x }),
  );
  writeFileSync(
    join(dir, 'y.idx'),
    writeIdx({ dtype: 'uint8', shape: [ref.samples], data: Uint8Array.from(ref.labels) }),
  );
  return `idx:${join(dir, 'x.idx')},${join(dir, 'y.idx')}`;
}

describe('pacgen score --diagonal exact --precision f64 equals PyTorch f64', () => {
  it('residual BatchNorm network: diagonal to 1e-6 of max|h|, loss and top eigenvalue to 1e-6', async () => {
    const data = idxData();
    const common = [MODEL, '--data', data, '--precision', 'f64', '--json', '--threads', '2'];
    const [score, spectrum] = await Promise.all([
      pacgen(['score', ...common, '--diagonal', 'exact', '--rho', '0', '--export', 'curv'], dir),
      pacgen(['spectrum', ...common, '--k', '1', '--no-trace', '--no-density'], dir),
    ]);
    expect(score.code, score.stderr).toBe(0);
    expect(spectrum.code, spectrum.stderr).toBe(0);
    const doc = JSON.parse(score.stdout);
    expect(doc.numSamples).toBe(ref.samples);
    expect(Math.abs(doc.trainLoss - Number(ref.loss)) / Number(ref.loss)).toBeLessThan(1e-6);
    const lambda = JSON.parse(spectrum.stdout).eigenvalues.values[0];
    const want = Number(ref.topEigenvalue);
    expect(Math.abs(lambda - want) / want).toBeLessThan(1e-6);

    // The export names and shapes h as the ONNX initializers (PyTorch's state_dict).
    const { tensors } = await readSafetensorsFile(join(dir, 'curv', 'curvature.safetensors'));
    const byName = new Map(tensors.map((t) => [t.name, t]));
    const scale = Math.max(
      ...ref.tensors.flatMap((t) => t.hessianDiagonal.map((v) => Math.abs(+v))),
    );
    let err = 0;
    for (const t of ref.tensors) {
      const ours = byName.get(`${t.name}.hessian_diagonal`);
      expect(ours?.shape, t.name).toEqual(t.shape);
      t.hessianDiagonal.forEach((v, i) => (err = Math.max(err, Math.abs(ours!.data[i] - +v))));
    }
    expect(err / scale).toBeLessThan(1e-6);
    expect(scale).toBeGreaterThan(0);
  });
});
