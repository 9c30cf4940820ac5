// The fake trainer of the queue-scale bench: a BullMQ sandboxed processor (a child process per
// worker, as `pacgen worker` runs its jobs) that waits the job's `ms` without using the CPU, so
// the bench times the queue's own cost per job rather than the machine's free cores.

import type { SandboxedJob } from 'bullmq';

export default async function fakeTrain(job: SandboxedJob<{ ms: number }>): Promise<string> {
  await new Promise((r) => setTimeout(r, job.data.ms));
  await job.updateProgress({ epoch: 1 }); // a real job reports progress every epoch
  return 'done';
}
