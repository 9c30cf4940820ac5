// The order an epoch visits the training samples in: 0 … n − 1 shuffled by a seeded
// Fisher–Yates (core-wasm's Random), so a seeded run repeats bit for bit.

import { Random } from '@pacgen/core-wasm';

/** The indices 0 … n − 1 in the seeded order of `seed`. Cost: O(n). */
export function shuffledIndices(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return new Random(seed).shuffle(order);
}
