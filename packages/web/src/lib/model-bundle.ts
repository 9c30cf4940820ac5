// A trained model as files: TF.js model.json + its one weight shard (what Score reads), handed
// to Score in memory or downloaded as one .zip that Score accepts as it is.

import type { NetworkSpec } from '@pacgen/core-wasm';
import { TFJS_SHARD_NAME, toTfjs } from '@pacgen/metrics/models';
import { strToU8, zipSync } from 'fflate';
import type { NamedBytes } from '../worker/protocol';

/** model.json and its shard. Cost: one pass over the m parameters (to f32). */
export function modelFiles(
  model: { spec: NetworkSpec; params: ArrayLike<number> },
  modelName: string,
): NamedBytes[] {
  const { modelJson, weightData } = toTfjs(model.spec, model.params, { modelName });
  return [
    { name: 'model.json', bytes: strToU8(JSON.stringify(modelJson)) },
    { name: TFJS_SHARD_NAME, bytes: weightData },
  ];
}

/** The files as one zip (stored, not deflated: f32 weights hardly compress). */
export function zipFiles(files: NamedBytes[]): Uint8Array {
  return zipSync(Object.fromEntries(files.map((f) => [f.name, f.bytes])), { level: 0 });
}
