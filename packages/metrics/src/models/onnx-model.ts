// The types of an imported ONNX model, apart from the codec: what '/node' returns names no
// type of onnx-proto (an optional peer dependency), so a project without it still type-checks.

import type { LoadedModel } from './model.js';

/**
 * Where one engine tensor's values are in the ONNX file: engine element i is element
 * `index[i]` (identity when null) of the initializer named `onnx`, of ONNX shape `shape`. An
 * initializer read by a second layer (torch.onnx.export stores equal tensors once, e.g.
 * untrained batch-norm weights) is a parameter of its own there, named `${initializer}@${node}`.
 * A buffer is batch-norm state, not a parameter.
 */
export interface OnnxTensorMapping {
  tensor: string;
  onnx: string;
  shape: number[];
  index: Int32Array | null;
  buffer: boolean;
}

/** An imported ONNX model: the engine network, its parameters and buffers, and where they came from. */
export interface OnnxModel extends LoadedModel {
  onnx: {
    opset: number;
    producer: string;
    /** Each engine tensor's initializer, ONNX shape and element permutation. */
    mappings: OnnxTensorMapping[];
  };
}
