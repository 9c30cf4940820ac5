// What a certificate evaluates: a classifier's 0-1 errors on its n training samples and on test
// samples at any weights, minibatch gradients for the optimized posterior, and the mean loss
// on a subset as an Objective for the curvature behind σ*. Implemented over the core-wasm
// engine (one network holding the training then the test samples).

import { Network, PacgenError, type NetworkSpec, type Precision } from '@pacgen/core-wasm';
import type { Dataset } from '../data/dataset.js';
import { subsetSamples } from '../data/subset.js';
import type { Objective, ParameterTensor } from '../objective/objective.js';
import { networkObjective } from '../objective/network.js';
import { joinData } from '../train/joined-data.js';

/** Which samples an evaluation is over. */
export type CertificateSplit = 'train' | 'test';

export interface CertificateObjective {
  /** m: number of parameters. */
  readonly numParams: number;
  readonly tensors: readonly ParameterTensor[];
  /** Arithmetic of the evaluations. */
  readonly precision: Precision;
  /** n: the training samples the model was trained on, all of them held. */
  readonly numTrainSamples: number;
  /** Test samples held (0: no test set; the measured test errors are then null). */
  readonly numTestSamples: number;
  /** The trained weights w (a copy). */
  params(): Float64Array;
  /**
   * Number of misclassified samples and the summed loss (nats) of weights `w` on samples
   * [start, start + count) of a split, dropout off. Cost: a forward pass over `count` samples.
   */
  evaluate(
    w: ArrayLike<number>,
    split: CertificateSplit,
    start: number,
    count: number,
  ): Promise<{ errors: number; loss: number }>;
  /**
   * Mean loss (nats), misclassified count and gradient of the mean loss at `w` over the
   * training samples `indices`. Cost: 1 gradient evaluation over indices.length samples.
   */
  gradient(
    w: ArrayLike<number>,
    indices: Int32Array,
  ): Promise<{ loss: number; errors: number; grad: Float64Array }>;
  /**
   * The mean training loss over `count` seeded random training samples as an Objective at w
   * (for the Hessian diagonal behind σ*). Cost: copies those samples once.
   */
  subsetObjective(count: number, seed: number): Promise<Objective>;
}

export interface NetworkCertificateInput {
  spec: NetworkSpec;
  /** The trained weights w. */
  params: ArrayLike<number>;
  /** The n training samples the model was trained on (class labels). */
  train: Dataset;
  test?: Dataset;
  /** Arithmetic of the error evaluations and minibatch gradients (default 'f32'). */
  precision?: Precision;
  /** Arithmetic of the subset objective's curvature (default 'f64', docs/method.md §7). */
  curvaturePrecision?: Precision;
}

/**
 * A CertificateObjective over the core-wasm engine: one network holding the training then the
 * test samples (for MNIST in f32 about 220 MB of engine memory). Throws PacgenError unless the
 * targets are class labels. Cost: copies the data once.
 */
export async function networkCertificateObjective(
  input: NetworkCertificateInput,
): Promise<CertificateObjective> {
  const { spec, train, test } = input;
  if (!(train.y instanceof Int32Array) || (test && !(test.y instanceof Int32Array))) {
    throw new PacgenError(
      'a certificate bounds the 0-1 error of a classifier: class labels needed',
    );
  }
  const net = await Network.create(spec, { precision: input.precision ?? 'f32' });
  const w = Float64Array.from(input.params);
  net.setParams(w);
  const joined = joinData(train, test);
  net.setData(joined.x, joined.y);
  const nTrain = train.n;
  const nTest = test?.n ?? 0;
  return {
    numParams: net.numParams,
    tensors: net.tensors,
    precision: net.precision,
    numTrainSamples: nTrain,
    numTestSamples: nTest,
    params: () => Float64Array.from(w),
    async evaluate(weights, split, start, count) {
      const limit = split === 'train' ? nTrain : nTest;
      if (!(Number.isInteger(start) && count >= 1 && start >= 0 && start + count <= limit)) {
        throw new PacgenError(
          `samples [${start}, ${start + count}) are outside the ${limit} ${split} samples`,
        );
      }
      net.setParams(weights);
      const r = net.evaluate({
        samples: { start: split === 'train' ? start : nTrain + start, count },
      });
      return { errors: Math.round(count * (1 - r.accuracy)), loss: r.loss * count };
    },
    async gradient(weights, indices) {
      net.setParams(weights);
      const r = net.gradient({ samples: indices });
      const errors = Math.round(indices.length * (1 - r.accuracy));
      return { loss: r.loss, errors, grad: Float64Array.from(r.grad) };
    },
    async subsetObjective(count, seed) {
      const part = subsetSamples(train, count, { mode: 'random', seed });
      const sub = await Network.create(spec, { precision: input.curvaturePrecision ?? 'f64' });
      sub.setParams(w);
      sub.setData(part.x, part.y);
      return networkObjective(sub);
    },
  };
}
