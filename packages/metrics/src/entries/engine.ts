// @pacgen/metrics/engine: the one engine layer. `objectiveFor(settings, model, data)` gives the
// mean loss of a model on core-wasm (any thread count, bit-identical results) or on
// TensorFlow.js (a backend), as an Objective every estimator takes. TF.js is loaded by a
// dynamic import when chosen; this entry is apart from the root so that a bundle of
// `@pacgen/metrics` never reaches TF.js, not even lazily (docs/architecture.md).

export {
  MAX_THREADS,
  objectiveFor,
  type EngineData,
  type EngineInfo,
  type EngineModel,
  type EngineObjective,
  type EngineSettings,
} from '../objective/engine-choice.js';
