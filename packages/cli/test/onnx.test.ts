// ONNX models in the CLI (issue 15): `score|spectrum|landscape model.onnx`, score's --export
// named and shaped as the ONNX initializers, and `pacgen export`. The same network is written
// both as ONNX (NCHW, OIHW kernels, PyTorch's [out, in] linear weights) and as a TF.js
// model.json (the engine's NHWC layout) and scored on the same samples: the ONNX export must be
// the TF.js one permuted, element for element.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random, compileNetwork, type NetworkSpec } from '@pacgen/core-wasm';
import { onnxToModel, toOnnx } from '@pacgen/metrics/onnx';
import { readSafetensorsFile, saveTfjsModel } from '@pacgen/metrics/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** conv 5×5 stride 3 on 28×28 → tanh → flatten (8×8×2) → dense 10. */
const SPEC: NetworkSpec = {
  inputShape: [28, 28, 1],
  loss: 'softmax-cross-entropy',
  layers: [
    { type: 'conv2d', name: 'conv', filters: 2, kernelSize: 5, strides: 3, activation: 'tanh' },
    { type: 'flatten', name: 'flat' },
    { type: 'dense', name: 'fc', units: 10 },
  ],
};
const SCORE = ['--data', 'mnist', '--samples', '32', '--diagonal', 'exact', '--precision', 'f64'];
const SCORE_ARGS = [...SCORE, '--rho', '0', '--train-size', '1000'];

beforeAll(async () => {
  const c = compileNetwork(SPEC);
  const r = new Random(3);
  const params = Float64Array.from({ length: c.numParams }, () => (r.uniform() - 0.5) * 0.3);
  // Both files hold float32 weights, so both networks compute the same numbers.
  writeFileSync(join(dir, 'm.onnx'), toOnnx(SPEC, params));
  await saveTfjsModel(join(dir, 'tfjs'), SPEC, params);
});

describe('ONNX in the CLI', () => {
  it('score --export: h and σ* named and shaped as the ONNX initializers, equal to the engine layout permuted', async () => {
    const a = await pacgen(['score', 'm.onnx', ...SCORE_ARGS, '--export', 'h-onnx'], dir);
    expect(a.code, a.stderr).toBe(0);
    const b = await pacgen(['score', 'tfjs', ...SCORE_ARGS, '--export', 'h-tfjs'], dir);
    expect(b.code, b.stderr).toBe(0);
    const onnx = (await readSafetensorsFile(join(dir, 'h-onnx', 'curvature.safetensors'))).tensors;
    const eng = (await readSafetensorsFile(join(dir, 'h-tfjs', 'curvature.safetensors'))).tensors;
    expect(onnx.map((t) => `${t.name} ${t.shape.join('x')}`)).toEqual([
      'conv.weight.hessian_diagonal 2x1x5x5',
      'conv.bias.hessian_diagonal 2',
      'fc.weight.hessian_diagonal 10x128',
      'fc.bias.hessian_diagonal 10',
      'conv.weight.sigma_star 2x1x5x5',
      'conv.bias.sigma_star 2',
      'fc.weight.sigma_star 10x128',
      'fc.bias.sigma_star 10',
    ]);
    const get = (ts: typeof onnx, n: string) => ts.find((t) => t.name === n)!.data;
    for (const what of ['hessian_diagonal', 'sigma_star']) {
      const ok = get(onnx, `conv.weight.${what}`);
      const ek = get(eng, `conv/kernel.${what}`);
      // ONNX [co, ci, y, x] is the engine's [y, x, ci, co].
      for (let co = 0; co < 2; co++)
        for (let y = 0; y < 5; y++)
          for (let x = 0; x < 5; x++)
            expect(ok[(co * 5 + y) * 5 + x]).toBe(ek[(y * 5 + x) * 2 + co]);
      const of = get(onnx, `fc.weight.${what}`);
      const ef = get(eng, `fc/kernel.${what}`);
      // ONNX [o, c·64 + h·8 + w] is the engine's [(h·8 + w)·2 + c, o].
      for (let c = 0; c < 2; c++)
        for (let hw = 0; hw < 64; hw++)
          for (let o = 0; o < 10; o++)
            expect(of[o * 128 + c * 64 + hw]).toBe(ef[(hw * 2 + c) * 10 + o]);
      expect(get(onnx, `fc.bias.${what}`)).toEqual(get(eng, `fc/bias.${what}`));
    }
    const meta = (await readSafetensorsFile(join(dir, 'h-onnx', 'curvature.safetensors'))).metadata;
    expect(meta).toMatchObject({ model: 'm.onnx', diagonal: 'exact', precision: 'f64' });
  });

  it('spectrum and landscape read .onnx', async () => {
    const s = await pacgen(
      ['spectrum', 'm.onnx', '--data', 'mnist', '--samples', '32', '--json'],
      dir,
    );
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).model).toBe('m.onnx');
    const l = await pacgen(
      ['landscape', 'm.onnx', '--data', 'mnist', '--samples', '32', '--grid', '3', '--out', 'land'],
      dir,
    );
    expect(l.code, l.stderr).toBe(0);
  });

  it('pacgen export writes model.onnx that reads back to the same network; refuses a folder it did not write', async () => {
    const r = await pacgen(['export', 'tfjs', '--out', 'exported', '--precision', 'f64'], dir);
    expect(r.code, r.stderr).toBe(0);
    const back = onnxToModel(readFileSync(join(dir, 'exported', 'model.onnx')));
    const again = onnxToModel(readFileSync(join(dir, 'm.onnx')));
    expect(Array.from(back.params)).toEqual(Array.from(again.params));
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'notes.txt'), 'mine');
    const refused = await pacgen(['export', 'tfjs', '--out', 'mine', '--force'], dir);
    expect(refused.code).toBe(1);
    expectOneLineError(refused);
    expect(readFileSync(join(dir, 'mine', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('a truncated .onnx: one clear error, exit 1', async () => {
    writeFileSync(join(dir, 'cut.onnx'), readFileSync(join(dir, 'm.onnx')).subarray(0, 100));
    const r = await pacgen(['score', 'cut.onnx', ...SCORE_ARGS], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/cut\.onnx: .*(truncated|not)/);
  });
});
