// A fuzzing worker thread: runs batches of inputs of one target in-process and reports what each
// did. Before each input it publishes the input's index and start time in shared memory, so the
// runner's watchdog (on the main thread) sees an input that hangs, even in a synchronous loop
// that never yields, and ends this thread.

import { parentPort, workerData } from 'node:worker_threads';
import { Random } from '@pacgen/core-wasm';
import { inputSeed, makeInput } from './mutate.js';
import { classify } from './outcome.js';
import { SLOT, stateViews, type Batch, type WorkerMessage } from './protocol.js';
import type { Corpus } from './seeds.js';
import { targetByName } from './targets.js';

const { corpus, seed, state } = workerData as {
  corpus: Corpus;
  seed: number;
  state: SharedArrayBuffer;
};
const { slots, startedAt } = stateViews(state);
const port = parentPort!;

async function runBatch(b: Batch): Promise<void> {
  const target = targetByName(b.target)!;
  const seeds = corpus[b.target];
  for (const k of [SLOT.accepted, SLOT.clean, SLOT.other]) Atomics.store(slots, k, 0);
  for (let i = b.start; i < b.end; i++) {
    const rng = new Random(inputSeed(seed, b.target, i));
    const input = makeInput(seeds, target.json, rng, i);
    startedAt[0] = Date.now();
    Atomics.store(slots, SLOT.index, i);
    Atomics.store(slots, SLOT.busy, 1);
    let thrown: unknown;
    let threw = false;
    try {
      await target.run(input.files, seeds[input.seed].context);
    } catch (e) {
      thrown = e;
      threw = true;
    }
    Atomics.store(slots, SLOT.busy, 0);
    const outcome = classify(thrown, threw);
    Atomics.add(slots, SLOT[outcome.kind], 1);
    if (outcome.kind === 'other') {
      const m: WorkerMessage = {
        type: 'finding',
        target: b.target,
        index: i,
        error: outcome.error,
      };
      port.postMessage(m);
    }
  }
  port.postMessage({ type: 'done' } satisfies WorkerMessage);
}

port.on('message', (b: Batch) =>
  runBatch(b).catch((e: unknown) => {
    // A fault of the harness itself (not of a parser): the runner stops the whole run.
    const m: WorkerMessage = { type: 'harness-error', error: String((e as Error)?.stack ?? e) };
    port.postMessage(m);
  }),
);
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
