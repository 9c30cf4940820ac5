// What the engine needs from its host, in Node: the engine binary from disk, worker threads and
// the core count. The package's "imports" map sends `#platform` here under the `node`
// condition and to browser.ts elsewhere, so a browser bundle never sees a `node:` import.

import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';
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

/**
 * Turns on V8's relaxed SIMD (Node 20 ships it behind --experimental-wasm-relaxed-simd; Node 22+
 * has it on). Modules compiled afterwards may use it; returns true when the flag was set.
 */
export function enableRelaxedSimd(): boolean {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}

/** The PACGEN_KERNELS environment variable ('fma' or 'plain'; undefined when unset). */
export function kernelsFromEnvironment(): string | undefined {
  return process.env.PACGEN_KERNELS;
}

/** The PACGEN_WORKER_THRESHOLD environment variable as a number (undefined when unset). */
export function workerThresholdFromEnvironment(): number | undefined {
  const v = process.env.PACGEN_WORKER_THRESHOLD;
  return v === undefined || v === '' ? undefined : Number(v);
}
