// From a NetworkSpec to the engine's program: checks the spec as a whole, expands and fuses its
// activations, resolves its graph (graph.ts), compiles its nodes in order (layers.ts) over one
// parameter layout (parameters.ts), plans the activations (liveness.ts) and sizes the engine's
// shared buffers.

import { describeValue } from '../describe.js';
import { checkEngineMemory } from '../engine-memory.js';
import { PacgenError } from '../errors.js';
import type { LayerSpec, Loss, NetworkSpec } from '../spec.js';
import { LOSS_CODE, OP, type CompiledLayer, type CompiledNetwork } from './compiled.js';
import { resolveInputs } from './graph.js';
import { columnsPerSample, compileLayer } from './layers.js';
import { planActivations } from './liveness.js';
import { ParameterLayout, sharedParameters, type FreeParameters } from './parameters.js';
import { hasOwn, positiveInt, prod } from './values.js';

/**
 * Checks a spec and lays out its parameters. Throws PacgenError naming the problem. Cost:
 * O(layers + weights) (a `shared` map is checked entry by entry).
 */
export function compileNetwork(spec: NetworkSpec): CompiledNetwork {
  checkSpec(spec);
  const outputOf = new Map<string, string>();
  const { layers, outputActivation } = fuseOutputActivation(
    expand(spec.layers, outputOf),
    spec.loss,
  );
  const inputs = resolveInputs(layers, outputOf);
  const layout = new ParameterLayout();
  const compiled: CompiledLayer[] = [];
  let maxColumns = 1;
  layers.forEach((l, i) => {
    const shapes = inputs[i].map((j) => (j < 0 ? [...spec.inputShape] : compiled[j].outShape));
    const layer = compileLayer(l, inputs[i], shapes, layout);
    compiled.push(layer);
    maxColumns = Math.max(maxColumns, columnsPerSample(layer));
  });

  const plan = planActivations(compiled);
  // The scratch for an input gradient that is added rather than written: only a single-input
  // node whose input has another consumer needs it (a chain never does).
  let maxWidth = 1;
  compiled.forEach((l, i) => {
    if (l.op !== OP.add && l.op !== OP.concat && plan.accumulate[i][0]) {
      maxWidth = Math.max(maxWidth, l.inSize);
    }
  });
  const outputShape = compiled[compiled.length - 1].outShape;
  const outputSize = prod(outputShape);
  if (spec.loss === 'softmax-cross-entropy' && outputSize < 2) {
    throw new PacgenError('softmax-cross-entropy needs at least 2 outputs (classes)');
  }
  const free: FreeParameters = spec.shared
    ? sharedParameters(spec.shared, layout.numWeights)
    : { tensors: layout.tensors, map: null, numParams: layout.numWeights };
  if (free.numParams === 0) throw new PacgenError('network has no parameters');

  const targetIsLabel = spec.loss === 'softmax-cross-entropy';
  const result: CompiledNetwork = {
    layers: compiled,
    tensors: free.tensors,
    buffers: layout.buffers,
    numBuffers: layout.numBuffers,
    plan,
    maxColumns,
    numParams: free.numParams,
    numWeights: layout.numWeights,
    map: free.map,
    inputShape: [...spec.inputShape],
    inputSize: prod(spec.inputShape),
    outputShape,
    outputSize,
    loss: spec.loss,
    outputActivation,
    maxWidth,
    maxMatrix: layout.maxMatrix,
    targetSize: targetIsLabel ? 1 : outputSize,
    targetIsLabel,
  };
  // Before any caller allocates per parameter: a network that cannot fit at the smallest
  // settings is refused here, with the figure.
  checkEngineMemory(result, 'f32', 1);
  return result;
}

/** The spec's input shape, loss and layer list, before any layer is looked at. */
function checkSpec(spec: NetworkSpec): void {
  if (!spec || !Array.isArray(spec.inputShape) || spec.inputShape.length === 0) {
    throw new PacgenError('network spec needs inputShape, e.g. [784] or [28, 28, 1]');
  }
  spec.inputShape.forEach((d, i) => positiveInt(d, `inputShape[${i}]`));
  if (!hasOwn(LOSS_CODE, spec.loss)) {
    throw new PacgenError(
      `unknown loss ${describeValue(spec.loss)} (use ${Object.keys(LOSS_CODE).join(', ')})`,
    );
  }
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new PacgenError('network spec needs at least one layer');
  }
}

/**
 * Names every layer and expands `activation` options on dense/conv layers into layers; a layer
 * so split is read through its activation (`outputOf`: layer name → node name).
 */
function expand(layers: LayerSpec[], outputOf: Map<string, string>): LayerSpec[] {
  const out: LayerSpec[] = [];
  layers.forEach((l, i) => {
    if (typeof l !== 'object' || l === null || Array.isArray(l)) {
      throw new PacgenError(`layer ${i} is not an object, got ${describeValue(l)}`);
    }
    if (l.name !== undefined && typeof l.name !== 'string') {
      throw new PacgenError(`layer ${i}: name must be a string, got ${describeValue(l.name)}`);
    }
    const name = l.name ?? `${typeof l.type === 'string' ? l.type : 'layer'}_${i}`;
    if ((l.type === 'dense' || l.type === 'conv2d') && l.activation && l.activation !== 'linear') {
      out.push({ ...l, name, activation: undefined });
      out.push({ type: 'activation', activation: l.activation, name: `${name}_act` });
      outputOf.set(name, `${name}_act`);
    } else out.push({ ...l, name });
  });
  return out;
}

/**
 * A trailing softmax (with cross-entropy) or sigmoid (with BCE) is fused into the loss: the
 * network's outputs are then logits either way, and `predict` applies the activation.
 */
function fuseOutputActivation(
  expanded: LayerSpec[],
  loss: Loss,
): { layers: LayerSpec[]; outputActivation: CompiledNetwork['outputActivation'] } {
  const outputActivation: CompiledNetwork['outputActivation'] =
    loss === 'softmax-cross-entropy' ? 'softmax' : loss === 'sigmoid-bce' ? 'sigmoid' : null;
  let layers = expanded;
  const last = layers[layers.length - 1];
  // Only a trailing activation that reads the layer before it: the output is then that layer.
  const readsPrevious =
    last.inputs === undefined ||
    (last.inputs.length === 1 &&
      layers.length > 1 &&
      readsName(last.inputs[0], layers[layers.length - 2]));
  if (
    last.type === 'activation' &&
    outputActivation &&
    last.activation === outputActivation &&
    readsPrevious
  ) {
    layers = layers.slice(0, -1);
  }
  if (layers.length === 0)
    throw new PacgenError('network has no layer besides its output activation');
  return { layers, outputActivation };
}

/** Whether a reference names this node (itself, or the layer it is the split-off activation of). */
function readsName(ref: unknown, node: LayerSpec): boolean {
  return ref === node.name || (typeof ref === 'string' && `${ref}_act` === node.name);
}
