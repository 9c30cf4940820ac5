// ONNX model files for Node: read (a regular file, size-checked) and written atomically. An
// existing file is replaced only when asked and only if pacgen wrote it (its producer is
// 'pacgen'). Node's modules are imported inside the functions (see io/), and so is the ONNX
// codec: it needs onnx-proto, an optional peer dependency of the library.

import { PacgenError, type Loss, type NetworkSpec } from '@pacgen/core-wasm';
import { writeFileAtomic } from '../io/atomic.js';
import { readFileBytes, readFileBytesIfAny } from '../io/read-file.js';
import type { OnnxModel } from './onnx-model.js';

/** The ONNX reader and writer, loaded on first use; a clear error without onnx-proto. */
async function onnxCodec() {
  try {
    const [reader, importer, writer] = await Promise.all([
      import('./onnx-read.js'),
      import('./onnx-import.js'),
      import('./onnx-write.js'),
    ]);
    return { readOnnx: reader.readOnnx, onnxToModel: importer.onnxToModel, toOnnx: writer.toOnnx };
  } catch (e) {
    if (/onnx-proto/.test(String((e as Error)?.message))) {
      throw new PacgenError('ONNX files need the onnx-proto package: npm install onnx-proto@8');
    }
    throw e;
  }
}

/**
 * Loads an ONNX model file (as torch.onnx.export or `saveOnnxModel` writes it) as an engine
 * network with its parameters, buffers and the mapping back onto the file's initializers.
 * Cost: one read of the file, O(file size).
 */
export async function loadOnnxModel(file: string, opts: { loss?: Loss } = {}): Promise<OnnxModel> {
  const { onnxToModel } = await onnxCodec();
  return onnxToModel(await readFileBytes(file, 'ONNX model'), { file, loss: opts.loss });
}

/**
 * Writes a network with its parameters (and batch-norm buffers) as an ONNX file (opset 17,
 * float32 initializers unless `precision: 'f64'`), atomically. An existing file is replaced
 * only with `overwrite: true`, and only if it is an ONNX model pacgen wrote. Cost: O(parameters).
 */
export async function saveOnnxModel(
  file: string,
  spec: NetworkSpec,
  params: ArrayLike<number>,
  opts: { buffers?: ArrayLike<number>; precision?: 'f32' | 'f64'; overwrite?: boolean } = {},
): Promise<void> {
  const { readOnnx, toOnnx } = await onnxCodec();
  const bytes = toOnnx(spec, params, { buffers: opts.buffers, precision: opts.precision });
  const existing = await readFileBytesIfAny(file, 'ONNX model');
  if (existing) {
    if (!opts.overwrite) {
      throw new PacgenError(`${file}: exists (pass overwrite to replace a model pacgen wrote)`);
    }
    let producer = '';
    try {
      producer = readOnnx(existing, file).producer;
    } catch {
      // Not a readable ONNX model: certainly not one pacgen wrote.
    }
    if (producer !== 'pacgen') {
      throw new PacgenError(`${file}: will not replace a file pacgen did not write`);
    }
  }
  await writeFileAtomic(file, bytes);
}
