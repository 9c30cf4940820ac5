// A job's state for the page: running, stage and progress, elapsed time, the error in words.

import type { Job } from '../worker/protocol';
import { Cancelled, startJob, type JobHandle, type JobHooks } from './jobs';

/** Readable names of the worker's stages. */
const STAGES: Record<string, string> = {
  grid: 'Scoring the grid',
  minima: 'Finding the minima',
  reconstruction: 'Reconstructing the labels',
  data: 'Loading the data',
  engine: 'Starting the engine',
  estimate: 'Timing one gradient',
  diagonal: 'Hessian diagonal',
  rho: 'Lipschitz constant ρ',
  'monte-carlo': 'Monte Carlo check',
  eigenvalues: 'Top eigenvalues',
  density: 'Spectral density',
  training: 'Training',
};

export class Task {
  running = $state(false);
  stage = $state('');
  done = $state(0);
  total = $state(0);
  elapsed = $state(0);
  error = $state<string | null>(null);
  private handle: JobHandle<unknown> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  get label(): string {
    return STAGES[this.stage] ?? this.stage;
  }

  get fraction(): number {
    return this.total > 0 ? Math.min(1, this.done / this.total) : 0;
  }

  /** Runs a job (cancelling any running one); resolves to null when cancelled or failed. */
  async run<R>(job: Job, hooks: JobHooks = {}, transfer: Transferable[] = []): Promise<R | null> {
    this.cancel();
    this.error = null;
    this.running = true;
    this.stage = '';
    this.done = 0;
    this.total = 0;
    const t0 = performance.now();
    this.elapsed = 0;
    this.timer = setInterval(() => (this.elapsed = (performance.now() - t0) / 1000), 200);
    const handle = startJob<R>(
      job,
      {
        ...hooks,
        progress: (stage, done, total) => {
          this.stage = stage;
          this.done = done;
          this.total = total;
          hooks.progress?.(stage, done, total);
        },
      },
      transfer,
    );
    this.handle = handle as JobHandle<unknown>;
    try {
      return await handle.result;
    } catch (e) {
      if (!(e instanceof Cancelled)) this.error = (e as Error).message;
      return null;
    } finally {
      if (this.handle === handle) {
        this.handle = null;
        this.running = false;
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
      }
    }
  }

  /** Sends pause / resume / stop to the running job. */
  control(type: 'pause' | 'resume' | 'stop'): void {
    this.handle?.send({ type });
  }

  cancel(): void {
    const h = this.handle;
    if (!h) return;
    this.handle = null;
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    h.cancel();
  }

  /** Reports an error found before any job started (a bad field, a file that can't be read). */
  fail(message: string): void {
    this.error = message;
  }
}
