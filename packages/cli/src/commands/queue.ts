// `pacgen queue status|clean URL`: the job queue's jobs by state (with the failed ones' reasons),
// or the removal of its finished jobs (issue 18; docs/distributed.md).

import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { UsageError } from '../errors.js';
import { table } from '../format.js';
import { cleanQueue, queueStatus } from '../queue/admin.js';
import { connectQueue } from '../queue/connection.js';

interface QueueArgs extends GlobalArgs {
  action: 'status' | 'clean';
  url: string | undefined;
}

export default defineCommand<QueueArgs>({
  command: 'queue <action> [url]',
  describe: 'show (status) or tidy (clean: remove finished jobs) the job queue of pacgen worker',
  positional: {
    action: { type: 'string', choices: ['status', 'clean'] },
    url: { type: 'string', describe: 'redis://[user:pass@]host:port[/db] (default PACGEN_QUEUE)' },
  },
  heartbeat: false,
  handler: async (argv, ctx) => {
    const connection = await connectQueue(argv.url);
    if (!connection) throw new UsageError('pacgen queue needs a URL (or PACGEN_QUEUE)');
    if (argv.action === 'clean') {
      const removed = await cleanQueue(connection);
      ctx.result({ queue: connection.display, removed });
      ctx.print(
        `removed ${removed.completed} completed and ${removed.failed} failed jobs from ${connection.display}`,
      );
      return;
    }
    const s = await queueStatus(connection);
    ctx.result(s);
    ctx.print(`${s.queue}\n${table([Object.keys(s.counts), Object.values(s.counts).map(String)])}`);
    for (const f of s.failed) ctx.print(`failed ${f.name ?? f.id}: ${f.reason}`);
  },
});
