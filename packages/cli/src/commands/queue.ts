// `pacgen queue status|clean URL`: the job queue's jobs by state (with the failed ones' reasons),
// or the removal of its finished jobs (issue 18; docs/distributed.md).

import type { Argv, CommandModule } from 'yargs';
import { createContext, type GlobalArgs } from '../context.js';
import { UsageError } from '../errors.js';
import { table } from '../format.js';
import { cleanQueue, queueStatus } from '../queue/admin.js';
import { checkQueue, parseQueueUrl } from '../queue/connection.js';

interface QueueArgs extends GlobalArgs {
  action: string;
  url: string | undefined;
}

const command: CommandModule<GlobalArgs, QueueArgs> = {
  command: 'queue <action> [url]',
  describe: 'show (status) or tidy (clean: remove finished jobs) the job queue of pacgen worker',
  builder: (y) =>
    y.positional('action', { type: 'string', choices: ['status', 'clean'] }).positional('url', {
      type: 'string',
      describe: 'redis://[user:pass@]host:port[/db] (default PACGEN_QUEUE)',
    }) as unknown as Argv<QueueArgs>,
  handler: async (argv) => {
    const ctx = createContext(argv);
    const url = argv.url ?? process.env.PACGEN_QUEUE;
    if (url === undefined || url === '') {
      throw new UsageError('pacgen queue needs a URL (or PACGEN_QUEUE)');
    }
    const connection = parseQueueUrl(url);
    await checkQueue(connection);
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
};

export default command;
