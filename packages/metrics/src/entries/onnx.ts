// @pacgen/metrics/onnx: ONNX model files in memory — the importer (opsets 13–18 as
// torch.onnx.export writes them: NCHW converted to the engine's NHWC, with the mapping of each
// engine tensor back onto its initializer) and the exporter (opset 17). Browser-safe; it needs
// the optional peer dependency onnx-proto (the ONNX schema for protobufjs). Files on disk:
// loadOnnxModel and saveOnnxModel in '/node'.

export { onnxToModel, ONNX_SUPPORTED_OPS, type OnnxModel } from '../models/onnx-import.js';
export type { OnnxTensorMapping } from '../models/onnx-graph.js';
export { toOnnxTensors } from '../models/onnx-layout.js';
export { readOnnx, type OnnxGraph } from '../models/onnx-read.js';
export { toOnnx } from '../models/onnx-write.js';
