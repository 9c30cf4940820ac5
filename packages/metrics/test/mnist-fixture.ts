// A tiny MNIST-format folder whose statistics are easy to work out by hand, shared by the
// library's and the CLI's tests of the 'standard' normalization (plain fs: no test runner).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIdx } from '../src/data/idx.js';

/** Writes the four MNIST IDX files into `dir`: 28×28 images, each of one constant byte value. */
export function writeConstantMnist(dir: string, train: number[], test: number[]): void {
  mkdirSync(dir, { recursive: true });
  const images = (values: number[]) =>
    writeIdx({
      dtype: 'uint8',
      shape: [values.length, 28, 28],
      data: Uint8Array.from({ length: values.length * 784 }, (_, i) => values[(i / 784) | 0]),
    });
  const labels = (n: number) =>
    writeIdx({ dtype: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i) });
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), images(train));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels(train.length));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(test));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels(test.length));
}
