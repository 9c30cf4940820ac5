// Waiting for one job of the queue (issue 18) until it has finished: its result text, or a clear
// error. The state is read before the job: a job finishes atomically (BullMQ writes its result and
// moves it to the completed set in one script), so a job read after a 'completed' state always
// carries its result. Read the other way round, a job that finished between the two reads came
// back completed without its result (CI saw "no result text" once, with a loaded machine).

import type { Job, Queue, QueueEvents } from 'bullmq';
import { CliError } from '../errors.js';

/** How often a waiting submitter polls a job's state besides listening to events (ms). */
const POLL_MS = 1000;

/**
 * Waits until the job `id` (the run `name`) has finished: its result text, or a CliError when it
 * failed or is gone. Wakes on the queue's completed and failed events, and polls the state every
 * POLL_MS. Cost: two Redis round trips a wake.
 */
export async function waitForJob(
  queue: Queue,
  events: QueueEvents,
  id: string,
  name: string,
): Promise<string> {
  for (;;) {
    const state = await queue.getJobState(id);
    if (state === 'unknown') {
      throw new CliError(`job ${name} is no longer on the queue: rerun the command`);
    }
    if (state === 'completed' || state === 'failed') {
      const j: Job | undefined = await queue.getJob(id);
      if (!j) throw new CliError(`job ${name} is no longer on the queue: rerun the command`);
      if (state === 'failed') {
        const reason = (j.failedReason ?? '').split('\n')[0];
        throw new CliError(`job ${name} failed on a worker: ${reason}`, {
          hint: 'see pacgen queue status; rerunning the command retries it',
        });
      }
      if (typeof j.returnvalue !== 'string') throw new CliError(`job ${name}: no result text`);
      return j.returnvalue;
    }
    await nextWake(events, id);
  }
}

/** Resolves on the next completed or failed event of job `id`, or after POLL_MS. */
function nextWake(events: QueueEvents, id: string): Promise<void> {
  return new Promise<void>((wake) => {
    const done = ({ jobId }: { jobId: string }) => {
      if (jobId === id) finish();
    };
    const timer = setTimeout(() => finish(), POLL_MS);
    const finish = () => {
      clearTimeout(timer);
      events.off('completed', done);
      events.off('failed', done);
      wake();
    };
    events.on('completed', done);
    events.on('failed', done);
  });
}
