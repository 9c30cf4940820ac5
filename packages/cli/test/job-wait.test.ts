import { Queue, QueueEvents, Worker, type QueueOptions } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { waitForJob } from '../src/queue/job-wait.js';
import { queueTestFolder, startRedis } from './queue-helpers.js';

// The submitter's wait for one job (src/queue/job-wait.ts) against a real redis-server. The race
// CI once hit: the job finished between the two reads of one poll (state and job), and the job
// came back completed without its result text. Here a worker (BullMQ's manual processing)
// finishes the job right after the poll's first read, whichever read that is.
const dir = queueTestFolder();

/** A queue whose first read of the job (its state or its hash) is followed by `after()`. */
class RacingQueue extends Queue {
  after: (() => Promise<void>) | null = null;
  private async raced<T>(read: Promise<T>): Promise<T> {
    const value = await read;
    const after = this.after;
    this.after = null;
    if (after) await after();
    return value;
  }
  override getJobState(id: string) {
    return this.raced(super.getJobState(id));
  }
  override getJob(id: string) {
    return this.raced(super.getJob(id));
  }
}

/** A queue of `QueueClass` on a fresh redis-server, its events, and a manual worker. */
async function onRedis<Q extends Queue>(QueueClass: new (name: string, opts: QueueOptions) => Q) {
  const { port } = await startRedis(dir);
  const connection = { host: '127.0.0.1', port };
  const queue = new QueueClass('runs', { connection });
  const events = new QueueEvents('runs', { connection });
  await events.waitUntilReady();
  const worker = new Worker('runs', null, { connection, autorun: false });
  const close = () => Promise.all([worker.close(), events.close(), queue.close()]);
  return { queue, events, worker, close };
}

describe('waitForJob', () => {
  it('returns the result of a job that finishes between the reads of one poll', async () => {
    const { queue, events, worker, close } = await onRedis(RacingQueue);
    await queue.add('run', { n: 1 }, { jobId: 'j1' });
    const job = await worker.getNextJob('token');
    expect(await queue.getJobState('j1')).toBe('active');
    queue.after = async () => {
      await job?.moveToCompleted('{"loss":0.5}', 'token', false);
    };
    expect(await waitForJob(queue, events, 'j1', 'run-1')).toBe('{"loss":0.5}');
    expect(queue.after).toBeNull(); // the race did happen
    await close();
  });

  it('says the job failed with the first line of its reason, or that it is gone', async () => {
    const { queue, events, worker, close } = await onRedis(Queue);
    await queue.add('run', {}, { jobId: 'bad' });
    const job = await worker.getNextJob('token');
    await job?.moveToFailed(new Error('NaN loss at epoch 2\n  at train'), 'token', false);
    await expect(waitForJob(queue, events, 'bad', 'run-bad')).rejects.toThrow(
      /^job run-bad failed on a worker: NaN loss at epoch 2$/,
    );
    await expect(waitForJob(queue, events, 'missing', 'run-x')).rejects.toThrow(
      'job run-x is no longer on the queue: rerun the command',
    );
    await close();
  });
});
