// Bad ONNX input: each is one clear PacgenError naming the file, the node or tensor and the
// problem, raised before anything large is allocated.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { PacgenError } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { onnxToModel } from '../src/models/onnx-import.js';
import { init, onnxBytes, type NodeDef } from './onnx-helpers.js';

const { onnx } = onnxProto;
const CONV = readFileSync(join(import.meta.dirname, 'fixtures', 'onnx', 'conv-op17.onnx'));

function refuses(bytes: Uint8Array, ...patterns: RegExp[]) {
  let err: unknown;
  try {
    onnxToModel(bytes, { file: 'm.onnx' });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PacgenError);
  const message = (err as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  expect(message.startsWith('m.onnx: ')).toBe(true);
  for (const re of patterns) expect(message).toMatch(re);
}

const gemm = (x: string, out: string, w = 'W', b = 'B'): NodeDef => ({
  op: 'Gemm',
  inputs: [x, w, b],
  outputs: [out],
  int: { transB: 1 },
});
const W = init('W', [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
const B = init('B', [2], [0, 0]);

describe('bad ONNX files', () => {
  it('a truncated file, garbage, an empty graph', () => {
    for (const cut of [20, 200, CONV.length - 7]) refuses(CONV.subarray(0, cut), /truncated|not/);
    refuses(new Uint8Array(64).fill(0xff), /not a readable ONNX model|not an ONNX model/);
    refuses(new TextEncoder().encode('{"format": "layers-model"}'), /ONNX model/);
    refuses(new Uint8Array(2), /truncated: 2 bytes/);
  });

  it('an unsupported op names the op and the node and lists the supported ones', () => {
    const bytes = onnxBytes(
      [gemm('x', 'h'), { op: 'Elu', name: 'act/elu', inputs: ['h'], outputs: ['y'] }],
      [W, B],
      [4],
      'y',
    );
    refuses(bytes, /node act\/elu \(Elu\)/, /: operator not supported/, /Conv, Gemm, MatMul/);
  });

  it('an opset outside 13–18, external data, a wrong raw-data length, huge dims', () => {
    refuses(onnxBytes([gemm('x', 'y')], [W, B], [4], 'y', 11), /opset 11 is not supported \(13–18/);
    const external = onnx.TensorProto.create({
      name: 'W',
      dims: [2, 4],
      dataType: 1,
      dataLocation: 1,
      externalData: [{ key: 'location', value: 'weights.bin' }],
    });
    refuses(onnxBytes([gemm('x', 'y')], [external, B], [4], 'y'), /external file/);
    const short = onnx.TensorProto.create({
      name: 'W',
      dims: [2, 4],
      dataType: 1,
      rawData: new Uint8Array(31),
    });
    refuses(
      onnxBytes([gemm('x', 'y')], [short, B], [4], 'y'),
      /tensor W: dims \[2, 4\] of float need 32 bytes but the file holds 31/,
    );
    // 2^40 values announced in a few bytes: refused before any allocation.
    const huge = onnx.TensorProto.create({ name: 'W', dims: [2 ** 20, 2 ** 20], dataType: 1 });
    refuses(onnxBytes([gemm('x', 'y')], [huge, B], [4], 'y'), /more than 268435456/);
    const negative = onnx.TensorProto.create({ name: 'W', dims: [-1, 4], dataType: 1 });
    refuses(onnxBytes([gemm('x', 'y')], [negative, B], [4], 'y'), /not a tensor shape/);
  });

  it('a dangling input, a shape mismatch', () => {
    refuses(
      onnxBytes([gemm('nowhere', 'y')], [W, B], [4], 'y'),
      /input nowhere is not computed by an earlier node/,
    );
    refuses(
      onnxBytes([gemm('x', 'y')], [W, B], [5], 'y'),
      /weight W has shape \[2, 4\], expected \[2, 5\]/,
    );
  });

  it('the exact (erf) GELU, dilations, asymmetric pads, a non-flattening Reshape', () => {
    const c = (name: string, v: number) => init(name, [], [v]);
    const erfGelu: NodeDef[] = [
      gemm('x', 'h'),
      { op: 'Div', inputs: ['h', 'sqrt2'], outputs: ['a'] },
      { op: 'Erf', inputs: ['a'], outputs: ['b'] },
      { op: 'Add', inputs: ['b', 'one'], outputs: ['d'] },
      { op: 'Mul', inputs: ['h', 'd'], outputs: ['e'] },
      { op: 'Mul', inputs: ['e', 'half'], outputs: ['y'] },
    ];
    refuses(
      onnxBytes(erfGelu, [W, B, c('sqrt2', Math.SQRT2), c('one', 1), c('half', 0.5)], [4], 'y'),
      /exact \(erf\) GELU is not supported/,
      /approximate='tanh'/,
    );
    const K = init('K', [1, 1, 3, 3], new Array(9).fill(0.1));
    const conv = (attrs: Partial<NodeDef>): NodeDef => ({
      op: 'Conv',
      inputs: ['x', 'K'],
      outputs: ['y'],
      ...attrs,
    });
    refuses(
      onnxBytes([conv({ ints: { dilations: [2, 2] } })], [K], [1, 8, 8], 'y'),
      /dilations \[2, 2\] are not supported/,
    );
    refuses(
      onnxBytes([conv({ ints: { pads: [1, 0, 0, 0] } })], [K], [1, 8, 8], 'y'),
      /pads \[1, 0, 0, 0\] are not supported/,
    );
    const shape = onnx.TensorProto.create({
      name: 'S',
      dims: [3],
      dataType: 7,
      int64Data: [-1, 2, 8],
    });
    refuses(
      onnxBytes([{ op: 'Reshape', inputs: ['x', 'S'], outputs: ['y'] }], [shape], [1, 4, 4], 'y'),
      /Reshape to \[-1, 2, 8\] is not supported/,
    );
  });

  it('an initializer read by two layers (torch stores equal tensors once) is two parameters, the second exported as name@node', () => {
    const W2 = init('W2', [2, 2], [1, 2, 3, 4]);
    const B2 = init('B', [2], [0.5, -0.5]);
    const m = onnxToModel(
      onnxBytes([gemm('x', 'h'), gemm('h', 'y', 'W2', 'B')], [W, B2, W2], [4], 'y'),
    );
    expect(m.onnx.mappings.map((t) => `${t.tensor} ${t.onnx}`)).toEqual([
      'dense/kernel W',
      'dense/bias B',
      'dense_1/kernel W2',
      'dense_1/bias B@n1',
    ]);
    // Both biases hold the initializer's values; the network has 8 + 2 + 4 + 2 parameters.
    expect(Array.from(m.params.subarray(8, 10))).toEqual([0.5, -0.5]);
    expect(Array.from(m.params.subarray(14))).toEqual([0.5, -0.5]);
  });
});
