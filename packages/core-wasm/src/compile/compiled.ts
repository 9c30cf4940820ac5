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
  add: 8,
  concat: 9,
  batchnorm: 10,
  layernorm: 11,
  'global-avgpool': 12,
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
  /** The nodes this one reads, by index in the list (−1: the network's input). */
  inputs: number[];
  /** Shape of the first input. */
  inShape: number[];
  outShape: number[];
  /** Size per sample of the first input. */
  inSize: number;
  outSize: number;
  /** Offsets into the expanded weight vector, −1 when absent. */
  weightOffset: number;
  biasOffset: number;
  /** Op-specific integers (record fields 8…). */
  ints: number[];
  hyper: number;
  /** A second hyper-parameter (batch-norm momentum). */
  hyper2: number;
  /**
   * Scratch the layer keeps from its forward to its backward pass, and its element type:
   * `perSample` values per sample plus `fixed` (per-channel statistics).
   */
  aux: { kind: 'real' | 'i32'; perSample: number; fixed?: number } | null;
  /** What the backward pass reads besides gradients (for the liveness plan). */
  backwardReads: { input: boolean; output: boolean };
  /** Offset of the node's buffers in the state vector (reals), −1 when it has none. */
  stateOffset: number;
  /**
   * The piecewise-linear state the engine records to count an HVP's kink crossings
   * (assembly/kinks.ts): the side of each ReLU / leaky-ReLU input, or each max-pool argmax.
   */
  kinks: 'sign' | 'argmax' | null;
}

/** Elements of a layer's scratch for chunks of B samples. O(1). */
export function auxCount(l: CompiledLayer, B: number): number {
  return l.aux ? B * l.aux.perSample + (l.aux.fixed ?? 0) : 0;
}

/**
 * Where each node's output and output gradient live in the activation pool, in reals per
 * sample (a chunk of B samples takes B times as much): buffers whose lifetimes do not overlap
 * share space (liveness.ts).
 */
export interface ActivationPlan {
  /** Offset of each node's output. */
  act: number[];
  /** Offset of each node's output gradient, −1 when none is needed (no parameters before it). */
  delta: number[];
  /** Per node and input: add into that input's gradient (another consumer wrote it first). */
  accumulate: boolean[][];
  /** Size of the pool. */
  perSample: number;
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
  /**
   * Buffers: tensors of the network's state that are not parameters (batch-norm running mean
   * and variance), laid out in one state vector; no gradient, curvature or optimizer sees them.
   */
  buffers: TensorInfo[];
  numBuffers: number;
  /** The activation and gradient buffers' places in the pool. */
  plan: ActivationPlan;
  /** Largest im2col column block per sample (one group of one convolution). */
  maxColumns: number;
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
  /** Largest per-sample input width, for the scratch of an added input gradient. */
  maxWidth: number;
  /** Largest weight matrix, for the transpose scratch. */
  maxMatrix: number;
  /** Targets per sample: 1 class label (i32) or outputSize reals. */
  targetSize: number;
  targetIsLabel: boolean;
}
