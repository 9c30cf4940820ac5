// A job's training checkpoint in Redis (issue 18): the run's CheckpointStore (parameters,
// optimizer state, history after each epoch) kept under a key of the job's id, so when its worker
// dies the job, taken by another worker after BullMQ's stalled-job detection, resumes from its
// last epoch, bit-identical to an uninterrupted run. One SET per epoch (atomic: a reader sees the
// old or the new checkpoint, whole), size-checked before it is sent; the key expires a week after
// its last write, so a job removed without finishing leaves nothing behind for long.

import type { CheckpointStore } from '@pacgen/metrics/train';
import type { Redis } from 'ioredis';

/** The largest checkpoint a job keeps in Redis (bytes); Redis itself takes up to 512 MB. */
export const MAX_CHECKPOINT_BYTES = 256 * 2 ** 20;

/** Seconds a checkpoint outlives its last write. */
const CHECKPOINT_TTL_S = 7 * 24 * 3600;

/** The Redis key of the job `jobId`'s checkpoint. */
export function checkpointKey(jobId: string): string {
  return `pacgen:checkpoint:${jobId}`;
}

/**
 * The checkpoint store of the job `jobId` on `redis`. `save` refuses (an Error naming the sizes)
 * a checkpoint over `maxBytes`. Cost: one GET per load, one SET per save.
 */
export function redisCheckpointStore(
  redis: Redis,
  jobId: string,
  maxBytes = MAX_CHECKPOINT_BYTES,
): CheckpointStore & { remove(): Promise<void> } {
  const key = checkpointKey(jobId);
  return {
    load: () => redis.get(key),
    async save(text) {
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > maxBytes) {
        throw new Error(
          `the checkpoint of job ${jobId.slice(0, 12)} is ${(bytes / 2 ** 20).toFixed(1)} MiB, over the ${(maxBytes / 2 ** 20).toFixed(0)} MiB a job may keep in Redis`,
        );
      }
      await redis.set(key, text, 'EX', CHECKPOINT_TTL_S);
    },
    async remove() {
      await redis.del(key);
    },
  };
}
