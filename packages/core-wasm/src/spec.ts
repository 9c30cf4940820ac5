/** What a user writes to describe a sequential network (shapes are per sample, NHWC). */

export type Activation =
  'linear' | 'relu' | 'leaky-relu' | 'sigmoid' | 'tanh' | 'softplus' | 'gelu' | 'softmax';

export type Loss = 'softmax-cross-entropy' | 'sigmoid-bce' | 'mse';

interface Named {
  /** Unique layer name; parameter tensors are `${name}/kernel` and `${name}/bias`. */
  name?: string;
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

export type LayerSpec =
  DenseSpec | Conv2dSpec | Pool2dSpec | FlattenSpec | DropoutSpec | ActivationSpec;

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
