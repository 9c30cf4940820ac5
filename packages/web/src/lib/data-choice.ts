// The data set a page's picker describes, and its conversion to bytes for the worker.

import { MNIST_SIZES, type DataSource, type NamedBytes } from '../worker/protocol';

export type DataChoice =
  | { kind: 'mnist' }
  | {
      kind: 'idx';
      trainImages: File | null;
      trainLabels: File | null;
      testImages: File | null;
      testLabels: File | null;
    }
  | { kind: 'cifar'; variant: 'cifar10' | 'cifar100'; train: File[]; test: File[] };

export const MNIST_LABEL = `MNIST subset (bundled: ${MNIST_SIZES.train} train / ${MNIST_SIZES.test} test)`;

async function named(f: File): Promise<NamedBytes> {
  return { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
}

/** Reads the chosen files; throws an Error in plain words when one is missing. */
export async function toSource(
  c: DataChoice,
): Promise<{ source: DataSource; transfer: ArrayBuffer[] }> {
  const buffers = (xs: (NamedBytes | undefined)[]) =>
    xs.flatMap((x) => (x ? [x.bytes.buffer as ArrayBuffer] : []));
  switch (c.kind) {
    case 'mnist':
      return { source: { kind: 'mnist' }, transfer: [] };
    case 'idx': {
      if (!c.trainImages)
        throw new Error('choose the training images file (IDX, e.g. train-images-idx3-ubyte)');
      if (!c.trainLabels)
        throw new Error('choose the training labels file (IDX, e.g. train-labels-idx1-ubyte)');
      const [ti, tl, vi, vl] = await Promise.all(
        [c.trainImages, c.trainLabels, c.testImages, c.testLabels].map((f) =>
          f ? named(f) : Promise.resolve(undefined),
        ),
      );
      return {
        source: { kind: 'idx', trainImages: ti!, trainLabels: tl!, testImages: vi, testLabels: vl },
        transfer: buffers([ti, tl, vi, vl]),
      };
    }
    case 'cifar': {
      if (c.train.length === 0) throw new Error('choose the CIFAR training batch files (.bin)');
      const train = await Promise.all(c.train.map(named));
      const test = await Promise.all(c.test.map(named));
      return {
        source: { kind: 'cifar', variant: c.variant, train, test },
        transfer: buffers([...train, ...test]),
      };
    }
  }
}
