// Hostile input on the command line (issue 12): a device or a FIFO where a file belongs, a loss
// named like an Object.prototype key, JSON nested too deep, a label that sizes a model beyond
// memory, an absurd Monte Carlo count. Each ends at once with one `pacgen:` line and exit 1
// (a bad file) or 2 (a bad flag), never a hang, a stack trace or "does not exist".

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIdx } from '@pacgen/metrics/data';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const TOY = ['--data', 'toy', '--samples', '20'];

/** A TF.js model folder: one Dense layer 2 → 1 (sigmoid), its shard written by `shard`. */
function modelFolder(name: string, meta: object = {}, shard?: (path: string) => void): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const json = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'd', units: 1, activation: 'sigmoid', batch_input_shape: [null, 2] },
          },
        ],
      },
    },
    weightsManifest: [
      {
        paths: ['w.bin'],
        weights: [
          { name: 'd/kernel', shape: [2, 1], dtype: 'float32' },
          { name: 'd/bias', shape: [1], dtype: 'float32' },
        ],
      },
    ],
    userDefinedMetadata: { pacgen: meta },
  };
  writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
  if (shard) shard(join(folder, 'w.bin'));
  else
    writeFileSync(join(folder, 'w.bin'), new Uint8Array(new Float32Array([0.5, -0.5, 0]).buffer));
  return folder;
}

describe('files that are not regular files', () => {
  it('score /dev/zero says what /dev/zero is', async () => {
    const r = await pacgen(['score', '/dev/zero', ...TOY], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toBe(
      'pacgen: /dev/zero: the model is not a regular file (a character device)',
    );
  });

  it('a FIFO as the weight shard is refused at once instead of blocking forever', async () => {
    const folder = modelFolder('fifo', {}, (p) => execFileSync('mkfifo', [p]));
    const r = await pacgen(['score', folder, ...TOY], dir, 30_000);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toBe(
      `pacgen: ${join(folder, 'w.bin')}: the weight file of ${join(folder, 'model.json')} is not a regular file (a FIFO (named pipe))`,
    );
  });

  it('a device as an IDX data file is named', async () => {
    const r = await pacgen(['score', 'mlp', '--data', 'idx:/dev/null,/dev/zero'], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toBe(
      'pacgen: /dev/null: the IDX file is not a regular file (a character device)',
    );
  });
});

describe('hostile model files', () => {
  it('a loss named toString in the metadata is an unknown loss, not an engine trap', async () => {
    const folder = modelFolder('proto', { loss: 'toString' });
    const r = await pacgen(['score', folder, ...TOY], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/unknown loss 'toString' \(use softmax-cross-entropy/);
  });

  it('a model.json nested 100,000 deep is refused before parsing', async () => {
    const folder = join(dir, 'deep');
    mkdirSync(folder, { recursive: true });
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    writeFileSync(join(folder, 'model.json'), `{"modelTopology":{"config":${deep}}}`);
    const r = await pacgen(['score', folder, ...TOY], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toBe(
      `pacgen: ${join(folder, 'model.json')}: malformed JSON: nested deeper than 64 levels of arrays and objects`,
    );
  });
});

describe('sizes beyond memory', () => {
  it('a label of 10⁸ would give the preset 10⁸ outputs: refused with the figure', async () => {
    const images = join(dir, 'images.idx');
    const labels = join(dir, 'labels.idx');
    writeFileSync(images, writeIdx({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(4) }));
    writeFileSync(
      labels,
      writeIdx({ dtype: 'int32', shape: [2], data: Int32Array.from([0, 1e8]) }),
    );
    const r = await pacgen(['score', 'mlp', '--data', `idx:${images},${labels}`], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(
      /^pacgen: mlp: network needs \d+\.\d GiB of engine memory even at f32 and one sample a chunk \(6,500,008,705 parameters, .*\); the limit is 4\.0 GiB$/,
    );
  });

  it('--monte-carlo 1e12 is a usage error naming the limit', async () => {
    const r = await pacgen(['score', 'toy', ...TOY, '--monte-carlo', '1e12'], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe(
      'pacgen: --monte-carlo must be an integer in [4, 10000000], got 1000000000000',
    );
  });
});
