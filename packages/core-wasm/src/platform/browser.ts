// What the engine needs from its host, in a browser or a web worker: the engine binary fetched
// from its URL, and the core count. No worker_threads here: ParallelNetwork uses Web Workers.
// See node.ts for the Node side; the package's "imports" map picks one as `#platform`.

/** The bytes of a compiled engine, fetched from its URL. */
export async function loadEngineBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`engine binary not found at ${url.href} (${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Node's worker_threads module (null in a browser). */
export function nodeWorkerThreads(): null {
  return null;
}

/** Threads worth using by default: the browser's logical cores. */
export function defaultThreadCount(): number {
  return (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1;
}

/** Browsers cannot turn on WebAssembly features: they have relaxed SIMD or they don't. */
export function enableRelaxedSimd(): boolean {
  return false;
}

/** No environment variables in a browser: the build is chosen by detection or by option. */
export function kernelsFromEnvironment(): undefined {
  return undefined;
}

/** No environment in a browser: the default worker threshold applies. */
export function workerThresholdFromEnvironment(): undefined {
  return undefined;
}
