// Data as TF.js users hold it (tensors, tf.data.Dataset, one-hot and probability targets) and
// models whose model.json holds a custom layer: every form scores exactly as the host arrays do,
// and every refusal is one clear line.

import { describe, expect, it } from 'vitest';
import {
  crossEntropyTargets,
  loadLayersModel,
  tf,
  tfjsObjective,
  type TfjsDataInput,
} from '../src/tfjs/index.js';
import { C, sharedClassifier, N, oneHot, x, y } from './tfjs-fixture.js';

const current = sharedClassifier();

async function lossAndGrad(data: TfjsDataInput, extra = {}) {
  const obj = await tfjsObjective({ model: current(), data, ...extra });
  try {
    const w = obj.params();
    return { n: obj.numSamples, ...(await obj.gradient(w)) };
  } finally {
    obj.dispose();
  }
}

describe('tensors and datasets score as the host arrays', () => {
  it('x, y tensors; one-hot tensors; float labels; {xs, ys} batches; [x, y] samples', async () => {
    const want = await lossAndGrad({ x, y });
    expect(want.n).toBe(N);
    const xt = tf.tensor2d(x, [N, 5]);
    const forms: [string, TfjsDataInput][] = [
      ['int32 labels', { x: xt, y: tf.tensor1d(y, 'int32') }],
      ['one-hot', { x: xt, y: tf.tensor2d(oneHot, [N, C]) }],
      ['float labels', { x: xt, y: tf.tensor1d(Float32Array.from(y)) }],
      ['one-hot host', { x, y: oneHot }],
      [
        'fitDataset batches',
        tf.data
          .zip({
            xs: tf.data.array(
              Array.from({ length: N }, (_, i) => Array.from(x.subarray(5 * i, 5 * i + 5))),
            ),
            ys: tf.data.array(
              Array.from({ length: N }, (_, i) => Array.from(oneHot.subarray(C * i, C * i + C))),
            ),
          })
          .batch(5),
      ],
      [
        '[x, y] samples',
        tf.data.array(
          Array.from({ length: N }, (_, i) => [
            tf.tensor1d(x.subarray(5 * i, 5 * i + 5)),
            tf.scalar(y[i], 'int32'),
          ]),
        ),
      ],
    ];
    for (const [name, data] of forms) {
      const got = await lossAndGrad(data);
      expect(got.n, name).toBe(N);
      expect(got.loss, name).toBe(want.loss);
      expect(Array.from(got.grad), name).toEqual(Array.from(want.grad));
    }
    // The caller's tensors are left alone.
    expect(xt.isDisposed).toBe(false);
    xt.dispose();
  });

  it('probability rows score cross-entropy against the distribution (f64 reference)', async () => {
    const soft = Float32Array.from(oneHot, (v) => 0.8 * v + 0.2 / C);
    const got = await lossAndGrad({ x: tf.tensor2d(x, [N, 5]), y: tf.tensor2d(soft, [N, C]) });
    const p = (await (
      current().predict(tf.tensor2d(x, [N, 5])) as tf.Tensor
    ).data()) as Float32Array;
    let want = 0;
    for (let j = 0; j < N * C; j++) want -= (soft[j] * Math.log(p[j])) / N;
    expect(Math.abs(got.loss - want)).toBeLessThan(1e-6 * want);
  });

  it('refuses bad targets, mismatched tensors and oversized or endless datasets in one line', async () => {
    const bad: [TfjsDataInput, RegExp][] = [
      [
        { x, y: oneHot.map((v, j) => (j === 4 ? 0.5 : v)) },
        /target row 1 \[0, 0\.5, 0\] is neither one-hot nor a probability vector/,
      ],
      [
        { x, y: Float32Array.from(y, (v) => v + 0.5) },
        /target 0\.5 of sample 0 is not a class label/,
      ],
      [{ x, y: new Float32Array(N * 2) }, /needs one label or 3 values/],
      [
        { x: tf.tensor2d(x, [N, 5]), y: tf.tensor1d(y.subarray(1), 'int32') },
        /both need the samples first, as many of them/,
      ],
      [
        tf.data.array([{ xs: tf.zeros([1, 5]), ys: tf.zeros([1, C]) }]).repeat(),
        /the dataset is endless/,
      ],
      [
        tf.data.array(
          Array.from({ length: 4 }, () => ({ xs: tf.zeros([4, 5]), ys: tf.zeros([4], 'int32') })),
        ),
        /the dataset holds more than 10 samples \(maxSamples\)/,
      ],
      [
        tf.data.array([
          { xs: { a: tf.zeros([1, 5]), b: tf.zeros([1, 5]) }, ys: tf.zeros([1], 'int32') },
        ]),
        /xs must be one tensor/,
      ],
    ];
    for (const [data, message] of bad) {
      await expect(tfjsObjective({ model: current(), data, maxSamples: 10 })).rejects.toThrow(
        message,
      );
    }
    expect(() => crossEntropyTargets([0.2, 0.9, 0], 3, 3)).toThrow(/its sum is 1\.1/);
    expect(crossEntropyTargets([0, 1, 0, 1, 0, 0], 3, 3)).toEqual(Int32Array.from([1, 0]));
  });
});

describe('a custom layer in model.json', () => {
  class ScaleLayer extends tf.layers.Layer {
    static className = 'PacgenTestScale';
    override call(inputs: tf.Tensor | tf.Tensor[]) {
      return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, 2);
    }
  }

  it('fails with one line naming the class and registerClass, and loads once registered', async () => {
    const m = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [5], units: C }), new ScaleLayer({})],
    });
    let artifacts: tf.io.ModelArtifacts | null = null;
    await m.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const load = () => loadLayersModel(tf.io.fromMemory(artifacts!));
    const error = await load().catch((e: Error) => e);
    expect((error as Error).message).toBe(
      "the model uses the layer class 'PacgenTestScale', which TF.js does not know: define it (static className = 'PacgenTestScale') and call tf.serialization.registerClass(PacgenTestScale) before loading",
    );
    tf.serialization.registerClass(ScaleLayer);
    const loaded = await load();
    const input = tf.tensor2d(x.subarray(0, 10), [2, 5]);
    const [a, b] = [m, loaded].map((k) => Array.from((k.predict(input) as tf.Tensor).dataSync()));
    expect(b).toEqual(a);
    // And the objective copies it (a custom layer, its class now known).
    const obj = await tfjsObjective({ model: loaded, data: { x, y: new Float32Array(N * C) } });
    expect(obj.numParams).toBe(5 * C + C);
    obj.dispose();
    tf.dispose(input);
    m.dispose();
    loaded.dispose();
  });
});
