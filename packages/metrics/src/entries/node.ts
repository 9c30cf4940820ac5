// @pacgen/metrics/node: Node-only file I/O — data-set and model loaders and writers, regular-
// file reads with size limits, atomic files and crash-safe folder commits with an ownership
// manifest. Every reader treats its file as untrusted input (docs/security.md).

export {
  loadCifar10,
  loadCifar100,
  loadIdxDataset,
  loadMnist,
  mnistDataDir,
  readIdxFile,
  type CifarLoadOptions,
  type MnistOptions,
} from '../data/node.js';
export {
  loadTfjsModel,
  loadTorchModel,
  readSafetensorsFile,
  saveTfjsModel,
  writeSafetensorsFile,
} from '../models/node.js';
export {
  foreignFiles,
  recoverReplace,
  removeOwnFiles,
  removeStaleTempFiles,
  replaceDir,
  writeFileAtomic,
  type RecoveryReport,
} from '../io/atomic.js';
export { ioReason } from '../io/errors.js';
export { MAX_FILE_BYTES, fileKind, readFileBytes, readFileBytesIfAny } from '../io/read-file.js';
export { parseIdxBytes } from '../data/node.js';
export { loadOnnxModel, saveOnnxModel } from '../models/onnx-node.js';
// The file-system stores behind `checkpointDir` and a sweep's `outDir`, to pass explicitly.
export { fileCheckpointStore } from '../train/checkpoint-fs.js';
export { fileSweepStore } from '../experiments/sweep-store-fs.js';
