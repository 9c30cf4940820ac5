/**
 * What a user writes to describe a network (shapes are per sample, NHWC). A plain list of
 * layers is a chain; a layer with `inputs` reads the named earlier layers instead of the one
 * before it, which makes the list a directed acyclic graph (residual blocks, concatenations).
 * The last layer is the network's output.
 */

export type Activation =
  'linear' | 'relu' | 'leaky-relu' | 'sigmoid' | 'tanh' | 'softplus' | 'gelu' | 'softmax';

export type Loss = 'softmax-cross-entropy' | 'sigmoid-bce' | 'mse';

interface Named {
  /** Unique layer name; parameter tensors are `${name}/kernel` and `${name}/bias`. */
  name?: string;
  /**
   * Names of earlier layers (or `'input'`, the network's input) this layer reads. Default: the
   * layer before it (the input for the first). Only `add` and `concat` take more than one.
   */
  inputs?: string[];
}

export interface DenseSpec extends Named {
  type: 'dense';
  units: number;
  useBias?: boolean;
  activation?: Activation;
  /** Reuse the parameters of the named layer (same shapes): one tensor, gradients summed. */
  tie?: string;
}

export interface Conv2dSpec extends Named {
  type: 'conv2d';
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  /** 'valid', 'same' (TensorFlow's rule) or explicit zero padding on every side. */
  padding?: 'valid' | 'same' | number;
  useBias?: boolean;
  activation?: Activation;
  tie?: string;
  /**
   * Channel groups (default 1): input and output channels split into `groups` blocks, each
   * convolved on its own; `groups` = input channels with `filters` = k · channels is a
   * depthwise convolution. Kernel shape [kh, kw, inChannels / groups, filters].
   */
  groups?: number;
}

export interface Pool2dSpec extends Named {
  type: 'maxpool2d' | 'avgpool2d';
  poolSize: number | [number, number];
  /** Defaults to poolSize. Padding is always 'valid'. */
  strides?: number | [number, number];
}

export interface FlattenSpec extends Named {
  type: 'flatten';
}

export interface DropoutSpec extends Named {
  type: 'dropout';
  /** Fraction of units zeroed in training mode, in [0, 1). */
  rate: number;
}

export interface ActivationSpec extends Named {
  type: 'activation';
  activation: Activation;
  /** Negative slope of leaky-relu (default 0.01). */
  alpha?: number;
}

/** Elementwise sum of two or more inputs of the same shape (a residual connection). */
export interface AddSpec extends Named {
  type: 'add';
}

/** Concatenation of inputs along the last (channel) axis; other dimensions must agree. */
export interface ConcatSpec extends Named {
  type: 'concat';
}

/**
 * Batch normalization over the last (channel) axis. Trainable `${name}/gamma` (scale) and
 * `${name}/beta` (shift); buffers (not parameters) `${name}/moving_mean` and
 * `${name}/moving_variance`. Inference mode (scoring, curvature, evaluation) normalizes with
 * the buffers, so the loss is a fixed function of the parameters; training mode uses the
 * batch's statistics (biased variance) and updates the buffers as PyTorch does:
 * moving = (1 − momentum) · moving + momentum · batch (unbiased variance for the buffer).
 */
export interface BatchNormSpec extends Named {
  type: 'batchnorm';
  /** Added to the variance (default 1e-5, PyTorch's; Keras uses 1e-3). */
  epsilon?: number;
  /** Weight of the batch statistic in the buffer update (default 0.1, PyTorch's). */
  momentum?: number;
  /** Learn β (default true). */
  center?: boolean;
  /** Learn γ (default true). */
  scale?: boolean;
}

/** Layer normalization over the last axis, with trainable `${name}/gamma` and `${name}/beta`. */
export interface LayerNormSpec extends Named {
  type: 'layernorm';
  /** Default 1e-5. */
  epsilon?: number;
}

/** Mean over height and width: [h, w, c] → [c]. */
export interface GlobalAvgPoolSpec extends Named {
  type: 'global-avgpool';
}

/** Passes its input through (a named junction, or an imported Identity op). */
export interface IdentitySpec extends Named {
  type: 'identity';
}

/** Reinterprets the per-sample values (row-major, NHWC) in a new per-sample shape. */
export interface ReshapeSpec extends Named {
  type: 'reshape';
  /** Positive sizes, at most one of them −1 (inferred from the input's size, as in Keras). */
  targetShape: number[];
}

export type LayerSpec =
  | DenseSpec
  | Conv2dSpec
  | Pool2dSpec
  | FlattenSpec
  | DropoutSpec
  | ActivationSpec
  | AddSpec
  | ConcatSpec
  | BatchNormSpec
  | LayerNormSpec
  | GlobalAvgPoolSpec
  | IdentitySpec
  | ReshapeSpec;

/**
 * Free-form parameter sharing: the network's own weights (every kernel and bias in layer
 * order) are gathered from a smaller vector of free parameters, weight j = free[map[j]].
 */
export interface SharedParameters {
  tensors: { name: string; shape: number[] }[];
  map: ArrayLike<number>;
}

export interface NetworkSpec {
  /** Per-sample input shape: [features] or [height, width, channels]. */
  inputShape: number[];
  layers: LayerSpec[];
  loss: Loss;
  shared?: SharedParameters;
}
