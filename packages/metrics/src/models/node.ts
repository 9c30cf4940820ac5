// Model files for Node: TF.js Layers folders, safetensors files, PyTorch weights + layer JSON.
// Writes are atomic (see io/atomic.ts); Node's modules are
// imported inside the functions so that bundling this module for a browser is harmless.

import { PacgenError, type Loss, type NetworkSpec } from '@pacgen/core-wasm';
import { readFileBytes } from '../io/read-file.js';
import { parseJson } from '../io/safe-json.js';
import { ioReason } from '../io/errors.js';
import { foreignFiles, replaceDir, recoverReplace, writeFileAtomic } from '../io/atomic.js';
import type { LoadedModel, NamedTensor } from './model.js';
import { readSafetensors, writeSafetensors, type SafeTensor } from './safetensors.js';
import {
  fromTfjs,
  parseTfjsModelJson,
  tfjsWeightPaths,
  toTfjs,
  TFJS_SHARD_NAME,
} from './tfjs-convert.js';
import { torchToModel } from './torch.js';

async function readJson(file: string, what: string): Promise<unknown> {
  return parseJson(await readFileBytes(file, what), file);
}

/** Files a TF.js model folder may hold when `overwrite` replaces it (folders without a manifest). */
const TFJS_FILE = /^(model\.json|group\d+-shard\d+of\d+(\.bin)?)$/;

/**
 * Saves a network and its parameters as a TF.js Layers model: `dir`/model.json and
 * `dir`/group1-shard1of1.bin. The folder is written beside the target and moved into place by a
 * crash-safe commit (see `replaceDir`), so no partial output is left. An existing non-empty folder
 * is replaced only with `overwrite: true`, and only if it holds nothing but files pacgen wrote
 * (or, without pacgen's manifest, nothing but TF.js model files). A graph (or a network with
 * BatchNorm) is written as a functional model with its `buffers` (default the initial state).
 */
export async function saveTfjsModel(
  dir: string,
  spec: NetworkSpec,
  params: ArrayLike<number>,
  opts: { overwrite?: boolean; buffers?: ArrayLike<number> } = {},
): Promise<{ modelJson: string; weights: string[] }> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const { modelJson, weightData } = toTfjs(spec, params, { buffers: opts.buffers });
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await recoverReplace(target);
  const existing = await fs.readdir(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw new PacgenError(`${dir}: exists and is not a readable folder (${ioReason(e)})`);
  });
  if (existing && existing.length > 0) {
    if (!opts.overwrite) {
      throw new PacgenError(
        `${dir}: folder exists and is not empty (pass overwrite to replace a saved model)`,
      );
    }
    const foreign = await foreignFiles(target, (f) => TFJS_FILE.test(f));
    if (foreign.length > 0) {
      throw new PacgenError(
        `${dir}: will not replace a folder holding files pacgen did not write (${foreign.slice(0, 5).join(', ')})`,
      );
    }
  }
  let tmp = '';
  try {
    await fs.mkdir(parent, { recursive: true });
    tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(target)}.tmp-`));
    await fs.writeFile(path.join(tmp, 'model.json'), JSON.stringify(modelJson));
    await fs.writeFile(path.join(tmp, TFJS_SHARD_NAME), weightData);
    await replaceDir(tmp, target, 'saveTfjsModel');
    tmp = '';
  } catch (e) {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
    throw e instanceof PacgenError
      ? e
      : new PacgenError(`${dir}: cannot write the model: ${ioReason(e)}`);
  }
  return {
    modelJson: path.join(target, 'model.json'),
    weights: [path.join(target, TFJS_SHARD_NAME)],
  };
}

/**
 * Loads a TF.js Layers model (model.json and its weight shards, as written by tfjs
 * `model.save('file://…')`, tensorflowjs_converter or `saveTfjsModel`). `file` is the
 * model.json or its folder. Weight paths must stay inside that folder.
 */
export async function loadTfjsModel(
  file: string,
  opts: { loss?: Loss } = {},
): Promise<LoadedModel> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const isDir = await fs.stat(file).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const jsonPath = isDir ? path.join(file, 'model.json') : file;
  const json = parseTfjsModelJson(await readJson(jsonPath, 'model.json'), jsonPath);
  const dir = path.dirname(path.resolve(jsonPath));
  const realDir = await fs.realpath(dir);
  const shards = new Map<string, Uint8Array>();
  for (const rel of tfjsWeightPaths(json, jsonPath)) {
    if (shards.has(rel)) continue;
    const p = path.resolve(dir, rel);
    // Also refuse a link inside the folder that points out of it.
    const real = await fs.realpath(p).catch(() => p);
    const inside = path.relative(realDir, real);
    if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
      throw new PacgenError(`${jsonPath}: weight path '${rel}' escapes the model's folder`);
    }
    shards.set(rel, await readFileBytes(p, `weight file of ${jsonPath}`));
  }
  return fromTfjs(json, (p) => shards.get(p)!, { loss: opts.loss, file: jsonPath });
}

/** Reads a safetensors file (tensors widened to f64). */
export async function readSafetensorsFile(
  file: string,
): Promise<{ tensors: SafeTensor[]; metadata: Record<string, string> }> {
  return readSafetensors(await readFileBytes(file, 'safetensors file'), file);
}

/** Writes tensors as a safetensors file, atomically (e.g. per-parameter Hessian diagonals). */
export async function writeSafetensorsFile(
  file: string,
  tensors: NamedTensor[],
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(file, writeSafetensors(tensors, metadata));
}

/**
 * Loads PyTorch Sequential weights saved as safetensors, with the layer list (a
 * TorchArchitecture JSON) from `archFile` — by default the same path with `.json` in place of
 * `.safetensors`.
 */
export async function loadTorchModel(weightsFile: string, archFile?: string): Promise<LoadedModel> {
  const arch = archFile ?? weightsFile.replace(/(\.safetensors)?$/, '.json');
  if (arch === weightsFile) {
    throw new PacgenError(`${weightsFile}: give the layer list JSON path explicitly`);
  }
  // One after the other, so that when both are missing the error always names the weights file
  // (read in parallel, whichever failed first was reported).
  const { tensors } = await readSafetensorsFile(weightsFile);
  const layers = await readJson(arch, 'layer list JSON');
  return torchToModel(layers, tensors, weightsFile, arch);
}
