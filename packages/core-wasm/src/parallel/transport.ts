// Messages between a ParallelNetwork and its workers, and one small interface over Node's
// worker_threads and browsers' Web Workers so the rest of the code doesn't care which it has.

import type { EngineDiagonalKind } from '../network/curvature.js';
import type { Kernels, Precision } from '../module.js';
import type { RealArray } from '../network/buffers.js';
import type { EvalResult } from '../network/evaluate.js';
import type { NetworkSpec } from '../spec.js';
import { nodeWorkerThreads } from '#platform';

/** A part of a sample selection: a range, or a slice of an index list (checked by the worker). */
export type PartSamples = { start: number; count: number } | number[] | Int32Array;

export type WorkerRequest = { id: number } & (
  | { type: 'init'; spec: NetworkSpec; precision: Precision; maxBatch: number; kernels: Kernels }
  | { type: 'data'; x: RealArray; y: Float64Array }
  | { type: 'buffers'; values: Float64Array }
  | {
      type: 'pass';
      /** Present only when the worker's copy is stale. */
      params?: RealArray;
      samples: PartSamples;
      grad: boolean;
      training?: boolean;
      seed?: number;
    }
  | {
      type: 'hvp';
      params?: RealArray;
      samples: PartSamples;
      v: RealArray;
      step: number;
      richardson?: boolean;
      gaussNewton?: boolean;
    }
  | { type: 'diagonal'; params?: RealArray; samples: PartSamples; kind: EngineDiagonalKind }
);

export type WorkerReply =
  | { id: number; ok: true; result?: EvalResult; out?: RealArray; crossings?: number }
  | { id: number; ok: false; error: { name: string; message: string } };

/** One worker, seen from the thread that started it. */
export interface Transport {
  post(msg: WorkerRequest, transfer?: ArrayBuffer[]): void;
  /**
   * Whether the worker should keep the host process alive (Node only): on while requests are
   * pending, off when idle, so a forgotten `terminate()` doesn't hang the process.
   */
  hold(active: boolean): void;
  terminate(): Promise<void>;
}

export interface TransportEvents {
  message(reply: WorkerReply): void;
  /** The worker died (uncaught error or exit) outside of `terminate()`. */
  fail(error: Error): void;
}

/** Starts a worker running worker.ts/worker.js from this folder. */
export function spawnWorker(events: TransportEvents): Promise<Transport> {
  return nodeWorkerThreads() ? spawnNode(events) : Promise.resolve(spawnBrowser(events));
}

function spawnBrowser(events: TransportEvents): Transport {
  // This exact form lets bundlers (Vite, webpack) find and emit the worker module.
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<WorkerReply>) => events.message(e.data);
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    events.fail(new Error(`ParallelNetwork worker failed: ${e.message}`));
  };
  return {
    post: (msg, transfer = []) => w.postMessage(msg, transfer),
    hold: () => {},
    terminate: async () => w.terminate(),
  };
}

async function spawnNode(events: TransportEvents): Promise<Transport> {
  const { Worker } = nodeWorkerThreads()!;
  let w: InstanceType<typeof Worker>;
  if (import.meta.url.endsWith('.ts')) {
    // Running from TypeScript sources (vitest, tsx): Node can't load worker.ts by itself, and
    // tsx's --import hook skips worker threads, so register tsx inside the worker first.
    const worker = new URL('./worker.ts', import.meta.url).href;
    let tsx: string;
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      throw new Error(
        "ParallelNetwork from TypeScript sources needs 'tsx' to load its worker: install tsx or use the built package (dist/)",
      );
    }
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}); })`;
    w = new Worker(boot, { eval: true });
  } else {
    w = new Worker(new URL('./worker.js', import.meta.url));
  }
  let ending = false;
  w.on('message', (m: WorkerReply) => events.message(m));
  w.on('error', (e: Error) => events.fail(e));
  w.on('exit', (code) => {
    if (!ending)
      events.fail(new Error(`ParallelNetwork worker exited unexpectedly (code ${code})`));
  });
  w.unref();
  return {
    post: (msg, transfer = []) => w.postMessage(msg, transfer),
    hold: (active) => (active ? w.ref() : w.unref()),
    terminate: async () => {
      ending = true;
      await w.terminate();
    },
  };
}
