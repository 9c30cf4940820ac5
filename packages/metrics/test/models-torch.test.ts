// PyTorch weights as safetensors: the file is built here by hand, and the expected outputs
// are computed here in PyTorch's NCHW semantics, independently of the converter.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Network, Random, compileNetwork } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import {
  chwToHwc,
  mnistCnn,
  readSafetensors,
  torchToModel,
  writeSafetensors,
  type TorchArchitecture,
} from '../src/entries/models.js';
import { loadTorchModel, readSafetensorsFile, writeSafetensorsFile } from '../src/entries/node.js';
import { fails, useTempDir } from './file-helpers.js';

const tempDir = useTempDir('pacgen-torch-');

type T = { shape: number[]; data: Float64Array };

/** The safetensors layout, written out: u64 LE header length, JSON header, LE data. */
function safetensorsBytes(
  tensors: Record<string, T>,
  dtype: 'F32' | 'F64' = 'F32',
  header: (h: Record<string, unknown>) => void = () => undefined,
): Uint8Array {
  const size = dtype === 'F32' ? 4 : 8;
  const h: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const [name, t] of Object.entries(tensors)) {
    h[name] = { dtype, shape: t.shape, data_offsets: [off, off + t.data.length * size] };
    off += t.data.length * size;
  }
  header(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + json.length + off);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const t of Object.values(tensors)) {
    for (const v of t.data) {
      if (dtype === 'F32') view.setFloat32(o, v, true);
      else view.setFloat64(o, v, true);
      o += size;
    }
  }
  return out;
}

const rand = (r: Random, shape: number[], scale = 0.5): T => {
  const n = shape.reduce((a, b) => a * b, 1);
  // Values exact in f32, so an F32 file holds them unchanged.
  return {
    shape,
    data: Float64Array.from({ length: n }, () => Math.fround(scale * (2 * r.uniform() - 1))),
  };
};

// PyTorch semantics on one sample, NCHW, in plain f64 arithmetic.
type Map3 = { c: number; h: number; w: number; v: Float64Array };
function conv(x: Map3, w: T, b: T | null, stride: number, pad: number): Map3 {
  const [CO, CI, KH, KW] = w.shape;
  const H = Math.floor((x.h + 2 * pad - KH) / stride) + 1;
  const W = Math.floor((x.w + 2 * pad - KW) / stride) + 1;
  const v = new Float64Array(CO * H * W);
  for (let co = 0; co < CO; co++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        let s = b ? b.data[co] : 0;
        for (let ci = 0; ci < CI; ci++)
          for (let ky = 0; ky < KH; ky++)
            for (let kx = 0; kx < KW; kx++) {
              const y = i * stride + ky - pad;
              const xx = j * stride + kx - pad;
              if (y < 0 || xx < 0 || y >= x.h || xx >= x.w) continue;
              s += w.data[((co * CI + ci) * KH + ky) * KW + kx] * x.v[(ci * x.h + y) * x.w + xx];
            }
        v[(co * H + i) * W + j] = s;
      }
  return { c: CO, h: H, w: W, v };
}
function maxpool(x: Map3, k: number): Map3 {
  const H = Math.floor(x.h / k);
  const W = Math.floor(x.w / k);
  const v = new Float64Array(x.c * H * W).fill(-Infinity);
  for (let c = 0; c < x.c; c++)
    for (let i = 0; i < H * k; i++)
      for (let j = 0; j < W * k; j++) {
        const o = (c * H + Math.floor(i / k)) * W + Math.floor(j / k);
        v[o] = Math.max(v[o], x.v[(c * x.h + i) * x.w + j]);
      }
  return { c: x.c, h: H, w: W, v };
}
const map = (x: Float64Array, f: (v: number) => number) => x.map(f);
function linear(x: Float64Array, w: T, b: T | null): Float64Array {
  const [O, I] = w.shape;
  return Float64Array.from({ length: O }, (_, o) => {
    let s = b ? b.data[o] : 0;
    for (let i = 0; i < I; i++) s += w.data[o * I + i] * x[i];
    return s;
  });
}
const relu = (v: number) => Math.max(v, 0);

describe('PyTorch nn.Sequential from safetensors', () => {
  const r = new Random(5);
  const weights: Record<string, T> = {
    '0.weight': rand(r, [3, 2, 3, 3]),
    '0.bias': rand(r, [3]),
    '4.weight': rand(r, [5, 36]),
    '4.bias': rand(r, [5]),
    '7.weight': rand(r, [3, 5]),
    '7.bias': rand(r, [3]),
  };
  const arch: TorchArchitecture = {
    inputShape: [2, 6, 8],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: 3, padding: 1 },
      { type: 'relu' },
      { type: 'maxpool2d', kernelSize: 2 },
      { type: 'flatten' },
      { type: 'linear', units: 5 },
      { type: 'tanh' },
      { type: 'dropout', p: 0.5 },
      { type: 'linear', units: 3 },
    ],
  };
  const reference = (x: Float64Array) => {
    let m = conv({ c: 2, h: 6, w: 8, v: x }, weights['0.weight'], weights['0.bias'], 1, 1);
    m = maxpool({ ...m, v: map(m.v, relu) }, 2);
    const h = map(linear(m.v, weights['4.weight'], weights['4.bias']), Math.tanh);
    return linear(h, weights['7.weight'], weights['7.bias']);
  };

  it('conv → flatten → linear: our predictions equal PyTorch semantics to 1e-6 (f64)', async () => {
    const file = join(tempDir(), 'net.safetensors');
    await writeFile(file, safetensorsBytes(weights));
    await writeFile(join(tempDir(), 'net.json'), JSON.stringify(arch));
    const model = await loadTorchModel(file);
    expect(model.spec.inputShape).toEqual([6, 8, 2]);
    expect(model.spec.loss).toBe('softmax-cross-entropy');
    const net = await Network.create(model.spec, { precision: 'f64' });
    net.setParams(model.params);
    const xr = new Random(9);
    const samples = [0, 1, 2].map(() =>
      Float64Array.from({ length: 96 }, () => 2 * xr.uniform() - 1),
    );
    const nchw = new Float64Array(samples.flatMap((s) => Array.from(s)));
    const ours = net.predict(chwToHwc(nchw, [2, 6, 8]));
    samples.forEach((s, i) => {
      const want = reference(s);
      for (let o = 0; o < 3; o++) expect(Math.abs(ours[i * 3 + o] - want[o])).toBeLessThan(1e-6);
    });
  });

  it('the MNIST example network by module names (conv1, conv2, fc1, fc2), F64 file', async () => {
    const g = new Random(2);
    const w: Record<string, T> = {
      'conv1.weight': rand(g, [10, 1, 5, 5]),
      'conv1.bias': rand(g, [10]),
      'conv2.weight': rand(g, [20, 10, 5, 5], 0.1),
      'conv2.bias': rand(g, [20]),
      'fc1.weight': rand(g, [50, 320], 0.1),
      'fc1.bias': rand(g, [50]),
      'fc2.weight': rand(g, [10, 50]),
      'fc2.bias': rand(g, [10]),
    };
    const mnistArch: TorchArchitecture = {
      inputShape: [1, 28, 28],
      layers: [
        { type: 'conv2d', filters: 10, kernelSize: 5, key: 'conv1' },
        { type: 'maxpool2d', kernelSize: 2 },
        { type: 'relu' },
        { type: 'conv2d', filters: 20, kernelSize: 5, key: 'conv2' },
        { type: 'dropout2d', p: 0.5 },
        { type: 'maxpool2d', kernelSize: 2 },
        { type: 'relu' },
        { type: 'flatten' },
        { type: 'linear', units: 50, key: 'fc1' },
        { type: 'relu' },
        { type: 'dropout', p: 0.5 },
        { type: 'linear', units: 10, key: 'fc2' },
        { type: 'log-softmax' },
      ],
    };
    const { tensors } = readSafetensors(safetensorsBytes(w, 'F64'), 'mnist.safetensors');
    const model = torchToModel(mnistArch, tensors, 'mnist.safetensors', 'mnist.json');
    const c = compileNetwork(model.spec);
    expect(c.numParams).toBe(21840);
    expect(c.tensors.map((t) => t.shape.join('x'))).toEqual(
      compileNetwork(mnistCnn()).tensors.map((t) => t.shape.join('x')),
    );
    const net = await Network.create(model.spec, { precision: 'f64' });
    net.setParams(model.params);
    const x = Float64Array.from({ length: 784 }, (_, i) => ((i * 31) % 17) / 17);
    let m = conv({ c: 1, h: 28, w: 28, v: x }, w['conv1.weight'], w['conv1.bias'], 1, 0);
    m = maxpool(m, 2);
    m = conv({ ...m, v: map(m.v, relu) }, w['conv2.weight'], w['conv2.bias'], 1, 0);
    m = maxpool(m, 2);
    const h = map(linear(map(m.v, relu), w['fc1.weight'], w['fc1.bias']), relu);
    const logits = linear(h, w['fc2.weight'], w['fc2.bias']);
    const ours = net.predict(chwToHwc(x, [1, 28, 28]));
    for (let o = 0; o < 10; o++) expect(Math.abs(ours[o] - logits[o])).toBeLessThan(1e-6);
  });

  it('bad architecture or weights: named tensor, shape, layer', async () => {
    const bytes = safetensorsBytes(weights);
    const { tensors } = readSafetensors(bytes, 'w.safetensors');
    const with36 =
      (layers: TorchArchitecture['layers'], inputShape = arch.inputShape) =>
      () =>
        torchToModel({ ...arch, layers, inputShape }, tensors, 'w.safetensors', 'a.json');
    await fails(
      with36(arch.layers, [2, 6, 10]),
      /w\.safetensors: tensor '4\.weight' has shape \[5, 36\] but the architecture needs \[5, 45\]/,
    );
    await fails(
      with36([...arch.layers.slice(0, 7), { type: 'linear', units: 3, bias: false }]),
      /tensor '7\.bias' exists but the architecture says bias: false/,
    );
    await fails(
      with36([...arch.layers.slice(0, 7), { type: 'linear', units: 3, key: 'head' }]),
      /w\.safetensors: tensor 'head\.weight' is missing \(the file has 0\.weight, 0\.bias/,
    );
    await fails(
      with36(arch.layers.slice(0, 6)),
      /tensors not used by the architecture in a\.json: 7\.weight, 7\.bias/,
    );
    await fails(
      with36([arch.layers[0], { type: 'instancenorm2d' } as never, ...arch.layers.slice(2)]),
      /a\.json: layer 1 \(instancenorm2d\): unsupported layer type 'instancenorm2d'/,
    );
    await fails(
      with36([...arch.layers.slice(0, 5), { type: 'gelu' }, ...arch.layers.slice(6)]),
      /exact GELU is not supported/,
    );
    await fails(
      with36(arch.layers, [6, 8]),
      /inputShape must be \[channels, height, width\] or \[features\]/,
    );
    await fails(
      with36(arch.layers.filter((l) => l.type !== 'flatten')),
      /a\.json: .*add a flatten layer/,
    );
    await fails(
      loadTorchModel(join(tempDir(), 'none.safetensors')),
      /none\.safetensors: cannot read the safetensors file: no such file/,
    );
    await writeFile(join(tempDir(), 'lonely.safetensors'), bytes);
    await fails(
      loadTorchModel(join(tempDir(), 'lonely.safetensors')),
      /lonely\.json: cannot read the layer list JSON: no such file/,
    );
  });

  it('malformed safetensors files: sizes are checked before allocating', async () => {
    const good = safetensorsBytes(weights);
    const bad = (b: Uint8Array, re: RegExp) => fails(() => readSafetensors(b, 'f.safetensors'), re);
    await bad(good.subarray(0, 5), /f\.safetensors: truncated: 5 bytes/);
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(4, 1, true);
    await bad(huge, /header length 4294967\d+ exceeds the \d+ bytes after it/);
    await bad(
      good.subarray(0, good.length - 4),
      /tensor '7\.bias': data_offsets \[\d+, \d+\] do not lie within/,
    );
    await bad(
      safetensorsBytes(weights, 'F32', (h) => ((h['0.bias'] as { shape: number[] }).shape = [4])),
      /'0\.bias': shape \[4\] of F32 needs 16 bytes but data_offsets span 12/,
    );
    await bad(
      safetensorsBytes(
        weights,
        'F32',
        (h) => ((h['0.bias'] as { dtype: string }).dtype = 'F8_E4M3'),
      ),
      /unsupported dtype 'F8_E4M3'/,
    );
    await bad(
      safetensorsBytes(
        {
          a: { shape: [1], data: Float64Array.of(1) },
          b: { shape: [1], data: Float64Array.of(2) },
        },
        'F32',
        (h) => {
          (h.b as { data_offsets: number[] }).data_offsets = [0, 4];
        },
      ),
      /tensor 'b' starts at byte 0, expected 4 \(overlap\)/,
    );
    const text = new TextEncoder().encode('{"a": ');
    const broken = new Uint8Array(8 + text.length);
    broken[0] = text.length;
    broken.set(text, 8);
    await bad(broken, /malformed header JSON/);
  });

  it('writeSafetensors: F32/F64 round trip with metadata, written atomically', async () => {
    const tensors = [
      { name: 'conv/kernel', shape: [2, 3], data: Float32Array.of(1, -2.5, 3, 0.1, 5, 6) },
      { name: 'diag', shape: [3], data: Float64Array.of(Math.PI, 1e-300, -0) },
    ];
    const bytes = writeSafetensors(tensors, { what: 'hessian diagonal' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ what: 'hessian diagonal' });
    expect(back.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['conv/kernel', 'F32', [2, 3]],
      ['diag', 'F64', [3]],
    ]);
    expect(Array.from(back.tensors[0].data)).toEqual(Array.from(tensors[0].data));
    expect(Array.from(back.tensors[1].data)).toEqual(Array.from(tensors[1].data));
    const file = join(tempDir(), 'out', 'diag.safetensors');
    await writeSafetensorsFile(file, tensors);
    expect(await readdir(join(tempDir(), 'out'))).toEqual(['diag.safetensors']);
    expect((await readSafetensorsFile(file)).tensors[1].data[0]).toBe(Math.PI);
    expect(new Uint8Array(await readFile(file))).toEqual(writeSafetensors(tensors));
    expect(() => writeSafetensors([{ name: 'x', shape: [2], data: new Float32Array(3) }])).toThrow(
      /shape \[2\] does not match its 3 values/,
    );
  });
});
