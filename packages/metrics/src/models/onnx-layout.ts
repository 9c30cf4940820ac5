// Per-parameter results of an imported ONNX model (a Hessian diagonal, σ*, the parameters
// themselves) written back named and shaped as the file's initializers: the inverse of the
// importer's NCHW → NHWC permutations, so that a user maps them onto their own model.
// Browser-safe.

import { PacgenError, describeName, type TensorInfo } from '@pacgen/core-wasm';
import { prod, type NamedTensor } from './model.js';
import type { OnnxTensorMapping } from './onnx-graph.js';

/**
 * Splits a per-parameter vector (laid out as the network's `tensors`) into one tensor per ONNX
 * initializer, with the initializer's name and shape (conv weights OIHW, Gemm weights
 * [out, in], the first linear layer's columns in PyTorch's CHW order). Buffers are not
 * parameters and are left out. Cost: O(parameters).
 */
export function toOnnxTensors(
  mappings: OnnxTensorMapping[],
  tensors: readonly TensorInfo[],
  vector: Float32Array | Float64Array,
): NamedTensor[] {
  const total = tensors.reduce((a, t) => a + t.size, 0);
  if (vector.length !== total) {
    throw new PacgenError(`vector has length ${vector.length}, the tensors hold ${total} values`);
  }
  const byName = new Map(tensors.map((t) => [t.name, t]));
  return mappings
    .filter((m) => !m.buffer)
    .map((m) => {
      const t = byName.get(m.tensor);
      if (!t || t.size !== prod(m.shape)) {
        throw new PacgenError(
          `the network has no tensor ${describeName(m.tensor)} of ${prod(m.shape)} values for initializer ${describeName(m.onnx)}`,
        );
      }
      const data =
        vector instanceof Float64Array ? new Float64Array(t.size) : new Float32Array(t.size);
      for (let i = 0; i < t.size; i++) data[m.index ? m.index[i] : i] = vector[t.offset + i];
      return { name: m.onnx, shape: [...m.shape], data };
    });
}
