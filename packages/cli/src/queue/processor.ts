// The sandboxed processor of `pacgen worker` (BullMQ runs this file in a child process per job,
// so CPU-bound training never blocks the worker's lock renewal): checks the job's payload, trains
// the one sweep run it names exactly as `pacgen sweep` would here (a one-point sweep of the same
// settings in a temporary folder) and returns its result as the text a results folder holds.
// Progress (epoch, training loss) goes back as job progress.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '@pacgen/metrics/experiments';
import { encodeState } from '@pacgen/metrics/train';
import type { SandboxedJob } from 'bullmq';
import { loadSweepInputs, sweepOptions } from '../sweep-setup.js';
import { parseSweepJob } from './sweep-job.js';

// A worker killed outright (kill -9) cannot stop its child: the IPC channel closing is the sign,
// and the job goes back to the queue as stalled, so the child's work would be wasted CPU.
process.once('disconnect', () => process.exit(1));

/** The worker's allowed folders for data and model files, from its environment. */
function allowedFolders(): string[] {
  const v = process.env.PACGEN_WORKER_ALLOW ?? process.cwd();
  return v.split(':').filter((d) => d !== '');
}

/** Trains the job's run; its result as JSON text (typed arrays encoded). */
export default async function processJob(job: SandboxedJob): Promise<string> {
  const p = parseSweepJob(job.data, allowedFolders());
  const inputs = await loadSweepInputs(p.args);
  const { point } = p;
  const dir = await mkdtemp(join(tmpdir(), 'pacgen-job-'));
  try {
    const result = await runSweep({
      ...sweepOptions(p.args, inputs, {
        batchSizes: [point.batchSize],
        learningRates: [point.learningRate],
        optimizers: [point.optimizer],
        seeds: [point.seed],
      }),
      outDir: dir,
      onProgress: {
        epoch: (_, e) => job.updateProgress({ epoch: e.epoch, trainLoss: e.trainLoss ?? null }),
      },
    });
    const run = result.runs[0];
    if (!run || run.name !== p.name) throw new Error(`job ${p.name}: the run did not finish`);
    return JSON.stringify(encodeState(run));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
