// What `compileNetwork` produces: the layer records the WebAssembly engine interprets (see
// assembly/program.ts for the fields), the parameter layout, and the engine's codes for ops,
// activations and losses.

import type { Activation, LayerSpec, Loss } from '../spec.js';

export const OP = {
  dense: 1,
  conv2d: 2,
  maxpool2d: 3,
  avgpool2d: 4,
  flatten: 5,
  dropout: 6,
  activation: 7,
} as const;

export const ACTIVATION_CODE: Record<Exclude<Activation, 'softmax'>, number> = {
  linear: 0,
  relu: 1,
  'leaky-relu': 2,
  sigmoid: 3,
  tanh: 4,
  softplus: 5,
  gelu: 6,
};

export const LOSS_CODE: Record<Loss, number> = {
  'softmax-cross-entropy': 1,
  'sigmoid-bce': 2,
  mse: 3,
};

/** A named block of the parameter vector. */
export interface TensorInfo {
  name: string;
  shape: number[];
  /** First index in the flat parameter vector. */
  offset: number;
  size: number;
}

export interface CompiledLayer {
  name: string;
  type: LayerSpec['type'];
  op: number;
  inShape: number[];
  outShape: number[];
  inSize: number;
  outSize: number;
  /** Offsets into the expanded weight vector, −1 when absent. */
  weightOffset: number;
  biasOffset: number;
  /** Op-specific integers (record fields 8…). */
  ints: number[];
  hyper: number;
  /** Scratch the layer needs per sample, and its element type. */
  aux: { kind: 'real' | 'i32'; perSample: number } | null;
  /**
   * The piecewise-linear state the engine records to count an HVP's kink crossings
   * (assembly/kinks.ts): the side of each ReLU / leaky-ReLU input, or each max-pool argmax.
   */
  kinks: 'sign' | 'argmax' | null;
}

/** Bytes of a layer's kink-state buffer for chunks of B samples: 1 bit a unit, or an i32. O(1). */
export function kinkStateBytes(l: CompiledLayer, B: number): number {
  if (l.kinks === 'sign') return 4 * Math.ceil((B * l.outSize) / 32);
  return l.kinks === 'argmax' ? 4 * B * l.outSize : 0;
}

export interface CompiledNetwork {
  layers: CompiledLayer[];
  /** Free parameter tensors (what users read, write and score). */
  tensors: TensorInfo[];
  numParams: number;
  /** Weights as the layers see them (equals numParams unless `shared` is used). */
  numWeights: number;
  /** weight j = params[map[j]], or null when the weights are the parameters. */
  map: Int32Array | null;
  inputShape: number[];
  inputSize: number;
  outputShape: number[];
  outputSize: number;
  loss: Loss;
  /** The softmax/sigmoid fused into the loss (a trailing one in the spec is stripped). */
  outputActivation: 'softmax' | 'sigmoid' | null;
  /** Largest per-sample activation width, for the backward ping-pong buffers. */
  maxWidth: number;
  /** Largest weight matrix, for the transpose scratch. */
  maxMatrix: number;
  /** Targets per sample: 1 class label (i32) or outputSize reals. */
  targetSize: number;
  targetIsLabel: boolean;
}
