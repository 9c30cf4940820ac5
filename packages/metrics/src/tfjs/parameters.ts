// The parameters of a TF.js objective: the variables a model (or a pacgen spec, or the caller's
// own variables) trains, their layout in pacgen's flat parameter vector, the forward pass in
// inference mode and the loss it is scored with.

import { compileNetwork, PacgenError, type Loss, type NetworkSpec } from '@pacgen/core-wasm';
import { tfjsWeights } from '../models/tfjs-convert.js';
import { prod } from '../models/model.js';
import type { ParameterTensor } from '../objective/objective.js';
import { tf } from './backend.js';
import {
  copyModel,
  fusesOutput,
  lossFor,
  outputActivation,
  tfjsLogitsModel,
} from './layers-model.js';

/** A model's logits of a batch, in inference mode or (`training`) in training mode. */
export type TfjsForward = (x: tf.Tensor, training?: boolean) => tf.Tensor;

/** The model's forward pass in the mode asked for. */
function forwardOf(model: tf.LayersModel): TfjsForward {
  return (x, training = false) => model.apply(x, { training }) as tf.Tensor;
}

/** The variables of an objective and how they map onto the flat vector. */
export interface TfjsParameters {
  /** A private model made for the objective (disposed with it), or null for the caller's variables. */
  owned: tf.LayersModel | null;
  vars: tf.Variable[];
  tensors: ParameterTensor[];
  /** Variable element j holds parameter index[j] (null: the identity). */
  index: Int32Array | null;
  /**
   * Logits (or outputs) of a batch, in inference mode unless `training` (dropout on, batch norm
   * on the batch's statistics); null with a custom loss function.
   */
  forward: TfjsForward | null;
  loss: Loss | 'custom';
  /** Input shape when the model knows it. */
  inputShape: readonly number[] | undefined;
  /** The starting point. */
  w0: Float64Array;
}

/** A pacgen spec built as a TF.js logits model, its weights laid out as core-wasm lays them. */
export async function parametersFromSpec(
  spec: NetworkSpec,
  params: ArrayLike<number> | undefined,
  loss: Loss | undefined,
  buffers?: ArrayLike<number>,
): Promise<TfjsParameters> {
  if (!params) throw new PacgenError('tfjsObjective: a spec needs its params');
  const compiled = compileNetwork(spec);
  if (params.length !== compiled.numParams) {
    throw new PacgenError(
      `params have length ${params.length}, the network has ${compiled.numParams} parameters`,
    );
  }
  const owned = await tfjsLogitsModel(spec, params, buffers);
  const vars = owned.trainableWeights.map((v) => v.read() as tf.Variable);
  // The trainable weights toTfjs writes, found by name: a functional model lists its layers by
  // depth, which for a graph is not the order they were written in.
  const written = new Map(
    tfjsWeights(spec, compiled)
      .filter((w) => w.from === 'weights')
      .map((w) => [w.name, w]),
  );
  const found = owned.trainableWeights.map((v) => written.get(v.originalName));
  const offsets = found.map((w) => w?.offset ?? -1);
  if (
    written.size !== vars.length ||
    found.some((w, k) => w === undefined || prod(w.shape) !== vars[k].size)
  ) {
    owned.dispose();
    throw new PacgenError(
      `internal: the tfjs model's ${vars.length} weights are not the spec's ${written.size}`,
    );
  }
  const total = vars.reduce((a, v) => a + v.size, 0);
  const idx = new Int32Array(total);
  let j = 0;
  vars.forEach((v, k) => {
    for (let i = 0; i < v.size; i++, j++) {
      const wj = offsets[k] + i;
      idx[j] = compiled.map ? compiled.map[wj] : wj;
    }
  });
  return {
    owned,
    vars,
    tensors: compiled.tensors.map((t) => ({ ...t, shape: [...t.shape] })),
    index: idx.every((p, i) => p === i) && total === compiled.numParams ? null : idx,
    forward: forwardOf(owned),
    loss: loss ?? spec.loss,
    inputShape: compiled.inputShape,
    w0: Float64Array.from(params),
  };
}

/**
 * A copy of a TF.js Layers model (its output activation fused into the loss when it can be),
 * its trainable weights in model order. `labels`: whether the targets are class labels.
 */
export async function parametersFromModel(
  model: tf.LayersModel,
  labels: boolean,
  loss: Loss | undefined,
): Promise<TfjsParameters> {
  const topology = model.toJSON(null, false) as unknown as { class_name: string; config: unknown };
  const act = outputActivation(topology);
  const lossKind = lossFor(act, labels, loss);
  const owned = await copyModel(model, fusesOutput(act, lossKind));
  const vars = owned.trainableWeights.map((v) => v.read() as tf.Variable);
  const names = model.trainableWeights.map((v) => v.originalName);
  const tensors = layout(vars, (k) => names[k]);
  const shape = owned.inputs[0].shape.slice(1);
  if (!shape.every((d) => typeof d === 'number' && d > 0)) {
    owned.dispose();
    throw new PacgenError(`the model's input shape [${shape.join(', ')}] must be fully known`);
  }
  return {
    owned,
    vars,
    tensors,
    index: null,
    forward: forwardOf(owned),
    loss: lossKind,
    inputShape: shape as number[],
    w0: await flatValues(vars),
  };
}

/** The caller's own float32 trainable variables, scored by their loss function. */
export async function parametersFromVariables(vars: tf.Variable[]): Promise<TfjsParameters> {
  if (vars.length === 0) throw new PacgenError('tfjsObjective: no variables');
  vars.forEach((v) => {
    if (!v.trainable) throw new PacgenError(`variable '${v.name}' is not trainable`);
    if (v.dtype !== 'float32') throw new PacgenError(`variable '${v.name}' is not float32`);
  });
  return {
    owned: null,
    vars,
    tensors: layout(vars, (k) => vars[k].name),
    index: null,
    forward: null,
    loss: 'custom',
    inputShape: undefined,
    w0: await flatValues(vars),
  };
}

/** Consecutive blocks of the flat vector, one per variable. */
function layout(vars: tf.Variable[], name: (k: number) => string): ParameterTensor[] {
  let offset = 0;
  return vars.map((v, k) => {
    const t = { name: name(k), shape: [...v.shape], offset, size: v.size };
    offset += v.size;
    return t;
  });
}

async function flatValues(vars: tf.Variable[]): Promise<Float64Array> {
  const flat = tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(v, [-1]))));
  const values = Float64Array.from(await flat.data());
  flat.dispose();
  return values;
}
