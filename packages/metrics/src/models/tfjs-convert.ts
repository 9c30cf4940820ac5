// Conversion between our networks and the TensorFlow.js Layers format (model.json + float32
// weight shards), which is also what tensorflowjs_converter makes of a Keras Sequential model.
// The file structure is in tfjs-format.ts, the layers in keras-layers.ts (read) and
// keras-writer.ts (write). Browser-safe: works on bytes and objects; node.ts reads and writes
// the files.

import {
  PacgenError,
  describeValue,
  type CompiledNetwork,
  type LayerSpec,
  type Loss,
  type NetworkSpec,
} from '@pacgen/core-wasm';
import { kerasGraphOf, needsFunctional, type GraphWeight } from './keras-graph-writer.js';
import { functionalGraph, isFunctional, readGraph } from './keras-functional.js';
import { readLayer, sequentialLayers, type ReadState } from './keras-layers.js';
import { kerasLayersOf } from './keras-writer.js';
import {
  compileFromFile,
  compileWithParams,
  initialBuffers,
  listNames,
  prod,
  type LoadedModel,
} from './model.js';
import { uniqueNames, weightMatcher } from './naming.js';
import {
  isObject,
  parseTfjsModelJson,
  readWeights,
  TFJS_SHARD_NAME,
  type TfjsModelJson,
} from './tfjs-format.js';

export {
  parseTfjsModelJson,
  tfjsWeightPaths,
  TFJS_SHARD_NAME,
  type TfjsModelJson,
  type TfjsWeightGroup,
  type TfjsWeightSpec,
} from './tfjs-format.js';

/**
 * Converts a network and its parameters to a TF.js Layers model: a Sequential topology with
 * Keras class names (Conv2D, Dense, MaxPooling2D, …) and one float32 little-endian shard. The
 * activation fused into the loss becomes the last layer's activation (e.g. softmax), so the
 * model predicts probabilities. Tied or shared parameters are written out per layer; explicit
 * conv padding becomes a ZeroPadding2D layer. GELU is refused (no TF.js activation matches
 * the engine's tanh form and loads).
 */
export function toTfjs(
  spec: NetworkSpec,
  params: ArrayLike<number>,
  opts: { modelName?: string; buffers?: ArrayLike<number> } = {},
): { modelJson: TfjsModelJson; weightData: Uint8Array } {
  const { compiled, weights } = compileWithParams(spec, params);
  if (needsFunctional(spec)) return toTfjsGraph(spec, compiled, weights, opts);
  const { layers, specs, unique } = kerasLayersOf(spec, compiled.layers);
  const out = compiled.outputActivation;
  if (out) {
    const last = layers[layers.length - 1];
    if (
      (last.class_name === 'Dense' || last.class_name === 'Conv2D') &&
      last.config.activation === 'linear'
    ) {
      last.config.activation = out;
    } else {
      layers.push({
        class_name: 'Activation',
        config: { name: unique(`output_${out}`), activation: out },
      });
    }
  }
  layers[0].config.batch_input_shape = [null, ...compiled.inputShape];
  layers[0].config.dtype = 'float32';

  const total = specs.reduce((a, s) => a + prod(s.shape), 0);
  const weightData = new Uint8Array(total * 4);
  const view = new DataView(weightData.buffer);
  let o = 0;
  for (const s of specs) {
    const n = prod(s.shape);
    for (let i = 0; i < n; i++, o += 4) view.setFloat32(o, weights[s.offset + i], true);
  }
  const modelJson: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: 'pacgen',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: opts.modelName ?? 'sequential', layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      {
        paths: [TFJS_SHARD_NAME],
        weights: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' })),
      },
    ],
    userDefinedMetadata: { pacgen: { loss: spec.loss } },
  };
  return { modelJson, weightData };
}

/**
 * The weights toTfjs writes for a spec, in the order it writes them (a TF.js model's
 * trainable weights come in this order), each with its offset into the expanded weights
 * (`from: 'weights'`) or the buffers. O(layers).
 */
export function tfjsWeights(spec: NetworkSpec, compiled: CompiledNetwork): GraphWeight[] {
  if (needsFunctional(spec)) return kerasGraphOf(spec, compiled, 'model').weights;
  return kerasLayersOf(spec, compiled.layers).specs.map((w) => ({ ...w, from: 'weights' }));
}

/**
 * toTfjs for a graph: a functional ('Model') topology, parameters then buffers in the shard.
 * Buffers default to the engine's initial state (moving mean 0, variance 1).
 */
function toTfjsGraph(
  spec: NetworkSpec,
  compiled: CompiledNetwork,
  weights: Float64Array,
  opts: { modelName?: string; buffers?: ArrayLike<number> },
): { modelJson: TfjsModelJson; weightData: Uint8Array } {
  const buffers = opts.buffers ?? initialBuffers(compiled);
  if (buffers.length !== compiled.numBuffers) {
    throw new PacgenError(
      `buffer vector has length ${buffers.length}, the network has ${compiled.numBuffers} buffer values`,
    );
  }
  const graph = kerasGraphOf(spec, compiled, opts.modelName ?? 'model');
  const total = graph.weights.reduce((a, s) => a + prod(s.shape), 0);
  const weightData = new Uint8Array(total * 4);
  const view = new DataView(weightData.buffer);
  let o = 0;
  for (const w of graph.weights) {
    const from = w.from === 'weights' ? weights : buffers;
    const n = prod(w.shape);
    for (let i = 0; i < n; i++, o += 4) view.setFloat32(o, from[w.offset + i], true);
  }
  const modelJson: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: 'pacgen',
    convertedBy: null,
    modelTopology: graph.topology,
    weightsManifest: [
      {
        paths: [TFJS_SHARD_NAME],
        weights: graph.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
      },
    ],
    userDefinedMetadata: { pacgen: { loss: spec.loss } },
  };
  return { modelJson, weightData };
}

/**
 * Builds a NetworkSpec from a Keras/TF.js topology — Sequential, or functional (a layer graph:
 * Add, Concatenate, BatchNormalization, …) — and fills its parameters, and any BatchNorm
 * moving statistics as buffers, from the weight groups. `shards(path)` returns the bytes of
 * one weight file. Weights map onto our tensors by layer name when the manifest uses the layer
 * names, else by order (parameters in layer order, then buffers, as TF.js saves them); every
 * shape is checked. The loss defaults to metadata written by `toTfjs`, else follows the output
 * activation (softmax → softmax-cross-entropy, sigmoid → sigmoid-bce, else mse). Cost: linear
 * in layers and weights.
 */
export function fromTfjs(
  json: unknown,
  shards: (path: string) => Uint8Array,
  opts: { loss?: Loss; file?: string } = {},
): LoadedModel {
  const file = opts.file ?? 'model.json';
  const model = parseTfjsModelJson(json, file);
  const state: ReadState = {
    layers: [] as LayerSpec[],
    pad: null,
    lastAct: null,
    names: uniqueNames(),
    channels: null,
    rank: null,
    renamed: new Map(),
  };
  const inputShape = isFunctional(model.modelTopology)
    ? readGraph(functionalGraph(model.modelTopology, file), file, state)
    : readSequential(model.modelTopology, file, state);
  const lastAct = state.lastAct;
  const layers = state.layers;
  const meta = model.userDefinedMetadata?.pacgen;
  const metaLoss = isObject(meta) ? (meta.loss as Loss | undefined) : undefined;
  const loss: Loss =
    opts.loss ??
    metaLoss ??
    (lastAct === 'softmax'
      ? 'softmax-cross-entropy'
      : lastAct === 'sigmoid'
        ? 'sigmoid-bce'
        : 'mse');
  const spec: NetworkSpec = { inputShape, layers, loss };
  const compiled = compileFromFile(spec, file);
  const { params, buffers } = fillTensors(
    compiled,
    readWeights(model, shards, file),
    state.renamed,
    file,
  );
  return compiled.numBuffers > 0 ? { spec, params, buffers } : { spec, params };
}

/** A Sequential topology's layers read into `state`; returns the input shape. */
function readSequential(topology: Record<string, unknown>, file: string, state: ReadState) {
  // Assigned inside the callback: the cast stops TypeScript narrowing it to null.
  let inputShape = null as number[] | null;
  sequentialLayers(topology, file).forEach((l, i) => {
    const shape = readLayer(l, i, file, state, inputShape === null);
    if (shape && inputShape === null) inputShape = shape;
  });
  if (state.pad !== null)
    throw new PacgenError(`${file}: the model ends with a ZeroPadding2D layer`);
  if (inputShape === null) {
    throw new PacgenError(`${file}: no input shape (batch_input_shape on the first layer)`);
  }
  return inputShape;
}

/**
 * The parameter vector and buffers from the manifest's weights: each of our tensors takes
 * the weight `weightMatcher` finds (Keras' name where `renamed` says, e.g. a depthwise
 * kernel, whose Keras shape [kh, kw, C, k] is ours [kh, kw, 1, C·k] in the same order). Every
 * weight must be used.
 */
function fillTensors(
  compiled: ReturnType<typeof compileFromFile>,
  weights: ReturnType<typeof readWeights>,
  renamed: Map<string, string>,
  file: string,
): { params: Float64Array; buffers: Float64Array } {
  const match = weightMatcher(weights);
  const find = (t: { name: string; shape: number[] }) => {
    const segment = renamed.get(t.name);
    const name = segment ? t.name.replace(/[^/]*$/, segment) : t.name;
    const w = match(name);
    if (!w) {
      throw new PacgenError(
        `${file}: no weight left in the manifest for tensor ${describeValue(name)} ${describeValue(t.shape)}`,
      );
    }
    const same = segment
      ? prod(w.shape) === prod(t.shape) && w.shape.slice(0, 2).join() === t.shape.slice(0, 2).join()
      : w.shape.join() === t.shape.join();
    if (!same) {
      throw new PacgenError(
        `${file}: weight ${describeValue(w.name)} has shape ${describeValue(w.shape)} but ${describeValue(name)} of the architecture needs ${describeValue(t.shape)}`,
      );
    }
    return w.data;
  };
  const params = new Float64Array(compiled.numParams);
  for (const t of compiled.tensors) params.set(find(t), t.offset);
  const buffers = new Float64Array(compiled.numBuffers);
  for (const b of compiled.buffers) buffers.set(find(b), b.offset);
  const unused = weights.filter((w) => !match.used.has(w));
  if (unused.length > 0) {
    throw new PacgenError(
      `${file}: weights not used by any layer: ${listNames(unused.map((w) => w.name))}`,
    );
  }
  return { params, buffers };
}
