// A generalization certificate: the PAC-Bayes-kl bound on the 0-1 test error of a stochastic
// network Q = N(w, diag σ²), with every piece exported (docs/method.md §9).

export { binaryKl, klInverse, klInverseGradient } from './kl-inverse.js';
export { sampleConvergenceBound } from './sample-convergence.js';
export {
  bestPriorVariance,
  gaussianKl,
  gaussianKlSums,
  type GaussianKlSums,
} from './gaussian-kl.js';
export {
  DEFAULT_PRIOR_GRID,
  initialisationPrior,
  priorVariances,
  type PriorVarianceGrid,
} from './prior.js';
export { pacBayesKlBound, type PacBayesKlInput, type PacBayesKlTerms } from './pac-bayes-kl.js';
export { drawWeights, NormalStream } from './gaussian-noise.js';
export {
  networkCertificateObjective,
  type CertificateObjective,
  type CertificateSplit,
  type NetworkCertificateInput,
} from './objective.js';
export {
  samplesPerDraw,
  stochasticError,
  type StochasticErrorOptions,
  type StochasticErrorResult,
} from './stochastic-error.js';
export {
  geometricScales,
  searchScale,
  searchShrink,
  type ScalePoint,
  type ScaleSearchOptions,
  type ShrinkPoint,
} from './scale-search.js';
export {
  heldOutObjective,
  learnPriorMean,
  type LearnedPrior,
  type LearnedPriorOptions,
  type PriorEpoch,
} from './learned-prior.js';
export {
  optimizePosterior,
  POSTERIOR_SCHEDULES,
  type PosteriorSchedule,
  type OptimizationEpoch,
  type OptimizedPosterior,
  type OptimizePosteriorOptions,
} from './optimize-posterior.js';
export {
  LEARNED_PRIOR_DEFAULTS,
  MEAN_STEP_PER_SIGMA,
  OPTIMIZE_STARTS,
  POSTERIOR_KINDS,
  PRIOR_START_MOMENTUM,
  PRIOR_START_SIGMA,
  PRIOR_START_STEP,
  type CertificateReport,
  type CertifyOptions,
  type PosteriorCertificate,
  type OptimizeStart,
  type PosteriorKind,
} from './settings.js';
export { certify } from './certify.js';
