// A GridRunner on the job queue (issue 18), for `pacgen sweep --queue` and `pacgen compare
// --queue`: each run of the grid becomes a BullMQ job whose id is a hash of its payload (so a
// resubmitted grid reuses finished jobs, and a failed one is retried), the jobs are all submitted
// before the first is awaited (the workers train them in parallel), and each result comes back as
// JSON text that the caller parses and checks. Waiting listens to the queue's events and also
// polls the job's state, so a Redis restart or a missed event never leaves it hanging. Progress
// (epoch, training loss, ETA) comes from the jobs' progress events. Ctrl-C detaches: the jobs
// stay queued.

import { createHash } from 'node:crypto';
import type { GridJob, GridRunner } from '@pacgen/metrics/experiments';
import { Queue, QueueEvents } from 'bullmq';
import type { Context } from '../context.js';
import { QUEUE_NAME, type QueueConnection } from './connection.js';
import { pickJobArgs } from './job-payload.js';
import { waitForJob } from './job-wait.js';

/** The job's id: SHA-256 of its payload as canonical JSON (keys sorted), hex. Cost: O(size). */
export function payloadJobId(payload: unknown): string {
  const canon = (v: unknown): unknown =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(canon)
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canon(payload)))
    .digest('hex');
}

/**
 * What a grid's jobs are: their kind, the flags (of type A) every job carries, the grid point as
 * a job holds it, and how a result text is read back.
 */
export interface QueueJobKind<P, R, A> {
  kind: string;
  keys: readonly (keyof A)[];
  point(job: GridJob<P>): unknown;
  /** The run's result from the text a worker returned; throws when it is not this job's. */
  parse(text: string, job: GridJob<P>): R;
  /** Epochs of a run (for the ETA of progress lines). */
  epochs(args: A): number;
}

/** A queue runner and what closes its connections. */
export interface QueueRunner<P, R> {
  runner: GridRunner<P, R>;
  close(): Promise<void>;
}

/** Finished jobs stay on the queue: their results serve a resubmitted grid. */
const KEEP = { removeOnFail: false, removeOnComplete: false } as const;

/**
 * Connects to the queue of `connection` and returns the runner of a grid of `kind` with the
 * flags `argv`: each job's payload is { kind, version 1, args (the flags of `kind.keys`), name,
 * point }. Cost: one job per unfinished run; waiting holds two Redis connections and polls each
 * awaited job once a second.
 */
export async function queueGridRunner<P, R, A>(
  connection: QueueConnection,
  kind: QueueJobKind<P, R, A>,
  argv: A,
  ctx: Context,
): Promise<QueueRunner<P, R>> {
  const args = pickJobArgs(argv, kind.keys);
  const epochs = kind.epochs(argv);
  const payload = (job: GridJob<P>) => ({
    kind: kind.kind,
    version: 1,
    args,
    name: job.name,
    point: kind.point(job),
  });
  const queue = new Queue(QUEUE_NAME, { connection: connection.options });
  const events = new QueueEvents(QUEUE_NAME, { connection: connection.options });
  queue.on('error', () => {});
  events.on('error', () => {});
  await events.waitUntilReady();
  const names = new Map<string, string>(); // job id → run name
  const ids = new Map<string, string>(); // run name → job id
  const started = new Map<string, { at: number; epoch: number }>();
  events.on('progress', ({ jobId, data }) => {
    const name = names.get(jobId);
    const d = data as { epoch?: number; trainLoss?: number | null };
    if (name === undefined || typeof d.epoch !== 'number') return;
    const first = started.get(jobId) ?? { at: Date.now(), epoch: d.epoch };
    started.set(jobId, first);
    const done = d.epoch - first.epoch;
    const eta =
      done > 0 && d.epoch < epochs
        ? `, ETA ${Math.round((((Date.now() - first.at) / done) * (epochs - d.epoch)) / 1000)} s`
        : '';
    const loss = typeof d.trainLoss === 'number' ? d.trainLoss.toPrecision(4) : '-';
    ctx.log(`${name}: epoch ${d.epoch}/${epochs}, train loss ${loss}${eta} (on a worker)`);
  });
  const idOf = (job: GridJob<P>) => ids.get(job.name) ?? payloadJobId(payload(job));
  const runner: GridRunner<P, R> = {
    async prepare(pending) {
      const jobs = pending.map((job) => {
        const data = payload(job);
        const id = payloadJobId(data);
        ids.set(job.name, id);
        names.set(id, job.name);
        return { name: kind.kind, data, opts: { jobId: id, ...KEEP } };
      });
      // One round trip for all; an id already on the queue keeps its job: a failed one is
      // tried again.
      const added = await queue.addBulk(jobs);
      const states = await Promise.all(added.map((j) => j.getState()));
      const failed = added.filter((_, i) => states[i] === 'failed');
      await Promise.all(failed.map((j) => j.retry('failed')));
      ctx.log(
        `submitted ${pending.length} jobs to ${connection.display}${failed.length > 0 ? ` (${failed.length} failed earlier, retried)` : ''}; Ctrl-C detaches (the jobs stay queued): rerun the same command to reattach`,
      );
    },
    async run(job) {
      const text = await waitForJob(queue, events, idOf(job), job.name);
      return kind.parse(text, job);
    },
  };
  return {
    runner,
    async close() {
      await events.close();
      await queue.close();
    },
  };
}
