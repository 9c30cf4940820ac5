export type * from './spec.js';
export { compileNetwork } from './compile/compile-network.js';
export type { CompiledNetwork, CompiledLayer, TensorInfo } from './compile/compiled.js';
export { PacgenError } from './errors.js';
export {
  engineKernels,
  engineModule,
  engineUrl,
  instantiateEngine,
  relaxedSimdSupported,
  type EngineExports,
  type Kernels,
  type Precision,
} from './module.js';
export { Network, type NetworkOptions } from './network/network.js';
export type { RealArray } from './network/buffers.js';
export { sampleCount, sampleRange, type Samples } from './network/samples.js';
export type { EvalResult, PassOptions } from './network/evaluate.js';
export type { HvpOptions, KinkCount } from './network/hvp.js';
export { type DiagonalPassOptions, type EngineDiagonalKind } from './network/curvature.js';
export { applyOutputActivation } from './network/predict.js';
export { defaultHvpStep, hvpStep, minimumHvpStep } from './hvp-step.js';
export { Random } from './random.js';
export {
  DEFAULT_CHUNK,
  ParallelNetwork,
  type ParallelNetworkOptions,
} from './parallel/parallel-network.js';
export { DESCRIBE_MAX_CHARS, describeName, describeValue } from './describe.js';
export {
  ENGINE_BLOCK_LIMIT,
  ENGINE_MEMORY_LIMIT,
  checkEngineMemory,
  engineMemoryBytes,
  fittingMaxBatch,
  largestBlockBytes,
  peakActivationBytes,
  formatBytes,
  formatCount,
} from './engine-memory.js';
