// @pacgen/metrics/experiments: the paper's experiments (docs/method.md §6) — the 2-D toy, the
// batch-size/learning-rate sweeps and the perturbed-optimization comparison — with the
// generalization measures they rank and the rank statistics (Kendall τ, granulated τ).
// Browser-safe; sweeps persist through a SweepStore the caller provides.

export { parseSweepFile, parseSweepRunFile, settingsDiff } from '../experiments/sweep-files.js';
export {
  boundaryComplexity,
  eigen2,
  exactHessian2,
  lipschitzOnBox2,
  scoreToyPoint,
  toyExperiment,
  type BoundaryComplexity,
  type Sym2,
  type ToyExperimentOptions,
  type ToyExperimentResult,
  type ToyMinimum,
  type ToyPrediction,
} from '../experiments/toy.js';
export {
  granulatedTau,
  inversionCdf,
  kendallTau,
  type GranulatedAxis,
  type GranulatedPoint,
  type GranulatedResult,
  type KendallResult,
} from '../experiments/kendall.js';
export {
  magnitudeFlatness,
  perturbedDeviation,
  samSharpness,
  type FlatnessOptions,
  type FlatnessResult,
  type MeasureCost,
  type SharpnessOptions,
  type SharpnessResult,
} from '../experiments/sharpness.js';
export {
  MEASURE_INFO,
  MEASURE_NAMES,
  generalizationMeasures,
  weightNorms,
  type MeasureName,
  type MeasureOptions,
  type MeasureReport,
  type MeasureValue,
} from '../experiments/measures.js';
export {
  DEFAULT_SWEEP_BUDGET,
  SWEEP_OPTIMIZERS,
  runName,
  runSweep,
  sweepCorrelations,
  sweepOptimizer,
  sweepPoints,
  type MeasureCorrelation,
  type SweepBudget,
  type SweepCorrelations,
  type SweepCurves,
  type SweepGrid,
  type SweepOptimizer,
  type SweepOptions,
  type SweepPoint,
  type SweepProgress,
  type SweepResult,
  type SweepRunResult,
  type SweepSettings,
} from '../experiments/sweep.js';
export { type RunCurves } from '../experiments/curves.js';
export {
  COMPARE_METHODS,
  DEFAULT_PERTURBED_COMPARE,
  compareRunName,
  compareTraining,
  comparisonVariants,
  type CompareCorrelations,
  type CompareCurves,
  type CompareMethod,
  type CompareOptions,
  type CompareProgress,
  type ComparePsi,
  type CompareResult,
  type CompareRun,
  type CompareSettings,
  type CompareSummary,
  type ComparisonVariant,
  type ComparisonVariantOptions,
  type ComparisonVariantSettings,
  type MeanDifference,
  type MeanSd,
  type PerturbedCompareSettings,
} from '../experiments/compare.js';

// Bootstrap intervals on τ, the 0-1 error gap and the certificate as a measure (issue 16).
export {
  BOOTSTRAP_DEFAULTS,
  bootstrapIndices,
  bootstrapInterval,
  kendallTauInterval,
  percentileInterval,
  type BootstrapInterval,
  type BootstrapOptions,
} from '../experiments/kendall-bootstrap.js';
export { errorGap, type GapKind, type GapRanking } from '../experiments/sweep-correlations.js';
export { type CompareTau } from '../experiments/compare-correlations.js';
export {
  certificateMeasure,
  measureCertifyOptions,
  type CertificateMeasureDetails,
  type CertificateMeasureInput,
} from '../experiments/certificate-measure.js';

// The grid runner sweeps and comparisons share, with a runner injected (issue 18).
export {
  runGrid,
  type GridEvent,
  type GridJob,
  type GridOptions,
  type GridOutcome,
  type GridResultStore,
  type GridRunner,
} from '../experiments/grid.js';
export { localSweepRunner } from '../experiments/sweep.js';
export { localCompareRunner, type ComparePoint } from '../experiments/compare.js';
