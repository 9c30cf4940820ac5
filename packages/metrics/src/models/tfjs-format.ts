// The TensorFlow.js Layers file format itself: model.json's structure (a topology and a weights
// manifest), the weight files it names, and the float32 tensors in them. Browser-safe.

import { PacgenError, describeName, describeValue } from '@pacgen/core-wasm';
import { checkRelativePath, listNames, MAX_TENSOR_RANK, prod } from './model.js';

/** The weight file `toTfjs` writes. */
export const TFJS_SHARD_NAME = 'group1-shard1of1.bin';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/** The parts of model.json we read and write. */
export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest: TfjsWeightGroup[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** A plain object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the structure of a model.json object (a Sequential Layers model with a weights
 * manifest) and returns it typed; `file` names it in errors.
 */
export function parseTfjsModelJson(json: unknown, file = 'model.json'): TfjsModelJson {
  if (!isObject(json) || !isObject(json.modelTopology)) {
    throw new PacgenError(
      `${file}: not a TF.js Layers model.json (no modelTopology object; graph models from tf.saved_model are not supported)`,
    );
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new PacgenError(`${file}: weightsManifest is missing or not an array`);
  }
  // Where each weight name was first seen: a repeated name would load into the wrong layer.
  const seen = new Map<string, string>();
  manifest.forEach((g, i) => {
    if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new PacgenError(`${file}: weightsManifest[${i}] needs 'paths' and 'weights' arrays`);
    }
    g.paths.forEach((p) => checkRelativePath(p, file));
    g.weights.forEach((w, j) => {
      const at = `weightsManifest[${i}].weights[${j}]`;
      if (
        !isObject(w) ||
        typeof w.name !== 'string' ||
        !Array.isArray(w.shape) ||
        w.shape.length > MAX_TENSOR_RANK ||
        !w.shape.every((d) => Number.isInteger(d) && d >= 0)
      ) {
        throw new PacgenError(
          `${file}: ${at} needs a name and a shape of at most ${MAX_TENSOR_RANK} integers ≥ 0`,
        );
      }
      const first = seen.get(w.name);
      if (first !== undefined) {
        throw new PacgenError(
          `${file}: weight name ${describeValue(w.name)} appears twice in the manifest (${first} and ${at})`,
        );
      }
      seen.set(w.name, at);
    });
  });
  return json as unknown as TfjsModelJson;
}

/** The weight files a model.json refers to, in order (checked to stay inside its folder). */
export function tfjsWeightPaths(json: TfjsModelJson, file = 'model.json'): string[] {
  return json.weightsManifest.flatMap((g) => g.paths.map((p) => checkRelativePath(p, file)));
}

/** A weight of the manifest with its float32 values. */
export interface TfjsWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Slices every weight group's concatenated shards into float32 tensors, checking sizes. */
export function readWeights(
  model: TfjsModelJson,
  shards: (path: string) => Uint8Array,
  file: string,
): TfjsWeight[] {
  const out: TfjsWeight[] = [];
  for (const group of model.weightsManifest) {
    const paths = group.paths.map((p) => checkRelativePath(p, file));
    let need = 0;
    for (const w of group.weights) {
      if (w.quantization !== undefined) {
        throw new PacgenError(
          `${file}: weight ${describeValue(w.name)} is quantized; only float32 weights are supported`,
        );
      }
      if (w.dtype !== 'float32') {
        throw new PacgenError(
          `${file}: weight ${describeValue(w.name)} has dtype ${describeName(w.dtype)}; only float32 is supported`,
        );
      }
      need += prod(w.shape) * 4;
    }
    const parts = paths.map((p) => shards(p));
    const have = parts.reduce((a, b) => a + b.length, 0);
    if (have !== need) {
      throw new PacgenError(
        `${file}: weight files ${listNames(paths)} hold ${have} bytes but the manifest's ${group.weights.length} weights need ${need}${have < need ? ' (truncated)' : ''}`,
      );
    }
    const bytes = parts.length === 1 ? parts[0] : concat(parts, have);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let o = 0;
    for (const w of group.weights) {
      const n = prod(w.shape);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++, o += 4) {
        data[i] = view.getFloat32(o, true);
        if (!Number.isFinite(data[i])) {
          throw new PacgenError(
            `${file}: weight ${describeValue(w.name)} has a non-finite value at index ${i}`,
          );
        }
      }
      out.push({ name: w.name, shape: w.shape, data });
    }
  }
  return out;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
