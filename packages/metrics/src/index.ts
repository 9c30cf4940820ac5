export type { Objective, ParameterTensor, HvpRequest } from './objective/objective.js';
export { networkObjective, type NetworkObjectiveOptions } from './objective/network.js';
export {
  hessianDiagonal,
  EXACT_DIAGONAL_LIMIT,
  type DiagonalOptions,
  type DiagonalResult,
} from './hessian/diagonal.js';
export { summarizeByTensor, summarizeVector, type Summary, type VectorSummary } from './summary.js';
export {
  hessianLipschitz,
  type LipschitzOptions,
  type LipschitzResult,
} from './hessian/lipschitz.js';
export {
  HessianOperator,
  hessianAt,
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

// PACGen: Ψ, Ψ*, the optimal perturbation and the PAC-Bayes bound (METHOD.md §2–3).
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
export {
  noiseModel,
  truncatedNormalMoments,
  TRUNCATION,
  type NoiseKind,
  type NoiseModel,
} from './pacgen/noise.js';
export {
  etaForComplexity,
  optimalPerturbation,
  sigmaForEta,
  type OptimalPerturbation,
  type OptimalPerturbationInput,
} from './pacgen/optimal-perturbation.js';
export { pacBayesBound, type BoundInput, type BoundTerms } from './pacgen/bound.js';
export { curvatureBranch, psiTerms } from './pacgen/psi.js';

// The certificate: a PAC-Bayes-kl bound on the 0-1 test error (docs/method.md §9).
export * from './certificate/index.js';
export type {
  GradientOracle,
  GradientSample,
  GradientTransformation,
  Optimizer,
  Schedule,
  ScalarOrSchedule,
  StepContext,
  StepResult,
  TransformResult,
  Vector,
} from './optim/types.js';
export { isOptimizer } from './optim/types.js';
export {
  addDecayedWeights,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  identity,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  traceMomentum,
  type AdamScaleOptions,
  type AdamState,
  type CountState,
  type TraceState,
} from './optim/transform.js';
export {
  constantSchedule,
  cosineDecaySchedule,
  exponentialDecaySchedule,
  joinSchedules,
  linearSchedule,
  piecewiseConstantSchedule,
  stepSchedule,
  warmupCosineSchedule,
  withWarmup,
} from './optim/schedules.js';
export { adam, adamw, sgd, type AdamOptions, type SgdOptions } from './optim/aliases.js';
export { fromTransformation } from './optim/optimizer.js';
export { asam, sam, type AsamOptions, type SamOptions, type SamState } from './optim/sam.js';
export {
  perturbedOpt,
  perturbationWidths,
  sigmaStatistics,
  type BoundScale,
  type CurvatureEstimator,
  type NoCurvature,
  type PerturbedOptimizer,
  type PerturbedOptions,
  type PerturbedState,
  type ProbeCurvature,
  type SecantCurvature,
  type SigmaStats,
} from './optim/perturbed.js';
export { oracleHvp, oracleObjective } from './optim/oracle-objective.js';
export { mixSeed } from './optim/seeds.js';
export {
  checkPsiSchedule,
  onPsiSchedule,
  train,
  type EpochEvent,
  type EpochRecord,
  type PsiRecord,
  type PsiSchedule,
  type StepEvent,
  type StopReason,
  type TrainOptions,
  type TrainResult,
} from './train/train.js';
export { memoryCheckpointStore, type CheckpointStore } from './train/checkpoint.js';
export { decodeState, encodeState, parseState, stringifyState } from './train/serialize.js';

// Data sets: browser-safe parsers and synthetic sets, and the Node file readers (data/node.ts
// imports node: modules lazily, inside its functions).
export type { Dataset, DataSplit } from './data/dataset.js';
export {
  ByteHistogram,
  CIFAR100_STATS,
  CIFAR10_STATS,
  MNIST_STATS,
  byteChannelStats,
  resolveNormalization,
  testSplitNormalization,
  type ChannelStats,
  type Normalization,
} from './data/transform.js';
export {
  chooseSamples,
  describeSelection,
  selectSubset,
  subsetSamples,
  type SampleChoice,
  type SampleSelection,
  type SubsetMode,
} from './data/subset.js';
export {
  idxDataset,
  isGzip,
  readIdx,
  readIdxHeader,
  writeIdx,
  type IdxArray,
  type IdxDatasetOptions,
  type IdxDtype,
} from './data/idx.js';
export {
  cifarDataset,
  cifarRecordBytes,
  type CifarOptions,
  type CifarVariant,
} from './data/cifar.js';
export {
  TOY_MIXTURE,
  cifarLike,
  mixtureDensity,
  mixtureMedianDensity,
  sampleMixture,
  toyGaussianMixture,
  type CifarLikeOptions,
  type GaussianMixture,
  type ToyData,
  type ToyOptions,
} from './data/synthetic.js';
export {
  loadCifar10,
  loadCifar100,
  loadIdxDataset,
  loadMnist,
  mnistDataDir,
  readIdxFile,
  type CifarLoadOptions,
  type MnistOptions,
} from './data/node.js';

// Models: presets, TF.js Layers and PyTorch/safetensors formats (files via models/node.ts).
export {
  PRESET_NAMES,
  cifarCnn,
  mlp,
  mnistCnn,
  presetByName,
  toyNet,
  type CifarCnnOptions,
  type MlpOptions,
  type MnistCnnOptions,
  type PresetName,
  type PresetOptions,
  type ToyNetOptions,
} from './models/presets.js';
export { splitByTensors, type LoadedModel, type NamedTensor } from './models/model.js';
export {
  TFJS_SHARD_NAME,
  fromTfjs,
  parseTfjsModelJson,
  tfjsWeightPaths,
  toTfjs,
  type TfjsModelJson,
  type TfjsWeightGroup,
  type TfjsWeightSpec,
} from './models/tfjs-convert.js';
export { readSafetensors, writeSafetensors, type SafeTensor } from './models/safetensors.js';
export { chwToHwc, torchToModel, type TorchArchitecture, type TorchLayer } from './models/torch.js';
export {
  loadTfjsModel,
  loadTorchModel,
  readSafetensorsFile,
  saveTfjsModel,
  writeSafetensorsFile,
} from './models/node.js';
export {
  OUTPUT_MANIFEST,
  foreignFiles,
  listFiles,
  readManifest,
  recoverReplace,
  removeOwnFiles,
  removeStaleTempFiles,
  replaceDir,
  replaceNames,
  writeFileAtomic,
  writeManifest,
  type RecoveryReport,
} from './io/atomic.js';
export { ioReason } from './io/errors.js';
export { BAD_NORMALIZATION, NON_FINITE, OTHER_SETTINGS } from './error-codes.js';

// Reading untrusted input: regular files only, JSON depth-capped, and the parsers' in-memory
// entry points (what the fuzz harness in tools/fuzz/ drives).
export { MAX_FILE_BYTES, fileKind, readFileBytes, readFileBytesIfAny } from './io/read-file.js';
export { MAX_JSON_DEPTH, parseJson, type ParseJsonOptions } from './io/safe-json.js';
export { parseIdxBytes } from './data/node.js';
export { MAX_TENSOR_RANK } from './models/model.js';
export {
  parseCheckpoint,
  type CheckpointData,
  type CheckpointExpectation,
} from './train/checkpoint-data.js';
export { parseSweepFile, parseSweepRunFile, settingsDiff } from './experiments/sweep-files.js';
export { MAX_MONTE_CARLO_SAMPLES } from './pacgen/monte-carlo.js';

// Loss landscapes: 1-D and 2-D slices along filter-normalised or Hessian-eigenvector directions.
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

// The paper's toy experiment (METHOD.md §6).
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
} from './experiments/toy.js';

// Generalization measures, rank agreement with the gap, and the sweeps of METHOD.md §6.
export {
  granulatedTau,
  inversionCdf,
  kendallTau,
  type GranulatedAxis,
  type GranulatedPoint,
  type GranulatedResult,
  type KendallResult,
} from './experiments/kendall.js';
export {
  magnitudeFlatness,
  perturbedDeviation,
  samSharpness,
  type FlatnessOptions,
  type FlatnessResult,
  type MeasureCost,
  type SharpnessOptions,
  type SharpnessResult,
} from './experiments/sharpness.js';
export {
  MEASURE_INFO,
  MEASURE_NAMES,
  generalizationMeasures,
  weightNorms,
  type MeasureName,
  type MeasureOptions,
  type MeasureReport,
  type MeasureValue,
} from './experiments/measures.js';
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
} from './experiments/sweep.js';

export { historyColumn, historyCurves, type RunCurves } from './experiments/curves.js';

// The perturbed-optimization comparison of METHOD.md §5.
export {
  COMPARE_METHODS,
  DEFAULT_PERTURBED_COMPARE,
  compareCorrelations,
  compareRunName,
  compareSummaries,
  compareTraining,
  comparisonVariants,
  meanDifference,
  meanSd,
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
} from './experiments/compare.js';
