// The parsers under test, each driven the way pacgen drives it on a file it has read: the
// in-memory entry point, then what pacgen does next with the result (a dataset from parsed IDX
// arrays, a model written back out, one optimizer step from a resumed checkpoint, the
// correlations over a read-back run), so that a value the parser lets through but its consumer
// cannot handle is found too.

import { gzipSync } from 'node:zlib';
import { PacgenError } from '@pacgen/core-wasm';
import { parseJson } from '@pacgen/metrics';
import { cifarDataset, idxDataset, isGzip, readIdx, type IdxArray } from '@pacgen/metrics/data';
import {
  parseSweepFile,
  parseSweepRunFile,
  settingsDiff,
  sweepCorrelations,
  sweepOptimizer,
  type SweepPoint,
  type SweepSettings,
} from '@pacgen/metrics/experiments';
import { fromTfjs, readSafetensors, toTfjs, torchToModel } from '@pacgen/metrics/models';
import { onnxToModel, toOnnx } from '@pacgen/metrics/onnx';
import { parseIdxBytes } from '@pacgen/metrics/node';
import { isOptimizer, parseCheckpoint, type CheckpointExpectation } from '@pacgen/metrics/train';

/** A parser under test: its input files (and which are JSON), and how pacgen calls it. */
export interface Target {
  name: string;
  /** What the files are, in order. */
  files: string[];
  /** Which files are JSON (they also get structure mutations). */
  json: boolean[];
  run(files: Uint8Array[], context: unknown): unknown;
}

/** A dataset from IDX arrays, as loadIdxDataset pairs images with labels. */
function asDataset(arr: IdxArray): void {
  const n = arr.shape[0];
  if (n < 1 || n > 100_000) return;
  idxDataset(arr, { dtype: 'int32', shape: [n], data: new Int32Array(n) });
  if (arr.shape.length === 1) {
    idxDataset({ dtype: 'uint8', shape: [n, 1], data: new Uint8Array(n) }, arr);
  }
}

/** One optimizer step from a resumed state, on the loss |w|²/2 (gradient w). */
async function resumeStep(point: SweepPoint, params: Float64Array, state: unknown) {
  const opt = sweepOptimizer(point, 0.05);
  const oracle = (w: Float64Array) => ({ loss: w.reduce((a, x) => a + x * x, 0) / 2, grad: w });
  if (isOptimizer(opt)) await opt.step(params, state, oracle, { trainSamples: 40, batchSize: 10 });
  else opt.update(params, state, params);
}

export const TARGETS: Target[] = [
  {
    name: 'idx',
    files: ['IDX file'],
    json: [false],
    run: ([bytes]) => asDataset(readIdx(bytes, 'data.idx')),
  },
  {
    name: 'idx-gzip',
    files: ['IDX file (gzip)'],
    json: [false],
    run: async ([bytes]) =>
      asDataset(await parseIdxBytes(isGzip(bytes) ? bytes : gzipSync(bytes), 'data.idx.gz')),
  },
  {
    name: 'cifar',
    files: ['CIFAR batch'],
    json: [false],
    run: ([bytes]) => {
      const variant = bytes.length % 3073 === 0 ? 'cifar10' : 'cifar100';
      const labels = bytes.length % 2 === 0 ? 'fine' : 'coarse';
      cifarDataset([{ file: 'batch.bin', bytes }], variant, { labels });
    },
  },
  {
    name: 'safetensors',
    files: ['safetensors file'],
    json: [false],
    run: ([bytes]) => readSafetensors(bytes, 'weights.safetensors'),
  },
  {
    name: 'tfjs',
    files: ['model.json', 'weight shard'],
    json: [true, false],
    run: ([json, shard]) => {
      const m = fromTfjs(parseJson(json, 'model.json'), () => shard, { file: 'model.json' });
      toTfjs(m.spec, m.params, { buffers: m.buffers });
    },
  },
  {
    name: 'layer-list',
    files: ['layer list JSON', 'safetensors weights'],
    json: [true, false],
    run: ([arch, weights]) => {
      const { tensors } = readSafetensors(weights, 'weights.safetensors');
      const m = torchToModel(
        parseJson(arch, 'arch.json'),
        tensors,
        'weights.safetensors',
        'arch.json',
      );
      toTfjs(m.spec, m.params, { buffers: m.buffers });
    },
  },
  {
    name: 'onnx',
    files: ['model.onnx'],
    json: [false],
    run: ([bytes]) => {
      const m = onnxToModel(bytes, { file: 'model.onnx' });
      toOnnx(m.spec, m.params, { buffers: m.buffers });
    },
  },
  {
    name: 'checkpoint',
    files: ['checkpoint.json'],
    json: [true],
    run: async ([bytes], context) => {
      const { point, expectation } = context as {
        point: SweepPoint;
        expectation: CheckpointExpectation;
      };
      const ck = parseCheckpoint(new TextDecoder().decode(bytes), expectation);
      await resumeStep(point, ck.params, ck.optimizerState);
    },
  },
  {
    name: 'run-json',
    files: ['runs/NAME.json'],
    json: [true],
    run: ([bytes], context) => {
      const expected = context as { name: string; point: SweepPoint; settings: SweepSettings };
      const run = parseSweepRunFile(bytes, 'runs/run.json', expected);
      sweepCorrelations([run, run, run]);
    },
  },
  {
    name: 'sweep-json',
    files: ['sweep.json'],
    json: [true],
    run: ([bytes], context) => {
      const { settings } = context as { settings: SweepSettings };
      settingsDiff(parseSweepFile(bytes, 'sweep.json'), settings);
    },
  },
];

/**
 * A target that checks the harness itself (its test): by the input's length it returns, throws
 * a clear PacgenError, a TypeError or a two-line PacgenError, or loops forever.
 */
export const SELF_TEST: Target = {
  name: 'self-test',
  files: ['bytes'],
  json: [false],
  run: ([b]) => selfTestOutcome(b.length, true),
};

/** What the self-test target does with an input of `length` bytes ('hang' is only reported). */
export function selfTestOutcome(length: number, act = false): string {
  const k = length % 17;
  if (k === 1) {
    if (act) for (;;);
    return 'hang';
  }
  if (k % 3 === 0) return 'accepted';
  if (k % 3 === 1) {
    if (act) throw new PacgenError(`a clear error (${length} bytes)`);
    return 'clean';
  }
  if (act) throw k % 2 ? new TypeError('not a clear error') : new PacgenError('two\nlines');
  return 'other';
}

/** The target of a name (undefined for an unknown one). */
export const targetByName = (name: string): Target | undefined =>
  name === SELF_TEST.name ? SELF_TEST : TARGETS.find((t) => t.name === name);
