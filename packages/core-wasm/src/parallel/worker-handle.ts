// A worker seen from the ParallelNetwork that started it: its requests, their replies matched
// by id, and the failure that rejects everything pending once the worker dies.

import { PacgenError } from '../errors.js';
import { spawnWorker, type Transport, type WorkerReply, type WorkerRequest } from './transport.js';

export type Ok = Extract<WorkerReply, { ok: true }>;
/** A request before its id is assigned (Omit distributed over the union). */
export type Request = WorkerRequest extends infer R
  ? R extends unknown
    ? Omit<R, 'id'>
    : never
  : never;

/** A worker and its pending requests. */
export class WorkerHandle {
  /** The parameter version the worker holds (see ParallelNetwork.version). */
  paramsVersion = -1;
  private transport: Transport | null = null;
  private readonly pending = new Map<number, { resolve(r: Ok): void; reject(e: Error): void }>();
  private nextId = 0;
  private failure: Error | null = null;
  /** The most requests this worker has had outstanding at once. */
  peakPending = 0;

  static async start(): Promise<WorkerHandle> {
    const h = new WorkerHandle();
    h.transport = await spawnWorker({
      message: (r) => h.settle(r),
      fail: (e) => h.fail(e),
    });
    return h;
  }

  request(msg: Request, transfer: ArrayBuffer[] = []): Promise<Ok> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Ok>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.peakPending = Math.max(this.peakPending, this.pending.size);
      if (this.pending.size === 1) this.transport!.hold(true);
      this.transport!.post({ ...msg, id } as WorkerRequest, transfer);
    });
  }

  private settle(r: WorkerReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.transport!.hold(false);
    if (r.ok) p.resolve(r);
    else p.reject(reviveError(r.error));
  }

  /** Rejects everything pending and every later request with `error`. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  async terminate(): Promise<void> {
    this.fail(new PacgenError('ParallelNetwork has been terminated'));
    await this.transport?.terminate();
  }
}

/** Re-creates a worker's error on this side, keeping its class (for PacgenError) and message. */
function reviveError(e: { name: string; message: string }): Error {
  if (e.name === 'PacgenError') return new PacgenError(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
