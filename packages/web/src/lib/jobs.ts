// Starting a job in a fresh engine worker, with its messages routed to callbacks. Cancelling
// terminates the worker: the engine stops at once, whatever it was doing.

import type { EpochEvent } from '@pacgen/metrics/train';
import type {
  DataInfo,
  FromWorker,
  Job,
  ScoreEstimate,
  StepInfo,
  ToWorker,
} from '../worker/protocol';

export interface JobHooks {
  progress?(stage: string, done: number, total: number): void;
  data?(info: DataInfo): void;
  step?(info: StepInfo): void;
  epoch?(event: EpochEvent): void;
  paused?(paused: boolean): void;
  estimate?(estimate: ScoreEstimate): void;
}

export interface JobHandle<R> {
  result: Promise<R>;
  /** Sends a control message (pause, resume, stop) to the running job. */
  send(msg: ToWorker): void;
  cancel(): void;
}

/** Thrown (and swallowed by Task) when a job is cancelled. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

export function startJob<R>(job: Job, hooks: JobHooks = {}, transfer: Transferable[] = []) {
  const worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: `pacgen-${job.type}`,
  });
  let settle: { resolve(r: R): void; reject(e: Error): void };
  const result = new Promise<R>((resolve, reject) => (settle = { resolve, reject }));
  const end = () => worker.terminate();
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    switch (m.type) {
      case 'progress':
        return hooks.progress?.(m.stage, m.done, m.total);
      case 'data':
        return hooks.data?.(m.info);
      case 'step':
        return hooks.step?.(m.info);
      case 'epoch':
        return hooks.epoch?.(m.event);
      case 'paused':
        return hooks.paused?.(m.paused);
      case 'estimate':
        return hooks.estimate?.(m.estimate);
      case 'result':
        end();
        return settle.resolve(m.result as R);
      case 'error':
        end();
        return settle.reject(new Error(m.message));
    }
  };
  worker.onerror = (e) => {
    e.preventDefault();
    end();
    settle.reject(new Error(`the engine worker failed: ${e.message || 'it could not start'}`));
  };
  worker.onmessageerror = () => {
    end();
    settle.reject(new Error('the engine worker sent a message that could not be read'));
  };
  const run: ToWorker = { type: 'run', job, base: document.baseURI };
  worker.postMessage(run, transfer);
  return {
    result,
    send: (msg: ToWorker) => worker.postMessage(msg),
    cancel: () => {
      end();
      settle.reject(new Cancelled());
    },
  } satisfies JobHandle<R>;
}
