export type * from './spec.js';
export { compileNetwork } from './compile/compile-network.js';
export type { CompiledNetwork, CompiledLayer, TensorInfo } from './compile/compiled.js';
export { PacgenError } from './errors.js';
export {
  engineModule,
  engineUrl,
  instantiateEngine,
  type EngineExports,
  type Precision,
} from './module.js';
export {
  Network,
  applyOutputActivation,
  defaultHvpStep,
  hvpStep,
  minimumHvpStep,
  sampleCount,
  type EvalResult,
  type HvpOptions,
  type KinkCount,
  type NetworkOptions,
  type PassOptions,
  type RealArray,
  type Samples,
} from './network.js';
export { Random } from './random.js';
export { ParallelNetwork, type ParallelNetworkOptions } from './parallel/parallel-network.js';
export { DESCRIBE_MAX_CHARS, describeName, describeValue } from './describe.js';
export {
  ENGINE_MEMORY_LIMIT,
  checkEngineMemory,
  engineMemoryBytes,
  formatBytes,
  formatCount,
} from './engine-memory.js';
