// The TF.js objective's training-mode gradient (gradientTensor(w, { training: true })): batch
// norm on the batch's statistics gives core-wasm's training-mode gradient, dropout draws a fresh
// mask per call, and neither changes the objective's inference-mode loss afterwards.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfjsObjective, type TfjsObjective } from '../src/tfjs/objective.js';
import { problem, relErr, resnetProblem, SMALL_CNN } from './tfjs-helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The training-mode loss and gradient at w, downloaded. */
async function trainingGradient(obj: TfjsObjective, w: ArrayLike<number>) {
  const wd = obj.upload(w);
  const r = obj.gradientTensor(wd, { training: true });
  const out = { loss: (await r.loss.data())[0], grad: Float64Array.from(await r.grad.data()) };
  tf.dispose([wd, r.loss, r.grad]);
  return out;
}

describe('tfjsObjective: gradients in training mode', () => {
  it('batch norm on the batch statistics: core-wasm’s training gradient; buffers kept', async () => {
    // Running statistics other than the batch's, so that the two modes differ.
    const { spec, x, y, params, buffers, net } = await resnetProblem(7);
    const want = net.gradient({ training: true });
    const obj = await tfjsObjective({ spec, params, buffers, data: { x, y }, chunk: y.length });
    try {
      const before = await obj.loss(params);
      const got = await trainingGradient(obj, params);
      expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-5);
      expect(relErr(got.grad, want.grad)).toBeLessThan(1e-4);
      // Deterministic without dropout, and not the inference-mode gradient.
      expect(relErr((await trainingGradient(obj, params)).grad, got.grad)).toBe(0);
      expect(relErr((await obj.gradient(params)).grad, got.grad)).toBeGreaterThan(1e-2);
      // The moving statistics were put back: the same inference-mode loss, to the bit.
      expect(await obj.loss(params)).toBe(before);
    } finally {
      obj.dispose();
    }
  });

  it('dropout: a fresh mask per call, the inference-mode loss unchanged', async () => {
    const p = await problem(SMALL_CNN, 1, 2);
    const obj = await tfjsObjective({ spec: SMALL_CNN, params: p.w, data: p });
    try {
      const before = await obj.loss(p.w);
      const evaluation = await obj.gradient(p.w);
      const [a, b] = [await trainingGradient(obj, p.w), await trainingGradient(obj, p.w)];
      expect(relErr(a.grad, b.grad)).toBeGreaterThan(1e-3);
      expect(relErr(a.grad, evaluation.grad)).toBeGreaterThan(1e-3);
      // One sample: a row of the dense kernel gets no gradient where its input is 0. Dropout
      // (rate 0.5) zeroes about half the inputs the ReLU left alive, and never revives one.
      const fc = obj.tensors.find((t) => t.name === 'fc/kernel')!;
      const [rows, cols] = fc.shape;
      const dead = (g: Float64Array) =>
        Array.from({ length: rows }, (_, i) =>
          g.subarray(fc.offset + i * cols, fc.offset + (i + 1) * cols).every((x) => x === 0),
        );
      const [evalDead, trainDead] = [dead(evaluation.grad), dead(a.grad)];
      const alive = evalDead.flatMap((d, i) => (d ? [] : [i]));
      expect(evalDead.every((d, i) => !d || trainDead[i])).toBe(true);
      expect(alive.length).toBeGreaterThan(8);
      const dropped = alive.filter((i) => trainDead[i]).length / alive.length;
      expect(dropped).toBeGreaterThan(0.1);
      expect(dropped).toBeLessThan(0.9);
      expect(await obj.loss(p.w)).toBe(before);
    } finally {
      obj.dispose();
    }
  });

  it('a custom loss function has no training mode', async () => {
    const v = tf.variable(tf.ones([3]));
    const obj = await tfjsObjective({
      variables: [v],
      lossFn: (x) => tf.mean(tf.mul(tf.matMul(x as tf.Tensor2D, v.reshape([3, 1])), 2)),
      data: { x: new Float32Array(6), y: new Float32Array(2), inputShape: [3] },
    });
    const w = obj.upload([1, 2, 3]);
    try {
      expect(() => obj.gradientTensor(w, { training: true })).toThrow(
        'training mode needs a model or a spec: a custom lossFn has no layers to switch',
      );
    } finally {
      w.dispose();
      obj.dispose();
      v.dispose();
    }
  });
});
