// @pacgen/metrics/train: optimizers as optax-style transformations (init, update) and their
// aliases (sgd, adam, adamw), schedules, SAM/ASAM, perturbedOPT (docs/method.md §5), and the
// training loop with Ψ records and checkpoints (in memory here; on disk via '/node'). Browser-safe.

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
} from '../optim/types.js';
export { isOptimizer } from '../optim/types.js';
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
} from '../optim/transform.js';
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
} from '../optim/schedules.js';
export { adam, adamw, sgd, type AdamOptions, type SgdOptions } from '../optim/aliases.js';
export { fromTransformation } from '../optim/optimizer.js';
export {
  asam,
  sam,
  type AsamOptions,
  type SamOptimizer,
  type SamOptions,
  type SamState,
} from '../optim/sam.js';
export {
  finished,
  runProgram,
  runProgramSync,
  type StepProgram,
  type SyncGradientOracle,
} from '../optim/step-program.js';
export {
  perturbedOpt,
  perturbationWidths,
  type BoundScale,
  type CurvatureEstimator,
  type NoCurvature,
  type PerturbedOptimizer,
  type PerturbedOptions,
  type PerturbedState,
  type ProbeCurvature,
  type SecantCurvature,
  type SigmaStats,
} from '../optim/perturbed.js';
export { hvpProgram, oracleHvp, oracleObjective } from '../optim/oracle-objective.js';
export { mixSeed } from '../optim/seeds.js';
export {
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
} from '../train/train.js';
export { memoryCheckpointStore, type CheckpointStore } from '../train/checkpoint.js';
export { decodeState, encodeState, parseState, stringifyState } from '../train/serialize.js';
export {
  parseCheckpoint,
  type CheckpointData,
  type CheckpointExpectation,
} from '../train/checkpoint-data.js';
