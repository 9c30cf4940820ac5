// The training and test sets in one pair of arrays, so the engine holds both after one setData
// (test samples follow the training samples).

import { PacgenError } from '@pacgen/core-wasm';
import type { Dataset } from '../data/dataset.js';

/** Training samples then test samples, in one pair of arrays for one `setData`. */
export function joinData(
  tr: Dataset,
  te: Dataset | undefined,
): { x: Dataset['x']; y: Dataset['y'] } {
  if (!te || te.n === 0) return { x: tr.x, y: tr.y };
  const size = (d: Dataset) => d.inputShape.reduce((a, b) => a * b, 1);
  if (size(tr) !== size(te)) {
    throw new PacgenError(
      `train and test inputs differ in shape: [${tr.inputShape.join(', ')}] vs [${te.inputShape.join(', ')}]`,
    );
  }
  if (tr.y instanceof Int32Array !== te.y instanceof Int32Array) {
    throw new PacgenError('train and test targets differ in kind (labels vs real targets)');
  }
  const x = new (tr.x.constructor as new (n: number) => Dataset['x'])(tr.x.length + te.x.length);
  x.set(tr.x);
  x.set(te.x, tr.x.length);
  const y =
    tr.y instanceof Int32Array
      ? new Int32Array(tr.y.length + te.y.length)
      : new Float32Array(tr.y.length + te.y.length);
  y.set(tr.y);
  y.set(te.y, tr.y.length);
  return { x, y };
}
