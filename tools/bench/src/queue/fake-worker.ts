// One worker process of the queue-scale bench's simulated cluster: takes jobs of the queue
// 'pacgen-bench' on 127.0.0.1:PORT, one at a time in a sandboxed child process (fake-job.ts),
// with the options `pacgen worker` uses. Stops on SIGTERM.

import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';

const port = Number(process.argv[2]);
const processor = fileURLToPath(new URL('./fake-job.js', import.meta.url));
const worker = new Worker('pacgen-bench', processor, {
  connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null },
  concurrency: 1,
  useWorkerThreads: false,
});
worker.on('error', (e) => process.stderr.write(`fake worker: ${e.message}\n`));
process.once('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
