// Data sets inside the worker: the bundled MNIST subset (fetched, so the service worker serves
// it offline), or the user's IDX / CIFAR files, parsed by @pacgen/metrics.

import { PacgenError } from '@pacgen/core-wasm';
import {
  MNIST_STATS,
  cifarDataset,
  idxDataset,
  isGzip,
  readIdx,
  readIdxHeader,
  type Dataset,
} from '@pacgen/metrics/data';
import type { DataInfo, DataSource, NamedBytes } from './protocol';

/** Decompresses gzip bytes with the browser's DecompressionStream. */
export async function gunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new PacgenError(`${file}: corrupt gzip data (${(e as Error).message})`);
  }
}

/** Splits concatenated IDX files by their headers. */
function splitIdx(bytes: Uint8Array, count: number, file: string): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const h = readIdxHeader(bytes.subarray(at), file);
    if (!h || at + h.totalBytes > bytes.length) throw new PacgenError(`${file}: truncated`);
    parts.push(bytes.subarray(at, at + h.totalBytes));
    at += h.totalBytes;
  }
  return parts;
}

/** The bundled MNIST subset (2,000 train / 500 test, pixels / 255). */
async function bundledMnist(url: string): Promise<{ train: Dataset; test: Dataset }> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch {
    throw new PacgenError(
      `could not load the bundled MNIST subset (${url}): offline and not cached`,
    );
  }
  if (!res.ok) throw new PacgenError(`could not load the bundled MNIST subset: HTTP ${res.status}`);
  const bytes = await gunzip(new Uint8Array(await res.arrayBuffer()), 'bundled MNIST');
  const [ti, tl, vi, vl] = splitIdx(bytes, 4, 'bundled MNIST').map((b) => readIdx(b));
  const common = { numClasses: 10, standard: MNIST_STATS };
  return {
    train: idxDataset(ti, tl, { ...common, name: 'mnist-train' }),
    test: idxDataset(vi, vl, { ...common, name: 'mnist-test' }),
  };
}

async function idxFile(f: NamedBytes) {
  return readIdx(isGzip(f.bytes) ? await gunzip(f.bytes, f.name) : f.bytes, f.name);
}

/** A data set from its source; errors name the file and the problem. */
export async function loadData(
  source: DataSource,
  mnistUrl: string,
): Promise<{ train: Dataset; test: Dataset | null }> {
  switch (source.kind) {
    case 'mnist':
      return bundledMnist(mnistUrl);
    case 'idx': {
      const pair = async (images: NamedBytes, labels: NamedBytes, name: string) =>
        idxDataset(await idxFile(images), await idxFile(labels), {
          name,
          imagesFile: images.name,
          labelsFile: labels.name,
        });
      const train = await pair(source.trainImages, source.trainLabels, 'idx-train');
      const { testImages, testLabels } = source;
      if (!testImages !== !testLabels) {
        throw new PacgenError('give both test files (images and labels) or neither');
      }
      const test = testImages && testLabels ? await pair(testImages, testLabels, 'idx-test') : null;
      if (test && test.inputShape.join() !== train.inputShape.join()) {
        throw new PacgenError(
          `test images have shape [${test.inputShape}] but training images [${train.inputShape}]`,
        );
      }
      return { train, test };
    }
    case 'cifar': {
      if (source.train.length === 0) throw new PacgenError('choose at least one CIFAR batch file');
      const files = (fs: NamedBytes[]) => fs.map((f) => ({ file: f.name, bytes: f.bytes }));
      const name = (split: string) => ({ name: `${source.variant}-${split}` });
      const train = cifarDataset(files(source.train), source.variant, name('train'));
      const test =
        source.test.length > 0
          ? cifarDataset(files(source.test), source.variant, name('test'))
          : null;
      return { train, test };
    }
  }
}

export function describe(train: Dataset, test: Dataset | null): DataInfo {
  return {
    name: train.name.replace(/-train$/, ''),
    train: train.n,
    test: test?.n ?? 0,
    inputShape: train.inputShape,
    numClasses: train.numClasses,
  };
}

/** The first `count` samples of a data set. */
export function firstSamples(data: Dataset, count: number): Dataset {
  if (count >= data.n) return data;
  const size = data.x.length / data.n;
  const ySize = data.y.length / data.n;
  return {
    ...data,
    x: data.x.slice(0, count * size),
    y: data.y.slice(0, count * ySize),
    n: count,
  };
}
