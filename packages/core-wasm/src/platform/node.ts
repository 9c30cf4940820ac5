// What the engine needs from its host, in Node: the engine binary from disk, worker threads and
// the core count. The package's "imports" map sends `#platform` here under the `node`
// condition and to browser.ts elsewhere, so a browser bundle never sees a `node:` import.

import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import * as workerThreads from 'node:worker_threads';

/** The bytes of a compiled engine (a file: URL on disk, anything else fetched). */
export async function loadEngineBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol !== 'file:') return new Uint8Array(await (await fetch(url)).arrayBuffer());
  try {
    return (await readFile(url)) as Uint8Array<ArrayBuffer>;
  } catch {
    throw new Error(
      `engine binary missing at ${url.pathname}: build it with 'npm run build -w @pacgen/core-wasm'`,
    );
  }
}

/** Node's worker_threads module (null in a browser). */
export function nodeWorkerThreads(): typeof workerThreads | null {
  return workerThreads;
}

/** Threads worth using by default: the cores this process may run on. */
export function defaultThreadCount(): number {
  return availableParallelism?.() ?? cpus().length;
}
