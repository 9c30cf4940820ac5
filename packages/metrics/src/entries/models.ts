// @pacgen/metrics/models: network presets (MLPs, the paper's CNNs, the toy network) and model
// formats converted in memory: TF.js Layers model.json + weights, safetensors, PyTorch layer
// lists. Browser-safe; reading and writing files is in '/node'.

export {
  PRESET_NAMES,
  cifarCnn,
  mlp,
  mnistCnn,
  presetByName,
  toyNet,
  type CifarCnnOptions,
  type MlpOptions,
  type MnistCnnOptions,
  type PresetName,
  type PresetOptions,
  type ToyNetOptions,
} from '../models/presets.js';
export { splitByTensors, type LoadedModel, type NamedTensor } from '../models/model.js';
export {
  TFJS_SHARD_NAME,
  fromTfjs,
  toTfjs,
  type TfjsModelJson,
  type TfjsWeightGroup,
  type TfjsWeightSpec,
} from '../models/tfjs-convert.js';
export { readSafetensors, writeSafetensors, type SafeTensor } from '../models/safetensors.js';
export {
  chwToHwc,
  torchToModel,
  type TorchArchitecture,
  type TorchLayer,
} from '../models/torch.js';
export { onnxToModel, ONNX_SUPPORTED_OPS, type OnnxModel } from '../models/onnx-import.js';
export type { OnnxTensorMapping } from '../models/onnx-graph.js';
export { toOnnxTensors } from '../models/onnx-layout.js';
export { readOnnx, type OnnxGraph } from '../models/onnx-read.js';
export { toOnnx } from '../models/onnx-write.js';
