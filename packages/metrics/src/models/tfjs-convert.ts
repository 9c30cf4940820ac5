// Conversion between our networks and the TensorFlow.js Layers format (model.json + float32
// weight shards), which is also what tensorflowjs_converter makes of a Keras Sequential model.
// The file structure is in tfjs-format.ts, the layers in keras-layers.ts (read) and
// keras-writer.ts (write). Browser-safe: works on bytes and objects; node.ts reads and writes
// the files.

import {
  PacgenError,
  describeValue,
  type LayerSpec,
  type Loss,
  type NetworkSpec,
} from '@pacgen/core-wasm';
import { readLayer, sequentialLayers, type ReadState } from './keras-layers.js';
import { kerasLayersOf } from './keras-writer.js';
import { compileFromFile, compileWithParams, listNames, prod, type LoadedModel } from './model.js';
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
  opts: { modelName?: string } = {},
): { modelJson: TfjsModelJson; weightData: Uint8Array } {
  const { compiled, weights } = compileWithParams(spec, params);
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
 * Builds a NetworkSpec from a Keras/TF.js Sequential topology and fills its parameters from
 * the weight groups. `shards(path)` returns the bytes of one weight file. Weights map onto
 * our tensors by layer name when the manifest uses the layer names, else by layer order; every
 * shape is checked. The loss defaults to metadata written by `toTfjs`, else follows the last
 * activation (softmax → softmax-cross-entropy, sigmoid → sigmoid-bce, else mse).
 */
export function fromTfjs(
  json: unknown,
  shards: (path: string) => Uint8Array,
  opts: { loss?: Loss; file?: string } = {},
): LoadedModel {
  const file = opts.file ?? 'model.json';
  const model = parseTfjsModelJson(json, file);
  const keras = sequentialLayers(model.modelTopology, file);
  const state: ReadState = {
    layers: [] as LayerSpec[],
    pad: null,
    lastAct: null,
    names: uniqueNames(),
  };
  // Assigned inside the callback: the cast stops TypeScript narrowing it to null.
  let inputShape = null as number[] | null;
  keras.forEach((l, i) => {
    const shape = readLayer(l, i, file, state, inputShape === null);
    if (shape && inputShape === null) inputShape = shape;
  });
  if (state.pad !== null)
    throw new PacgenError(`${file}: the model ends with a ZeroPadding2D layer`);
  if (inputShape === null) {
    throw new PacgenError(`${file}: no input shape (batch_input_shape on the first layer)`);
  }
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

  const weights = readWeights(model, shards, file);
  const params = new Float64Array(compiled.numParams);
  const match = weightMatcher(weights);
  for (const t of compiled.tensors) {
    const w = match(t.name);
    if (!w) {
      throw new PacgenError(
        `${file}: no weight left in the manifest for tensor ${describeValue(t.name)} ${describeValue(t.shape)}`,
      );
    }
    if (w.shape.join() !== t.shape.join()) {
      throw new PacgenError(
        `${file}: weight ${describeValue(w.name)} has shape ${describeValue(w.shape)} but ${describeValue(t.name)} of the architecture needs ${describeValue(t.shape)}`,
      );
    }
    params.set(w.data, t.offset);
  }
  const unused = weights.filter((w) => !match.used.has(w));
  if (unused.length > 0) {
    throw new PacgenError(
      `${file}: weights not used by any layer: ${listNames(unused.map((w) => w.name))}`,
    );
  }
  return { spec, params };
}
