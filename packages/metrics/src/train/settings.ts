// A training run's settings, checked before any work (one-line PacgenErrors), and the network it
// trains with the training and test samples set on it.

import { Network, PacgenError, type NetworkSpec } from '@pacgen/core-wasm';
import { joinData } from './joined-data.js';
import { checkEvery, checkPsiSchedule, type PsiSchedule } from './schedule.js';
import type { TrainOptions } from './train.js';

/** The checked settings of a run. */
export interface TrainSettings {
  seed: number;
  /** Epoch limit: the smaller of `epochs` and `maxEpochs`. */
  limit: number;
  batchSize: number;
  evalEvery: number;
  psiEvery: PsiSchedule;
  target: number | undefined;
  /** Training and test samples. */
  n: number;
  nTest: number;
  dropLast: boolean;
  stepsPerEpoch: number;
}

/** The settings of `options`, checked. */
export function trainSettings(options: TrainOptions): TrainSettings {
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new PacgenError(`seed must be a finite number, got ${seed}`);
  const limit = Math.min(options.epochs ?? Infinity, options.maxEpochs ?? Infinity);
  if (!Number.isInteger(limit) || limit < 0) {
    throw new PacgenError(
      `give epochs or maxEpochs as an integer ≥ 0 (got epochs=${options.epochs}, maxEpochs=${options.maxEpochs})`,
    );
  }
  const batchSize = options.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new PacgenError(`batchSize must be an integer ≥ 1, got ${batchSize}`);
  }
  const evalEvery = checkEvery('evalEvery', options.evalEvery ?? 1);
  const psiEvery = checkPsiSchedule(options.psiEvery ?? 0);
  const target = options.targetTrainLoss;
  if (target !== undefined && !Number.isFinite(target)) {
    throw new PacgenError(`targetTrainLoss must be a finite number, got ${target}`);
  }
  const { train: trainSet, test: testSet } = options.data;
  if (!trainSet || trainSet.n < 1) throw new PacgenError('data.train is empty');
  const n = trainSet.n;
  const nTest = testSet?.n ?? 0;
  if (batchSize > n)
    throw new PacgenError(`batchSize ${batchSize} exceeds the ${n} training samples`);
  const dropLast = options.dropLast ?? false;
  const stepsPerEpoch = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  if (!options.spec === !options.network)
    throw new PacgenError('give exactly one of spec and network');
  return {
    seed,
    limit,
    batchSize,
    evalEvery,
    psiEvery,
    target,
    n,
    nTest,
    dropLast,
    stepsPerEpoch,
  };
}

/**
 * The network of the run (built from `spec`, or the given one) with the training then test
 * samples set on it, at its starting parameters: `initialParams`, else `spec`'s seeded
 * initialisation, else the network's own; and at `initialBuffers` when given.
 */
export async function trainingNetwork(options: TrainOptions, seed: number): Promise<Network> {
  const net =
    options.network ??
    (await Network.create(options.spec as NetworkSpec, {
      precision: options.precision,
      maxBatch: options.maxBatch,
    }));
  const joined = joinData(options.data.train, options.data.test);
  net.setData(joined.x, joined.y);
  if (options.initialParams) net.setParams(options.initialParams);
  else if (options.spec) net.initParams(seed);
  if (options.initialBuffers) net.setBuffers(options.initialBuffers);
  return net;
}
