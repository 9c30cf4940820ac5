// @pacgen/metrics: the core of the library, browser-safe. An Objective (a loss over a flat
// parameter vector with gradients and finite-difference HVPs), the curvature estimators over it
// (Hessian diagonal, Lipschitz constant ρ, trace, top eigenvalues, spectral density), PACGen
// (Ψ, Ψ*, σ*, the PAC-Bayes bound; docs/method.md §2–3), the certificate on the 0-1 test error
// (docs/method.md §9) and loss landscapes. Every estimator is called as estimator(objective,
// w, options) and returns its value with its cost and finite-difference health.
//
// The other entries: '@pacgen/metrics/train' (optimizers, perturbedOPT, the training loop),
// '/experiments' (toy, sweeps, comparisons, measures, Kendall τ), '/models' (presets and model
// formats), '/data' (data-set parsers and synthetic sets), '/node' (file I/O, Node only) and
// '/tfjs' (objectives on TensorFlow.js).

export type {
  DiagonalPassKind,
  Objective,
  ParameterTensor,
  HvpRequest,
} from './objective/objective.js';
export { networkObjective, type NetworkObjectiveOptions } from './objective/network.js';
export { parallelObjective, type DisposableObjective } from './objective/parallel.js';
export { wrapObjective, type ObjectiveCall } from './objective/wrap.js';
export {
  hessianDiagonal,
  DIAGONAL_METHODS,
  EXACT_DIAGONAL_LIMIT,
  type DiagonalMethod,
  type DiagonalOptions,
  type DiagonalResult,
} from './hessian/diagonal.js';
export { ggnDiagonal } from './hessian/ggn.js';
export { hesscaleDiagonal } from './hessian/hesscale.js';
export { controlVariateDiagonal, type ControlVariateOptions } from './hessian/control-variate.js';
export { ProbeMoments, probeTerm } from './hessian/probe-moments.js';
export type { EnginePassResult } from './hessian/engine-pass.js';
export { summarizeByTensor, summarizeVector, type Summary, type VectorSummary } from './summary.js';
export {
  hessianLipschitz,
  type LipschitzOptions,
  type LipschitzResult,
} from './hessian/lipschitz.js';
export {
  HessianOperator,
  hessianAt,
  type CurvatureMatrix,
  type EstimatorOptions,
  type KinkPolicy,
  type ProgressCallback,
} from './hessian/operator.js';
export {
  combineHealth,
  emptyHealth,
  healthWarning,
  type FiniteDifferenceHealth,
} from './hessian/health.js';
export { topEigenvalues, type EigenOptions, type EigenResult } from './spectrum/eigen.js';
export { hessianTrace, type TraceOptions, type TraceResult } from './spectrum/trace.js';
export {
  spectralDensity,
  type DensityOptions,
  type DensityResult,
  type SpectralMoment,
} from './spectrum/density.js';
export {
  pacgenFromCurvature,
  type PacgenCurvatureInput,
  type PacgenCurvatureResult,
  type PacgenTensorBreakdown,
} from './pacgen/from-curvature.js';
export {
  pacgen,
  type PacgenOptions,
  type PacgenProgress,
  type PacgenReport,
} from './pacgen/report.js';
export { summarizeReport, type LayerSummary, type ReportSummary } from './pacgen/report-summary.js';
export {
  monteCarloPerturbedLoss,
  type MonteCarloOptions,
  type MonteCarloResult,
} from './pacgen/monte-carlo.js';
export { effectiveCurvature, neighbourhoodRadius, priorRadius } from './pacgen/neighbourhood.js';
export { erf, erfc, mean, median } from './stats.js';
export { noiseModel, TRUNCATION, type NoiseKind, type NoiseModel } from './pacgen/noise.js';
export {
  etaForComplexity,
  optimalPerturbation,
  sigmaForEta,
  type OptimalPerturbation,
  type OptimalPerturbationInput,
} from './pacgen/optimal-perturbation.js';
export { pacBayesBound, type BoundInput, type BoundTerms } from './pacgen/bound.js';
export { curvatureBranch, psiTerms } from './pacgen/psi.js';
export * from './certificate/index.js';
export { BAD_NORMALIZATION, NON_FINITE, OTHER_SETTINGS } from './error-codes.js';
export { MAX_JSON_DEPTH, parseJson, type ParseJsonOptions } from './io/safe-json.js';
export { MAX_MONTE_CARLO_SAMPLES } from './pacgen/monte-carlo.js';
export {
  checkDirection,
  eigenDirections,
  filterNormRatios,
  randomDirection,
  type BiasRule,
  type DirectionNormalization,
  type EigenDirections,
  type RandomDirectionOptions,
} from './landscape/directions.js';
export {
  axisValues,
  slice1d,
  slice2d,
  type PointFunction,
  type Slice1d,
  type Slice2d,
  type SliceAxis,
  type SliceProgress,
} from './landscape/slice.js';
export {
  lossLandscape,
  type LandscapeOptions,
  type LandscapeResult,
} from './landscape/landscape.js';
