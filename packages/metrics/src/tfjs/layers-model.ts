// A tf.LayersModel built from our NetworkSpec (through the conversion to the TF.js Layers format
// in models/tfjs-convert.ts), and a model's logits: the softmax or sigmoid that its loss fuses
// is taken off the output layer, as core-wasm's compiler does, so the loss is computed from
// logits (finite, exact gradients).

import { compileNetwork, PacgenError, type Loss, type NetworkSpec } from '@pacgen/core-wasm';
import { toTfjs } from '../models/tfjs-convert.js';
import { tf } from './backend.js';
import { withClassCheck } from './load.js';

type Layer = { class_name: string; config: Record<string, unknown> };
type Topology = { class_name: string; config: unknown };

/** The output activation fused into each loss. */
const FUSED: Record<Loss, string | null> = {
  'softmax-cross-entropy': 'softmax',
  'sigmoid-bce': 'sigmoid',
  mse: null,
};

/** The layer configs of a Sequential or functional topology, and the output layer's. */
function outputLayer(topology: Topology): Layer | null {
  const config = topology.config as Record<string, unknown> | Layer[];
  const layers = (Array.isArray(config) ? config : config?.layers) as Layer[] | undefined;
  if (!Array.isArray(layers) || layers.length === 0) return null;
  if (topology.class_name === 'Sequential') return layers[layers.length - 1];
  // Functional: output_layers = [[name, nodeIndex, tensorIndex], …]; one output only.
  const outs = (config as Record<string, unknown>).output_layers as unknown[][] | undefined;
  if (!Array.isArray(outs) || outs.length !== 1) return null;
  const name = outs[0][0];
  return layers.find((l) => l.config.name === name) ?? null;
}

/** The activation a layer applies last ('linear' when none). */
function activationOf(layer: Layer): string {
  if (layer.class_name === 'Softmax') return 'softmax';
  const a = layer.config.activation;
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object' && 'class_name' in a) {
    // Only a string: String() of a hostile nested array recurses without limit.
    return typeof a.class_name === 'string' ? a.class_name.toLowerCase() : 'unknown';
  }
  return 'linear';
}

/**
 * The output activation of a topology (model.json's modelTopology or `model.toJSON(null,
 * false)`): 'softmax', 'sigmoid', 'linear', … or null when there is no single output layer.
 */
export function outputActivation(topology: Topology): string | null {
  const last = outputLayer(topology);
  return last ? activationOf(last) : null;
}

/**
 * Returns a copy of the topology whose output layer applies no activation (so the model gives
 * logits); the layer keeps its name, so the weights still load by name and by order.
 */
export function logitsTopology(topology: Topology): Topology {
  const copy = JSON.parse(JSON.stringify(topology)) as Topology;
  const last = outputLayer(copy);
  if (!last) throw new PacgenError('the model has no single output layer to take logits from');
  if (last.class_name === 'Softmax') {
    last.class_name = 'Activation';
    last.config = { name: last.config.name, activation: 'linear' };
  } else {
    last.config.activation = 'linear';
  }
  return copy;
}

/** The loss for a model: given, else the one its output activation implies (fromTfjs's rule). */
export function lossFor(act: string | null, labels: boolean, given?: Loss): Loss {
  if (given) return given;
  if (act === 'softmax') return 'softmax-cross-entropy';
  if (act === 'sigmoid') return 'sigmoid-bce';
  return labels ? 'softmax-cross-entropy' : 'mse';
}

/** Whether the model's output activation is the one `loss` fuses (and so is taken off). */
export function fusesOutput(act: string | null, loss: Loss): boolean {
  return act !== null && FUSED[loss] === act;
}

/**
 * A tf.LayersModel of `spec` holding `params` (core-wasm's flat layout, rounded to f32) and
 * `buffers` (BatchNorm moving statistics, laid out as compileNetwork(spec).buffers; default the
 * initial state), computing logits: toTfjs (a Sequential model, or a functional one for a
 * graph), with the output activation that the spec's loss fuses taken off,
 * loaded from memory. Cost: one pass over the parameters; the weights live on the active
 * backend. Errors as toTfjs's (e.g. GELU has no TF.js activation).
 */
export async function tfjsLogitsModel(
  spec: NetworkSpec,
  params: ArrayLike<number>,
  buffers?: ArrayLike<number>,
): Promise<tf.LayersModel> {
  compileNetwork(spec); // spec errors first, with the engine's messages
  const { modelJson, weightData } = toTfjs(spec, params, { buffers });
  const topology = modelJson.modelTopology as unknown as Topology;
  const act = outputActivation(topology);
  const modelTopology = fusesOutput(act, spec.loss) ? logitsTopology(topology) : topology;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelTopology as unknown as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: modelJson.weightsManifest.flatMap(
        (g) => g.weights,
      ) as tf.io.WeightsManifestEntry[],
      weightData: weightData.buffer.slice(
        weightData.byteOffset,
        weightData.byteOffset + weightData.byteLength,
      ) as ArrayBuffer,
    }),
  );
}

/**
 * A private copy of a user's model (same topology and weights), with the output activation
 * that `loss` fuses taken off when `strip`. The user's model is never changed. Cost: one copy
 * of the weights on the device.
 */
export async function copyModel(model: tf.LayersModel, strip: boolean): Promise<tf.LayersModel> {
  const topology = model.toJSON(null, false) as unknown as Topology;
  const modelTopology = strip ? logitsTopology(topology) : topology;
  const copy = await withClassCheck(() =>
    tf.models.modelFromJSON({
      modelTopology: modelTopology as unknown as tf.io.ModelArtifacts['modelTopology'],
    } as Parameters<typeof tf.models.modelFromJSON>[0]),
  );
  const weights = model.getWeights();
  copy.setWeights(weights);
  return copy;
}
