// Hostile files (issue 12): names that are Object.prototype keys, JSON nested too deep, sizes
// beyond memory, inputs built to make loading quadratic, files that are not regular files, and
// repeated names. Each must end in one clear one-line PacgenError, or load correctly, at once.

import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PacgenError } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  monteCarloPerturbedLoss,
  parseJson,
  type Objective,
} from '../src/index.js';
import { idxDataset } from '../src/entries/data.js';
import { parseSweepFile } from '../src/entries/experiments.js';
import {
  fromTfjs,
  mlp,
  readSafetensors,
  torchToModel,
  writeSafetensors,
} from '../src/entries/models.js';
import {
  loadTfjsModel,
  loadTorchModel,
  readIdxFile,
  readSafetensorsFile,
} from '../src/entries/node.js';
import { decodeState, parseCheckpoint, parseState } from '../src/entries/train.js';
import { useTempDir } from './file-helpers.js';

const tempDir = useTempDir('pacgen-hostile-');
const PROTO_KEYS = ['toString', '__proto__', 'constructor', 'valueOf', 'hasOwnProperty'];

/** The PacgenError `fn` throws, checked to be one line. */
async function error(fn: () => unknown): Promise<string> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PacgenError);
  const m = (err as Error).message;
  expect(m).not.toMatch(/\n/);
  expect(m.length).toBeLessThan(400);
  return m;
}

/** JSON text of an array nested `depth` deep. */
const deepJson = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** A Sequential model.json of dense layers (units each) with float32 weights in one shard. */
function tfjsModel(
  units: number[],
  opts: {
    names?: (i: number) => string;
    weightName?: (i: number, part: 'kernel' | 'bias') => string;
    activation?: unknown;
    inputDim?: number;
  } = {},
): { json: Record<string, unknown>; shard: Uint8Array; values: number[] } {
  const names = opts.names ?? ((i) => `dense_${i}`);
  const weightName = opts.weightName ?? ((i, p) => `${names(i)}/${p}`);
  const layers: unknown[] = [];
  const weights: { name: string; shape: number[]; dtype: string }[] = [];
  const values: number[] = [];
  let inDim = opts.inputDim ?? 1;
  units.forEach((u, i) => {
    const config: Record<string, unknown> = { name: names(i), units: u, use_bias: true };
    if (opts.activation !== undefined) config.activation = opts.activation;
    if (i === 0) config.batch_input_shape = [null, inDim];
    layers.push({ class_name: 'Dense', config });
    weights.push({ name: weightName(i, 'kernel'), shape: [inDim, u], dtype: 'float32' });
    weights.push({ name: weightName(i, 'bias'), shape: [u], dtype: 'float32' });
    // No values for a model too big to hold: it must be refused before they are read.
    if (inDim * u < 1e7) for (let k = 0; k < inDim * u + u; k++) values.push(values.length % 1000);
    inDim = u;
  });
  const shard = new Uint8Array(new Float32Array(values).buffer);
  const json = {
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { name: 's', layers } },
    weightsManifest: [{ paths: ['w.bin'], weights }],
  };
  return { json, shard, values };
}

/** A safetensors file from a header object (as text, so keys may repeat) and data bytes. */
function safetensors(headerText: string, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('Object.prototype keys as names', () => {
  it('a loss, an activation or a dtype named like one is refused by name', async () => {
    for (const k of PROTO_KEYS) {
      const arch = { inputShape: [3], layers: [{ type: 'linear', units: 2 }], loss: k };
      expect(await error(() => torchToModel(arch, []))).toMatch(
        new RegExp(`^architecture: unknown loss '${k}'`),
      );
      const { json, shard } = tfjsModel([2], { activation: k });
      expect(await error(() => fromTfjs(json, () => shard))).toMatch(
        new RegExp(`^model.json: layer 0 'dense_0' \\(Dense\\): unsupported activation '${k}'`),
      );
      const st = safetensors(`{"w":{"dtype":"${k}","shape":[1],"data_offsets":[0,4]}}`);
      expect(await error(() => readSafetensors(new Uint8Array([...st, 0, 0, 0, 0])))).toMatch(
        new RegExp(`tensor 'w': unsupported dtype '${k}'`),
      );
      expect(await error(() => decodeState({ $typed: k, data: '' }))).toBe(
        `unknown typed array '${k}' in checkpoint`,
      );
    }
  });

  it('layers and tensors named like one load as ordinary names', async () => {
    const { json, shard, values } = tfjsModel([2, 2, 2, 2, 2], { names: (i) => PROTO_KEYS[i] });
    const m = fromTfjs(json, () => shard);
    expect(m.spec.layers.map((l) => l.name)).toEqual(PROTO_KEYS);
    expect(Array.from(m.params)).toEqual(values);
    // A tensor named __proto__ survives a safetensors round trip as an own key.
    const tensors = PROTO_KEYS.map((name, i) => ({
      name,
      shape: [1],
      data: new Float32Array([i]),
    }));
    const back = readSafetensors(
      writeSafetensors(
        tensors,
        Object.fromEntries([
          ['__proto__', 'x'],
          ['toString', 'y'],
        ]),
      ),
    );
    expect(back.tensors.map((t) => [t.name, t.data[0]])).toEqual(
      PROTO_KEYS.map((name, i) => [name, i]),
    );
    expect(Object.entries(back.metadata)).toEqual([
      ['__proto__', 'x'],
      ['toString', 'y'],
    ]);
    expect(Object.getPrototypeOf(back.metadata)).toBe(Object.prototype);
  });
});

describe('JSON nested too deep', () => {
  it(`is refused before parsing beyond ${MAX_JSON_DEPTH} levels, wherever it comes from`, async () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(parseJson(deepJson(64), 'f')).toBeDefined();
    const tooDeep = 'f: malformed JSON: nested deeper than 64 levels of arrays and objects';
    expect(await error(() => parseJson(deepJson(65), 'f'))).toBe(tooDeep);
    // Brackets inside strings do not count.
    expect(parseJson(`["${'['.repeat(1000)}"]`, 'f')).toEqual(['['.repeat(1000)]);
    const deep = deepJson(100_000);
    expect(await error(() => parseState(deep))).toMatch(/^checkpoint: malformed JSON: nested/);
    expect(await error(() => parseSweepFile(new TextEncoder().encode(deep), 'sweep.json'))).toBe(
      'sweep.json: malformed JSON: nested deeper than 64 levels of arrays and objects; delete it to rerun',
    );
    const header = `{"__metadata__":{"a":${deep}}}`;
    expect(await error(() => readSafetensors(safetensors(header), 'x.safetensors'))).toBe(
      'x.safetensors: malformed header JSON: nested deeper than 64 levels of arrays and objects',
    );
    const dir = join(tempDir(), 'deep');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.json'), `{"modelTopology":{"config":${deep}}}`);
    expect(await error(() => loadTfjsModel(dir))).toMatch(/model\.json: malformed JSON: nested/);
    await writeFile(join(dir, 'm.json'), `{"inputShape":[1],"layers":${deep}}`);
    await writeFile(join(dir, 'm.safetensors'), safetensors('{}'));
    expect(await error(() => loadTorchModel(join(dir, 'm.safetensors')))).toMatch(
      /m\.json: malformed JSON: nested/,
    );
  });

  it('a deep value that passed the cap is described in a few characters in messages', async () => {
    const deep = JSON.parse(deepJson(60));
    const arch = { inputShape: [deep], layers: [{ type: 'linear', units: 2 }] };
    expect(await error(() => torchToModel(arch, []))).toMatch(
      /^architecture: inputShape\[0\] must be a positive integer, got \[\[\[\[.*…$/,
    );
    const { json, shard } = tfjsModel([2], { names: () => deep });
    expect(await error(() => fromTfjs(json, () => shard))).toMatch(
      /^model.json: layer 0 \[\[\[.*\(Dense\): the layer name must be a string$/,
    );
    const st = `{"w":{"dtype":"F32","shape":[1],"data_offsets":${deepJson(50)}}}`;
    expect(await error(() => readSafetensors(safetensors(st)))).toMatch(
      /tensor 'w': data_offsets \[\[\[.*… do not lie within the 0 data bytes/,
    );
  });
});

describe('sizes beyond memory', () => {
  it('units 10¹⁵ or an input of 2³¹ values: the figure, not "Invalid typed array length"', async () => {
    const arch = { inputShape: [3], layers: [{ type: 'linear', units: 1e15 }] };
    // The figure follows the engine's layout (core-wasm's engine-memory.ts); its form is fixed.
    expect(await error(() => torchToModel(arch, []))).toMatch(
      /^architecture: network needs 1\d\d\.\d PiB of engine memory even at f32 and one sample a chunk \(4\.0e15 parameters, input 3 values, widest layer 'layer_0' 1\.0e15 values\); the limit is 4\.0 GiB$/,
    );
    const { json, shard } = tfjsModel([2], { inputDim: 2 ** 31 });
    expect(await error(() => fromTfjs(json, () => shard))).toMatch(
      /^model.json: network needs \d+\.\d GiB of engine memory .*\(4,294,967,298 parameters, input 2,147,483,648 values/,
    );
  });

  it('a label of 10⁸ sizes a preset with 10⁸ outputs: refused with the figure', async () => {
    const images = { dtype: 'uint8' as const, shape: [2, 2], data: new Uint8Array(4) };
    const labels = { dtype: 'int32' as const, shape: [2], data: new Int32Array([0, 1e8]) };
    const data = idxDataset(images, labels);
    expect(data.numClasses).toBe(1e8 + 1);
    const spec = mlp({ inputShape: data.inputShape, numClasses: data.numClasses });
    const { compileNetwork } = await import('@pacgen/core-wasm');
    expect(await error(() => compileNetwork(spec))).toMatch(
      /^network needs \d+\.\d GiB of engine memory even at f32 and one sample a chunk \(6,500,008,705 parameters, input 2 values, widest layer 'dense_3' 100,000,001 values\); the limit is 4\.0 GiB$/,
    );
  });

  it('a Monte Carlo request of 10¹² loss evaluations is refused before any', async () => {
    let evaluations = 0;
    const obj = {
      numParams: 1,
      numSamples: 1,
      loss: async () => (evaluations++, 0),
    } as unknown as Objective;
    expect(await error(() => monteCarloPerturbedLoss(obj, [0], [0.1], { samples: 1e12 }))).toBe(
      'samples must be an even integer in [4, 10000000], got 1000000000000',
    );
    expect(evaluations).toBe(0);
    // Below the limit the estimate streams: mean and standard error of 4 draws of a known loss.
    let k = 0;
    const known = { ...obj, loss: async () => [1, 3, 5, 7, 2, 4, 6, 8][k++] } as Objective;
    const r = await monteCarloPerturbedLoss(known, [0], [0.1], { samples: 8 });
    expect(r.mean).toBeCloseTo(4.5, 12); // draws (1+3)/2, (5+7)/2, (2+4)/2, (6+8)/2 = 2, 6, 3, 7
    expect(r.stdErr).toBeCloseTo(Math.sqrt(((2.5 ** 2 + 1.5 ** 2) * 2) / 3 / 4), 12);
  });
});

describe('loading is linear in the size of the file', () => {
  // Sizes at which the old quadratic loops took over a minute; linear code takes well under a
  // second. Nothing is timed: a regression shows as a test that runs for minutes.
  it('5,000 layers of one name (an 800 KB model.json) load, renamed in order', () => {
    const n = 5000;
    const { json, shard, values } = tfjsModel(Array(n).fill(1), {
      names: () => 'dense',
      weightName: (i, p) => `w${i}/${p}`,
    });
    expect(JSON.stringify(json).length).toBeGreaterThan(500_000);
    const m = fromTfjs(json, () => shard);
    expect(m.spec.layers.map((l) => l.name).slice(0, 3)).toEqual(['dense', 'dense_1', 'dense_2']);
    expect(m.spec.layers[n - 1].name).toBe(`dense_${n - 1}`);
    expect(Array.from(m.params)).toEqual(values);
  });

  it('30,000 weight names that match no layer load by order', () => {
    const { json, shard, values } = tfjsModel(Array(15_000).fill(1), {
      weightName: (i, p) => `unmatched_${i}_${p}`,
    });
    const m = fromTfjs(json, () => shard);
    expect(m.params.length).toBe(30_000);
    expect(Array.from(m.params)).toEqual(values);
  });

  it('prefixed names are matched by their last two segments, even out of order', () => {
    const { json, shard } = tfjsModel([2, 3], { weightName: (i, p) => `seq/dense_${i}/${p}` });
    const group = (json.weightsManifest as { weights: unknown[] }[])[0];
    // The same weights, listed in reverse, still land in the right tensors by name.
    const reversed = [...group.weights].reverse();
    const sizes = [2, 2, 6, 3];
    const data: number[][] = [];
    let o = 0;
    for (const s of sizes) {
      data.push(Array.from({ length: s }, (_, k) => o + k));
      o += s;
    }
    const bytes = new Float32Array(data.slice().reverse().flat());
    const m = fromTfjs(
      { ...json, weightsManifest: [{ paths: ['w.bin'], weights: reversed }] },
      () => new Uint8Array(bytes.buffer),
    );
    expect(Array.from(m.params)).toEqual(data.flat());
    expect(shard.length).toBe(13 * 4);
  });

  it('a PyTorch layer list of 20,000 layers loads', () => {
    const n = 20_000;
    const layers = Array.from({ length: n }, () => ({ type: 'linear', units: 1 }));
    const tensors = layers.flatMap((_, i) => [
      { name: `${i}.weight`, dtype: 'F32', shape: [1, 1], data: new Float64Array([i]) },
      { name: `${i}.bias`, dtype: 'F32', shape: [1], data: new Float64Array([-i]) },
    ]);
    const m = torchToModel({ inputShape: [1], layers, loss: 'mse' }, tensors);
    expect(m.params.length).toBe(2 * n);
    expect(m.params[2 * 12_345]).toBe(12_345);
    expect(m.params[2 * 12_345 + 1]).toBe(-12_345);
  });
});

describe('files that are not regular files', () => {
  it('a FIFO as a weight shard, a layer list or a data file is refused at once', async () => {
    const dir = join(tempDir(), 'fifo');
    await mkdir(dir, { recursive: true });
    const { json } = tfjsModel([2]);
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    execFileSync('mkfifo', [join(dir, 'w.bin')]);
    expect(await error(() => loadTfjsModel(dir))).toBe(
      `${join(dir, 'w.bin')}: the weight file of ${join(dir, 'model.json')} is not a regular file (a FIFO (named pipe))`,
    );
    execFileSync('mkfifo', [join(dir, 'm.json')]);
    await writeFile(join(dir, 'm.safetensors'), safetensors('{}'));
    expect(await error(() => loadTorchModel(join(dir, 'm.safetensors')))).toMatch(
      /m\.json: the layer list JSON is not a regular file \(a FIFO \(named pipe\)\)$/,
    );
    expect(await error(() => readIdxFile(join(dir, 'w.bin')))).toMatch(/is not a regular file/);
  });

  it('/dev/zero and a folder are named for what they are', async () => {
    expect(await error(() => readIdxFile('/dev/zero'))).toBe(
      '/dev/zero: the IDX file is not a regular file (a character device)',
    );
    expect(await error(() => readSafetensorsFile(tempDir()))).toBe(
      `${tempDir()}: the safetensors file is not a regular file (a folder)`,
    );
  });
});

describe('repeated names', () => {
  it('a weight name twice in a TF.js manifest is refused, naming both places', async () => {
    const { json, shard } = tfjsModel([2, 2], { weightName: (i, p) => `dense/${p}` });
    expect(await error(() => fromTfjs(json, () => shard))).toBe(
      "model.json: weight name 'dense/kernel' appears twice in the manifest (weightsManifest[0].weights[0] and weightsManifest[0].weights[2])",
    );
  });

  it('a key twice in a safetensors header is refused (JSON.parse would keep the last)', async () => {
    const t = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const twice = safetensors(`{"w":${t},"w":${t}}`, new Uint8Array(4));
    expect(await error(() => readSafetensors(twice, 'x.safetensors'))).toBe(
      "x.safetensors: malformed header JSON: key 'w' appears twice in one object",
    );
    // Escapes spell the same key: still a repeat.
    const escaped = safetensors(`{"w":${t},"\\u0077":${t}}`, new Uint8Array(4));
    expect(await error(() => readSafetensors(escaped))).toMatch(/key 'w' appears twice/);
    // The same key in two different objects is no repeat.
    const nested = safetensors(`{"__metadata__":{"w":"1"},"w":${t}}`, new Uint8Array(4));
    expect(readSafetensors(nested).metadata).toEqual({ w: '1' });
  });
});

describe('checkpoints read back are checked field by field', () => {
  it('a damaged checkpoint is one PacgenError naming the field', async () => {
    const { stringifyState } = await import('../src/entries/train.js');
    const expected = {
      fingerprint: { numParams: 2 },
      numParams: 2,
      optimizerState: { count: 0, mu: new Float64Array(2), eta: null },
    };
    const good = {
      format: 'pacgen-train/1',
      fingerprint: { numParams: 2 },
      epoch: 1,
      steps: 3,
      gradientEvaluations: 3,
      params: new Float64Array([1, 2]),
      optimizerState: { count: 3, mu: new Float64Array([0.5, 0.25]), eta: 0.1 },
      history: [],
      finished: null,
    };
    expect(parseCheckpoint(stringifyState(good), expected).steps).toBe(3);
    const broken = (patch: object) => stringifyState({ ...good, ...patch });
    expect(await error(() => parseCheckpoint('null', expected))).toBe(
      'not a pacgen training checkpoint',
    );
    expect(await error(() => parseCheckpoint(broken({ fingerprint: 5 }), expected))).toBe(
      'checkpoint has no fingerprint',
    );
    expect(await error(() => parseCheckpoint(broken({ steps: -1 }), expected))).toBe(
      'checkpoint steps must be an integer ≥ 0, got -1',
    );
    const otherState = { count: 3, mu: new Float64Array(3), eta: 0.1 };
    expect(
      await error(() => parseCheckpoint(broken({ optimizerState: otherState }), expected)),
    ).toBe(
      'checkpoint optimizer state does not fit this optimizer (at state.mu): a checkpoint of another optimizer or a damaged file',
    );
    expect(await error(() => parseCheckpoint(broken({ history: [{ epoch: 0 }] }), expected))).toBe(
      'checkpoint history row 0: steps must be an integer ≥ 0',
    );
    const badBase64 = JSON.stringify({
      ...JSON.parse(stringifyState(good)),
      params: { $typed: 'f64', data: '!!' },
    });
    expect(await error(() => parseCheckpoint(badBase64, expected))).toBe(
      'malformed checkpoint: a typed array is not valid base64',
    );
  });
});
