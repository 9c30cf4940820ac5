// The certificate as a generalization measure of a sweep: the PAC-Bayes-kl bound on the 0-1 test
// error of a run's network (docs/method.md §9) at a cheap setting, so that every run of a grid
// can afford it beside Ψ and the other measures. Browser-safe.

import { PacgenError, type NetworkSpec, type Precision } from '@pacgen/core-wasm';
import { certify } from '../certificate/certify.js';
import {
  networkCertificateObjective,
  type CertificateObjective,
} from '../certificate/objective.js';
import { initialisationPrior } from '../certificate/prior.js';
import type { Dataset } from '../data/dataset.js';
import { geometricScales } from '../certificate/scale-search.js';
import type { CertifyOptions } from '../certificate/settings.js';

/** What the certificate measure needs besides the trained weights. */
export interface CertificateMeasureInput {
  /** The run's network over all n training samples it was trained on (and its test samples). */
  objective: CertificateObjective;
  /** The prior mean: the run's initialisation (initialisationPrior), or null for 0. */
  priorMean: Float64Array | null;
  /** Overrides of the cheap setting (measureCertifyOptions). */
  options?: CertifyOptions;
}

/** What a run keeps of its certificate besides the bound. */
export interface CertificateMeasureDetails {
  posterior: 'isotropic';
  /** The bound on the test error of Q (the measure's value) and its confidence 1 − δ. */
  bound: number;
  confidence: number;
  /** Mean σ of Q (parameter units), KL(Q‖P) (nats), Monte Carlo training and test error of Q. */
  meanSigma: number;
  kl: number;
  trainErrorQ: number;
  testErrorQ: number | null;
  /** Training samples n the bound is over. */
  n: number;
  /** Forward passes, in passes over the n training samples. */
  forwardPasses: number;
}

/**
 * The certificate measure's input for a network trained by pacgen from `spec`'s initialisation at
 * `seed` (`initParams(seed)`, the prior mean: never the data) to the weights `params` on `data`:
 * n is the whole training set it was trained on. Undefined when the targets are not class labels
 * (a 0-1 error needs them, e.g. the toy's BCE targets): the measure is then skipped.
 * Cost: copies the data once into a network of its own.
 */
export async function trainedCertificateInput(
  spec: NetworkSpec,
  params: ArrayLike<number>,
  data: { train: Dataset; test?: Dataset },
  precision: Precision,
  seed: number,
): Promise<CertificateMeasureInput | undefined> {
  if (!(data.train.y instanceof Int32Array)) return undefined;
  return {
    objective: await networkCertificateObjective({
      spec,
      params,
      train: data.train,
      test: data.test,
      precision,
    }),
    priorMean: await initialisationPrior(spec, seed, precision),
  };
}

/**
 * The cheap certify setting of the measure: the isotropic posterior only (no curvature, no
 * optimization), its scale searched over 9 scales 10⁻⁴ … 1 plus 2 refinements on each side, on
 * min(n, 1,000) training samples, and about 1,000 weight draws for the Monte Carlo error (the
 * sample-convergence bound then adds about 0.03 to an error of 0.1), δ = 0.05.
 * Cost: about 13·min(n, 1000) + 2n samples forwarded plus the test samples twice, i.e. about
 * 15 passes over a 1,000-sample training set; no gradient.
 */
export function measureCertifyOptions(n: number): CertifyOptions {
  return {
    posteriors: ['isotropic'],
    search: {
      samples: Math.min(n, 1000),
      isotropicScales: geometricScales(1e-4, 1, 9),
      refine: 2,
    },
    monteCarlo: { draws: 1000 },
  };
}

/**
 * The certificate of weights `w` at the cheap setting (or `input.options`), seeded. Throws a
 * PacgenError when `w` does not fit the objective. Cost: see measureCertifyOptions.
 */
export async function certificateMeasure(
  input: CertificateMeasureInput,
  seed: number,
): Promise<{ value: number; details: CertificateMeasureDetails; forwardPasses: number }> {
  const obj = input.objective;
  const options = {
    ...measureCertifyOptions(obj.numTrainSamples),
    ...input.options,
    priorMean: input.priorMean,
    seed,
  };
  const report = await certify(obj, obj.params(), options);
  const c = report.certificates.find((x) => x.posterior === 'isotropic');
  if (!c) throw new PacgenError('the certificate measure needs the isotropic posterior');
  return {
    value: c.bound,
    forwardPasses: report.cost.forwardPasses,
    details: {
      posterior: 'isotropic',
      bound: c.bound,
      confidence: 1 - report.delta.total,
      meanSigma: c.sigma.mean,
      kl: c.kl,
      trainErrorQ: c.monteCarlo.error,
      testErrorQ: c.test?.error ?? null,
      n: report.n,
      forwardPasses: report.cost.forwardPasses,
    },
  };
}
