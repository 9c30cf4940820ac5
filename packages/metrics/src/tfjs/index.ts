// @pacgen/metrics/tfjs: Objectives on TensorFlow.js (cpu, wasm, webgpu, webgl backends), and the
// library the way TF.js users work: tensors and tf.data datasets as data, a PyHessian-style
// `hessian(model, data)`, a Ψ callback for model.fit, the library's optimizers as tf.Optimizers,
// and model.json loading that names unregistered custom layers. A subpath of its own so that
// `@pacgen/metrics` itself never loads TensorFlow.js.

export {
  TFJS_BACKENDS,
  TfjsBackendError,
  activeBackend,
  tf,
  useBackend,
  type TfjsBackendInfo,
  type TfjsBackendName,
  type UseBackendOptions,
} from './backend.js';
export { copyModel, logitsTopology, outputActivation, tfjsLogitsModel } from './layers-model.js';
export {
  DEFAULT_MAX_SAMPLES,
  DEFAULT_MAX_VALUES,
  hostData,
  type TfjsDataInput,
  type TfjsDataLimits,
  type TfjsDatasetElement,
  type TfjsTensorData,
} from './data-input.js';
export { hessian, type TfjsHessian, type TfjsHessianOptions } from './hessian.js';
export { loadLayersModel } from './load.js';
export { PacgenTfjsOptimizer, tfjsOptimizer, type TfjsStepInfo } from './optimizer.js';
export {
  PSI_LOG_KEYS,
  PsiCallback,
  psiEpochStats,
  type PsiCallbackOptions,
  type PsiEpochStats,
} from './psi-callback.js';
export { crossEntropyTargets } from './targets.js';
export {
  tfjsObjective,
  type TfjsData,
  type TfjsGradientOptions,
  type TfjsHvpRequest,
  type TfjsLossFn,
  type TfjsObjective,
  type TfjsObjectiveOptions,
  type TfjsTransfers,
} from './objective.js';
