// What `pacgen queue status|clean` does to the job queue (issue 18): count the jobs by state with
// the reasons of the failed ones, and remove finished (completed and failed) jobs.

import { Queue } from 'bullmq';
import { QUEUE_NAME, type QueueConnection } from './connection.js';

/** The queue's jobs by state, and the failed ones with their reasons (at most 20). */
export interface QueueStatus {
  queue: string;
  counts: Record<'waiting' | 'active' | 'completed' | 'failed' | 'delayed', number>;
  failed: { id: string; name: string | null; reason: string }[];
}

async function withQueue<T>(c: QueueConnection, f: (q: Queue) => Promise<T>): Promise<T> {
  const q = new Queue(QUEUE_NAME, { connection: c.options });
  q.on('error', () => {});
  try {
    return await f(q);
  } finally {
    await q.close();
  }
}

/** Counts of the queue's jobs by state. Cost: a few Redis commands. */
export function queueStatus(c: QueueConnection): Promise<QueueStatus> {
  return withQueue(c, async (q) => {
    const n = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    const failed = await q.getFailed(0, 19);
    return {
      queue: c.display,
      counts: {
        waiting: n.waiting ?? 0,
        active: n.active ?? 0,
        completed: n.completed ?? 0,
        failed: n.failed ?? 0,
        delayed: n.delayed ?? 0,
      },
      failed: failed.map((j) => ({
        id: String(j.id).slice(0, 12),
        name: typeof j.data?.name === 'string' ? j.data.name : null,
        reason: j.failedReason.split('\n')[0],
      })),
    };
  });
}

/**
 * Removes the completed and failed jobs (their results go too: a later sweep trains those runs
 * again). Jobs waiting or running stay. Cost: one Redis call per 1,000 jobs.
 */
export function cleanQueue(c: QueueConnection): Promise<{ completed: number; failed: number }> {
  const removeAll = async (q: Queue, state: 'completed' | 'failed') => {
    let total = 0;
    for (;;) {
      const got = (await q.clean(0, 1000, state)).length;
      if (got === 0) return total;
      total += got;
    }
  };
  return withQueue(c, async (q) => ({
    completed: await removeAll(q, 'completed'),
    failed: await removeAll(q, 'failed'),
  }));
}
