// @pacgen/metrics/models: network presets (MLPs, the paper's CNNs, the toy network) and model
// formats converted in memory: TF.js Layers model.json + weights, safetensors, PyTorch layer
// lists (ONNX: '/onnx'). Browser-safe; reading and writing files is in '/node'.

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
