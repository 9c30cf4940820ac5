// `pacgen sweep --queue`: a GridRunner that submits each run of the grid as a BullMQ job (id =
// hash of the run's configuration, so a resubmitted sweep reuses finished jobs) and waits for the
// results, which come back as the text a results folder holds and are read by the same parser.
// Progress comes from the jobs' progress events. Ctrl-C detaches: the jobs stay queued.

import {
  parseSweepRunFile,
  runName,
  type GridJob,
  type GridRunner,
  type SweepPoint,
  type SweepRunResult,
  type SweepSettings,
} from '@pacgen/metrics/experiments';
import { Queue, QueueEvents } from 'bullmq';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { SWEEP_JOB_KEYS, type SweepJobArgs } from '../sweep-setup.js';
import { QUEUE_NAME, type QueueConnection } from './connection.js';
import { SWEEP_JOB_KIND, sweepJobId, type SweepJobPayload } from './sweep-job.js';

/** A queue runner and what closes its connections. */
export interface QueueRunner {
  runner: GridRunner<SweepPoint, SweepRunResult>;
  close(): Promise<void>;
}

/**
 * Connects to the queue of `connection` and returns the runner of a sweep with flags `argv`.
 * Each result is checked against the settings of the job's one-point sweep (as a stored run is).
 * Cost: one job per unfinished run; waiting holds two Redis connections.
 */
export async function queueSweepRunner(
  connection: QueueConnection,
  argv: SweepJobArgs,
  ctx: Context,
): Promise<QueueRunner> {
  const queue = new Queue(QUEUE_NAME, { connection: connection.options });
  const events = new QueueEvents(QUEUE_NAME, { connection: connection.options });
  queue.on('error', () => {});
  events.on('error', () => {});
  await events.waitUntilReady();
  const args = Object.fromEntries(
    SWEEP_JOB_KEYS.map((k) => [k, argv[k]]),
  ) as unknown as SweepJobArgs;
  const payload = (job: GridJob<SweepPoint>): SweepJobPayload => ({
    kind: SWEEP_JOB_KIND,
    version: 1,
    args,
    name: job.name,
    point: job.point,
  });
  const ids = new Map<string, string>();
  events.on('progress', ({ jobId, data }) => {
    const name = [...ids.entries()].find(([, id]) => id === jobId)?.[0];
    const d = data as { epoch?: number; trainLoss?: number | null };
    if (name && typeof d.epoch === 'number') {
      ctx.log(`${name}: epoch ${d.epoch}, train loss ${d.trainLoss ?? '-'} (on a worker)`);
    }
  });
  const runner: GridRunner<SweepPoint, SweepRunResult> = {
    async prepare(pending) {
      for (const job of pending) {
        const p = payload(job);
        const id = sweepJobId(p);
        ids.set(job.name, id);
        await queue.add(SWEEP_JOB_KIND, p, {
          jobId: id,
          removeOnFail: false,
          removeOnComplete: false,
        });
      }
      ctx.log(
        `submitted ${pending.length} jobs to ${connection.display}; Ctrl-C detaches (the jobs stay queued): rerun the same command to reattach`,
      );
    },
    async run(job) {
      const id = ids.get(job.name) ?? sweepJobId(payload(job));
      const j = await queue.getJob(id);
      if (!j) throw new CliError(`job ${job.name} is no longer on the queue: rerun the sweep`);
      let text: unknown;
      try {
        text = await j.waitUntilFinished(events);
      } catch (e) {
        throw new CliError(`job ${job.name} failed on a worker: ${(e as Error).message}`);
      }
      if (typeof text !== 'string') throw new CliError(`job ${job.name}: no result text`);
      const settings = JSON.parse(text).settings as SweepSettings;
      return parseSweepRunFile(new TextEncoder().encode(text), `job ${job.name}`, {
        name: runName(job.point),
        point: job.point,
        settings,
      });
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
