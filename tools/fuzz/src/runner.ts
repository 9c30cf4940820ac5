// Runs the fuzzing: each target's inputs in batches over a few worker threads, with a watchdog
// that ends a worker whose current input runs past the time limit (a hang), counts it, and
// carries on from the next input in a fresh worker. A worker that dies (out of memory, a fatal
// engine error) is counted the same way, as a finding at the input it was on.

import { Worker } from 'node:worker_threads';
import type { Corpus } from './seeds.js';
import { SLOT, STATE_BYTES, stateViews, type Batch, type WorkerMessage } from './protocol.js';

export interface FuzzOptions {
  corpus: Corpus;
  /** Target names to run. */
  targets: string[];
  /** Inputs per target (the first ones are the unmutated seeds). */
  inputs: number;
  /** Seed of every mutation. */
  seed: number;
  /** An input running longer than this is a hang (ms). */
  timeoutMs: number;
  /** Worker threads. */
  workers: number;
  /** Inputs per batch handed to a worker (default 500). */
  batch?: number;
  /** Called after each finished batch. */
  onProgress?: (target: string, done: number, total: number) => void;
}

export interface Finding {
  index: number;
  kind: 'exception' | 'hang';
  error: string;
}

/** What one target's inputs did. */
export interface TargetReport {
  target: string;
  inputs: number;
  /** Parsed without an error. */
  accepted: number;
  /** Refused with a clear one-line PacgenError (or CliError). */
  clean: number;
  /** Any other exception, or a dead worker. */
  exceptions: number;
  /** Ran past the time limit. */
  hangs: number;
  findings: Finding[];
  seconds: number;
}

/** A worker thread running worker.ts from source (tsx registered inside it, see core-wasm's transport.ts). */
function spawn(corpus: Corpus, seed: number, state: SharedArrayBuffer): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const url = new URL('./worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(boot, {
    eval: true,
    workerData: { corpus, seed, state },
    execArgv: ['--conditions=@pacgen/source'],
    resourceLimits: { maxOldGenerationSizeMb: 2048 },
  });
}

/** Runs every target's inputs and returns one report per target, in the order given. */
export async function runFuzz(o: FuzzOptions): Promise<TargetReport[]> {
  const size = o.batch ?? 500;
  const reports = new Map<string, TargetReport>();
  const queue: Batch[] = [];
  for (const target of o.targets) {
    reports.set(target, {
      target,
      inputs: o.inputs,
      accepted: 0,
      clean: 0,
      exceptions: 0,
      hangs: 0,
      findings: [],
      seconds: 0,
    });
    for (let s = 0; s < o.inputs; s += size) {
      queue.push({ target, start: s, end: Math.min(o.inputs, s + size) });
    }
  }
  const slots = Array.from({ length: Math.max(1, o.workers) }, () => drain(o, queue, reports));
  await Promise.all(slots);
  return o.targets.map((t) => reports.get(t)!);
}

/** One worker slot: takes batches until none is left, replacing its worker after a hang. */
async function drain(o: FuzzOptions, queue: Batch[], reports: Map<string, TargetReport>) {
  const state = new SharedArrayBuffer(STATE_BYTES);
  let worker: Worker | null = null;
  try {
    while (queue.length > 0) {
      const batch = queue.shift()!;
      const report = reports.get(batch.target)!;
      if (!worker) worker = await start(o, state);
      worker = await runBatch(worker, batch, report, o, state, queue);
    }
  } catch (e) {
    // A fault of the harness (a worker that cannot start, a stall): stop every slot and fail.
    queue.length = 0;
    throw e;
  } finally {
    await worker?.terminate();
  }
}

/**
 * Runs one batch on `w` and adds up its counts; after a hang or a dead worker, records the
 * finding, queues the rest of the batch, and returns null (the slot starts a new worker).
 */
async function runBatch(
  w: Worker,
  batch: Batch,
  report: TargetReport,
  o: FuzzOptions,
  state: SharedArrayBuffer,
  queue: Batch[],
): Promise<Worker | null> {
  const { slots, startedAt } = stateViews(state);
  const t0 = Date.now();
  startedAt[0] = t0;
  const ended = await awaitBatch(w, batch, report, o, state);
  report.accepted += Atomics.load(slots, SLOT.accepted);
  report.clean += Atomics.load(slots, SLOT.clean);
  report.exceptions += Atomics.load(slots, SLOT.other);
  report.seconds += (Date.now() - t0) / 1000;
  if (ended.stopped) {
    const index = Atomics.load(slots, SLOT.index);
    if (ended.error) {
      report.exceptions++;
      report.findings.push({ index, kind: 'exception', error: ended.error });
    } else {
      report.hangs++;
      report.findings.push({ index, kind: 'hang', error: `no answer within ${o.timeoutMs} ms` });
    }
    await w.terminate();
    if (index + 1 < batch.end) queue.unshift({ ...batch, start: index + 1 });
    return null;
  }
  o.onProgress?.(batch.target, batch.end, o.inputs);
  return w;
}

/**
 * Hands one batch to a worker and waits until it is done, or until the watchdog stops it
 * (`stopped`: a hang, or `error` when the worker died). Rejects on a fault of the harness.
 */
function awaitBatch(
  w: Worker,
  batch: Batch,
  report: TargetReport,
  o: FuzzOptions,
  state: SharedArrayBuffer,
): Promise<{ stopped: boolean; error?: string }> {
  const { slots, startedAt } = stateViews(state);
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerMessage) => {
      if (m.type === 'finding') {
        report.findings.push({ index: m.index, kind: 'exception', error: m.error });
      } else if (m.type === 'harness-error') {
        fail(new Error(`fuzz harness failed on ${batch.target}: ${m.error}`));
      } else if (m.type === 'done') finish({ stopped: false });
    };
    const onError = (e: Error) => finish({ stopped: true, error: `worker died: ${e.message}` });
    const onExit = () => finish({ stopped: true, error: 'worker exited' });
    // startedAt moves at every input: past the limit, the input in hand hangs (busy), or the
    // worker stalled between inputs, which is a fault of the harness.
    const watchdog = setInterval(() => {
      if (Date.now() - startedAt[0] <= o.timeoutMs) return;
      if (Atomics.load(slots, SLOT.busy) === 1) finish({ stopped: true });
      else fail(new Error(`fuzz harness: a worker stalled between inputs of ${batch.target}`));
    }, 50);
    const cleanup = () => {
      clearInterval(watchdog);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const finish = (r: { stopped: boolean; error?: string }) => {
      cleanup();
      resolve(r);
    };
    const fail = (e: Error) => {
      cleanup();
      reject(e);
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage(batch);
  });
}

/** A fresh worker, once it has loaded the parsers. */
async function start(o: FuzzOptions, state: SharedArrayBuffer): Promise<Worker> {
  Atomics.store(stateViews(state).slots, SLOT.busy, 0);
  const worker = spawn(o.corpus, o.seed, state);
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: WorkerMessage) => (m.type === 'ready' ? resolve() : undefined));
    worker.once('error', reject);
  });
  return worker;
}
