// `pacgen worker --queue URL`: takes sweep runs from the job queue (issue 18) and trains them,
// each job in its own child process (a BullMQ sandboxed processor, queue/processor.ts), so
// CPU-bound training never blocks lock renewal. Runs only the job kind it knows, checks every
// payload, and reads data and model files only inside --allow folders. Stops on Ctrl-C or
// SIGTERM after closing the worker (a job in progress goes back to the queue as stalled).

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { UsageError } from '../errors.js';
import { flags, integer, str } from '../flag.js';
import { QUEUE_NAME, connectQueue } from '../queue/connection.js';

interface WorkerArgs extends GlobalArgs {
  queue: string | undefined;
  concurrency: number;
  allow: string[];
}

export default defineCommand<WorkerArgs>({
  command: 'worker',
  describe: 'take sweep runs from a job queue (Redis) and train them; see docs/distributed.md',
  options: {
    ...flags({
      queue: str('redis://[user:pass@]host:port[/db] or rediss:// (also PACGEN_QUEUE)'),
      concurrency: integer('jobs at a time, each in its own process', {
        default: 1,
        min: 1,
        max: 1024,
      }),
    }),
    allow: {
      type: 'array',
      string: true,
      default: ['.'],
      describe: 'folders a job may read data and model files from',
    },
  },
  // It waits for jobs until stopped: its log lines say what it does.
  heartbeat: false,
  handler: async (argv, ctx) => {
    const connection = await connectQueue(argv.queue);
    if (!connection) throw new UsageError('pacgen worker needs --queue URL (or PACGEN_QUEUE)');
    // The sandboxed processes read their allowed folders from the environment they inherit.
    process.env.PACGEN_WORKER_ALLOW = argv.allow.map((d) => resolve(d)).join(':');
    const processor = fileURLToPath(new URL('../queue/processor.js', import.meta.url));
    const worker = new Worker(QUEUE_NAME, processor, {
      connection: connection.options,
      concurrency: argv.concurrency,
      useWorkerThreads: false,
    });
    worker.on('error', (e) => ctx.warn(`queue: ${e.message.split('\n')[0]}`));
    worker.on('completed', (job) => ctx.log(`finished ${job.data?.name ?? job.id}`));
    worker.on('failed', (job, e) =>
      ctx.warn(`job ${job?.id ?? '?'} rejected or failed: ${e.message.split('\n')[0]}`),
    );
    await worker.waitUntilReady();
    ctx.log(`worker: taking jobs from ${connection.display}, ${argv.concurrency} at a time`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    ctx.log('worker: stopping');
    await worker.close();
  },
});
