// A data-dependent prior (Ambroladze et al. 2007; Parrado-Hernández et al. 2012; Pérez-Ortiz et
// al. 2021; Dziugaite et al. 2021): the prior's mean is learned on the first k training samples
// and the bound counts only the other n − k. The prior then depends on samples the bound never
// sees, so for those n − k samples it is as independent of the data as the initialisation is,
// and the PAC-Bayes-kl bound holds with n − k in place of n. The posterior may depend on
// anything, the k samples included. docs/method.md §9.

import { PacgenError } from '@pacgen/core-wasm';
import { shuffledIndices } from '../data/shuffle.js';
import { sgd } from '../optim/aliases.js';
import { mixSeed } from '../optim/seeds.js';
import { applyUpdates } from '../optim/transform.js';
import type { CertificateObjective } from './objective.js';

export interface LearnedPriorOptions {
  /** Passes over the k prior samples. */
  epochs: number;
  /** Samples per SGD step. */
  batchSize: number;
  /** SGD step (parameter units per gradient unit). */
  learningRate: number;
  /** Heavy-ball momentum in [0, 1). */
  momentum: number;
  seed: number;
  /** Called after each step with (steps done, steps planned). */
  onProgress?: (done: number, total: number) => void;
}

/** One epoch of the prior's training: mean minibatch cross-entropy (nats) and 0-1 error. */
export interface PriorEpoch {
  epoch: number;
  loss: number;
  error: number;
}

export interface LearnedPrior {
  /** The prior's mean: `start` after SGD on training samples [0, k). */
  mean: Float64Array;
  /** k: the training samples it learned from (the bound then uses the other n − k). */
  samples: number;
  steps: number;
  history: PriorEpoch[];
}

/**
 * The prior mean learned by minimizing the mean cross-entropy on training samples [0, k) with
 * SGD and momentum, from `start` (an initialisation chosen without the data, e.g. the run's
 * w₀). Seeded: bit-for-bit repeatable. Cost: epochs·⌈k/batchSize⌉ minibatch gradient
 * evaluations, O(m) arithmetic each.
 */
export async function learnPriorMean(
  obj: CertificateObjective,
  start: Float64Array,
  k: number,
  options: LearnedPriorOptions,
): Promise<LearnedPrior> {
  if (!(Number.isInteger(k) && k >= 1 && k < obj.numTrainSamples)) {
    throw new PacgenError(
      `the prior needs 1 ≤ k < n training samples of its own, got k = ${k} of ${obj.numTrainSamples}`,
    );
  }
  if (start.length !== obj.numParams) {
    throw new PacgenError(
      `the prior's start has length ${start.length}, the model ${obj.numParams} parameters`,
    );
  }
  const batchSize = Math.min(options.batchSize, k);
  const stepsPerEpoch = Math.ceil(k / batchSize);
  const tx = sgd({ learningRate: options.learningRate, momentum: options.momentum });
  const mean = Float64Array.from(start);
  let state = tx.init(mean);
  const history: PriorEpoch[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const order = shuffledIndices(k, mixSeed(options.seed, epoch));
    let loss = 0;
    let errors = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const batch = order.subarray(s * batchSize, Math.min(k, (s + 1) * batchSize));
      const g = await obj.gradient(mean, batch);
      if (!Number.isFinite(g.loss)) {
        throw new PacgenError(
          `the prior's training diverged at step ${step + 1} (loss ${g.loss}): lower its learning rate`,
        );
      }
      loss += g.loss * batch.length;
      errors += g.errors;
      const u = tx.update(g.grad, state, mean);
      state = u.state;
      applyUpdates(mean, u.updates);
      step++;
      options.onProgress?.(step, options.epochs * stepsPerEpoch);
    }
    history.push({ epoch, loss: loss / k, error: errors / k });
  }
  return { mean, samples: k, steps: step, history };
}

/**
 * The objective over training samples [k, n) only (its n is n − k), for the bound after a prior
 * learned on [0, k). The test samples and the subset behind σ*'s curvature are unchanged: the
 * posterior may be shaped by any data. Cost: none (index arithmetic per call).
 */
export function heldOutObjective(obj: CertificateObjective, k: number): CertificateObjective {
  const n = obj.numTrainSamples - k;
  if (!(Number.isInteger(k) && k >= 0 && n >= 1)) {
    throw new PacgenError(`cannot hold out samples [${k}, ${obj.numTrainSamples})`);
  }
  return {
    numParams: obj.numParams,
    tensors: obj.tensors,
    precision: obj.precision,
    numTrainSamples: n,
    numTestSamples: obj.numTestSamples,
    params: () => obj.params(),
    async evaluate(w, split, start, count) {
      if (split === 'test') return obj.evaluate(w, split, start, count);
      if (!(Number.isInteger(start) && count >= 1 && start >= 0 && start + count <= n)) {
        throw new PacgenError(
          `samples [${start}, ${start + count}) are outside the ${n} held-out samples`,
        );
      }
      return obj.evaluate(w, split, k + start, count);
    },
    async gradient(w, indices) {
      const shifted = new Int32Array(indices.length);
      for (let i = 0; i < indices.length; i++) {
        if (!(indices[i] >= 0 && indices[i] < n)) {
          throw new PacgenError(`sample ${indices[i]} is outside the ${n} held-out samples`);
        }
        shifted[i] = indices[i] + k;
      }
      return obj.gradient(w, shifted);
    },
    subsetObjective: (count, seed) => obj.subsetObjective(count, seed),
  };
}
