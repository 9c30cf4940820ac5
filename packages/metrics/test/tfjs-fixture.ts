// A small TF.js classifier and its seeded data, shared by the tests of the TF.js users' API
// (hessian handle, Ψ callback, optimizers).

import { Random } from '@pacgen/core-wasm';
import { afterAll, beforeAll } from 'vitest';
import { tf, useBackend } from '../src/tfjs/index.js';

export const N = 12;
export const C = 3;
export const D = 5;

/** D → 6 tanh → C softmax, Glorot-initialised with fixed seeds: 57 parameters. */
export function classifier(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [D],
        units: 6,
        activation: 'tanh',
        kernelInitializer: init(1),
      }),
      tf.layers.dense({ units: C, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
}

const rng = new Random(7);
/** N seeded N(0, 1) inputs. */
export const x = Float32Array.from({ length: N * D }, () => rng.normal());
/** Their labels. */
export const y = Int32Array.from({ length: N }, (_, i) => (i * 7) % C);
/** The labels one-hot [N, C]. */
export const oneHot = Float32Array.from({ length: N * C }, (_, j) =>
  y[Math.floor(j / C)] === j % C ? 1 : 0,
);

/** A fresh classifier on the cpu backend for the file's tests (made before, disposed after). */
export function sharedClassifier(): () => tf.Sequential {
  let model: tf.Sequential | null = null;
  beforeAll(async () => {
    await useBackend('cpu');
    model = classifier();
  });
  afterAll(() => model?.dispose());
  return () => model!;
}
