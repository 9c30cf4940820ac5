// Class targets for softmax cross-entropy given as real numbers, the way TF.js users hold them:
// one-hot rows [n, C] (what categoricalCrossentropy takes) become class indices; rows that are
// probability vectors (label smoothing, soft labels) are kept, since cross-entropy against a
// distribution is what tf.losses.softmaxCrossEntropy computes from them; integer-valued single
// targets [n] are labels. Anything else is refused with the row that breaks the rule.

import { PacgenError } from '@pacgen/core-wasm';

/** How far a probability row's sum may stray from 1 (f32 rounding of C terms, with margin). */
const SUM_TOLERANCE = 1e-4;

function describeRow(y: ArrayLike<number>, start: number, width: number): string {
  const shown = Array.from({ length: Math.min(width, 6) }, (_, k) => y[start + k]);
  return `[${shown.join(', ')}${width > 6 ? ', …' : ''}]`;
}

/**
 * Targets for softmax cross-entropy over `classes` classes from real-valued y with `width` values
 * per sample: class indices (Int32Array) when every row is one-hot (or width is 1 and every value
 * an integer label), else the probability rows themselves (Float32Array [n·classes]). Throws a
 * one-line error naming the first bad row. Cost O(n·width).
 */
export function crossEntropyTargets(
  y: ArrayLike<number>,
  width: number,
  classes: number,
): Int32Array | Float32Array {
  const n = y.length / width;
  if (width === 1) {
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= classes) {
        throw new PacgenError(
          `target ${y[i]} of sample ${i} is not a class label (an integer in [0, ${classes}))`,
        );
      }
      labels[i] = y[i];
    }
    return labels;
  }
  if (width !== classes) {
    throw new PacgenError(
      `softmax cross-entropy over ${classes} classes needs one label or ${classes} values (one-hot or probabilities) per sample, got ${width}`,
    );
  }
  const labels = new Int32Array(n);
  let oneHot = true;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let ones = 0;
    let ok = true;
    for (let k = 0; k < width; k++) {
      const v = y[i * width + k];
      if (!(v >= 0 && v <= 1)) ok = false;
      sum += v;
      if (v === 1) {
        ones++;
        labels[i] = k;
      }
    }
    if (!ok || !(Math.abs(sum - 1) <= SUM_TOLERANCE)) {
      throw new PacgenError(
        `target row ${i} ${describeRow(y, i * width, width)} is neither one-hot nor a probability vector (values in [0, 1] summing to 1; its sum is ${sum})`,
      );
    }
    if (ones !== 1 || sum !== 1) oneHot = false;
  }
  return oneHot ? labels : Float32Array.from(y);
}
