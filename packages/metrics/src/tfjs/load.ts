// Loading a TF.js Layers model (model.json) with a one-line error for a class TF.js does not know:
// its own message for a custom layer that was never registered runs to five lines and names
// neither the file nor the fix.

import { PacgenError } from '@pacgen/core-wasm';
import { tf } from './backend.js';

/** The one-line error for TF.js's "Unknown layer: X" (also activation, initializer, …), else null. */
export function unknownClassError(e: unknown): PacgenError | null {
  const message = e instanceof Error ? e.message : String(e);
  const found = /^Unknown ([a-zA-Z ]+): ([^\s.]+)\./.exec(message);
  if (!found) return null;
  const [, kind, name] = found;
  return new PacgenError(
    `the model uses the ${kind} class '${name}', which TF.js does not know: define it (static className = '${name}') and call tf.serialization.registerClass(${name}) before loading`,
  );
}

/** Runs `load`, turning TF.js's multi-line "Unknown layer" error into {@link unknownClassError}'s. */
export async function withClassCheck<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw unknownClassError(e) ?? e;
  }
}

/**
 * `tf.loadLayersModel` (a URL such as 'https://…/model.json', 'indexeddb://name', or an IOHandler
 * such as `tf.io.fromMemory(artifacts)` or `tf.io.browserFiles([json, …weights])`), with one clear
 * line naming the class when model.json holds a custom layer (or activation, initializer, …)
 * that was never registered with `tf.serialization.registerClass`. Cost: reading the model.
 * (In Node without tfjs-node, file paths load through `loadTfjsModel` of `@pacgen/metrics/node`
 * into a NetworkSpec instead.)
 */
export async function loadLayersModel(
  source: string | tf.io.IOHandler,
  options?: tf.io.LoadOptions,
): Promise<tf.LayersModel> {
  return withClassCheck(() => tf.loadLayersModel(source, options));
}
