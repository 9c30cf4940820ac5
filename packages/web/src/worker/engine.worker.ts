// The engine worker: runs one job (toy landscape, toy point, training or scoring) and reports
// progress, events and the result or a one-line error. The page terminates it to cancel.

import { describe, loadData } from './data';
import { MNIST_ASSET, type FromWorker, type Job, type ToWorker } from './protocol';
import { runScore } from './score';
import { runProbe, runToy } from './toy';
import { runTrain } from './train';

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(msg: FromWorker): void;
};

const send = (msg: FromWorker) => scope.postMessage(msg);

// Training controls: pause holds the loop at its next step; stop ends it gracefully.
const abort = new AbortController();
let paused: { promise: Promise<void>; resolve: () => void } | null = null;
function setPaused(on: boolean) {
  if (on && !paused) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    paused = { promise, resolve };
  } else if (!on && paused) {
    paused.resolve();
    paused = null;
  }
  send({ type: 'paused', paused: on });
}

/** Progress messages: at each stage change and end, else at most one per 50 ms. */
function progressReporter() {
  let last = 0;
  let lastStage = '';
  return (stage: string, done: number, total: number) => {
    const t = performance.now();
    if (stage !== lastStage || done === total || t - last > 50) {
      last = t;
      lastStage = stage;
      send({ type: 'progress', stage, done, total });
    }
  };
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    // PacgenError and its subclasses (TfjsBackendError) are already in plain words.
    return /^(Pacgen|TfjsBackend)Error$/.test(e.name) ? e.message : `${e.name}: ${e.message}`;
  }
  return String(e);
}

async function run(job: Job, base: string): Promise<unknown> {
  const progress = progressReporter();
  const mnistUrl = new URL(MNIST_ASSET, base).href;
  switch (job.type) {
    case 'toy':
      return runToy(job, progress);
    case 'probe':
      return runProbe(job);
    case 'train': {
      progress('data', 0, 1);
      const data = await loadData(job.data, mnistUrl);
      send({ type: 'data', info: describe(data.train, data.test) });
      return runTrain(
        job,
        data,
        { gate: () => paused?.promise ?? Promise.resolve(), signal: abort.signal },
        {
          step: (info) => send({ type: 'step', info }),
          epoch: (event) => send({ type: 'epoch', event }),
        },
      );
    }
    case 'score': {
      progress('data', 0, 1);
      const data = await loadData(job.data, mnistUrl);
      send({ type: 'data', info: describe(data.train, data.test) });
      return runScore(job, data, progress, (estimate) => send({ type: 'estimate', estimate }));
    }
  }
}

scope.onmessage = (e) => {
  const msg = e.data;
  switch (msg.type) {
    case 'pause':
      return setPaused(true);
    case 'resume':
      return setPaused(false);
    case 'stop':
      abort.abort();
      return setPaused(false);
    case 'run':
      run(msg.job, msg.base).then(
        // Results are small (maps, summaries, one parameter vector): cloned, not transferred.
        (result) => send({ type: 'result', result }),
        (err) => send({ type: 'error', message: errorText(err) }),
      );
  }
};
