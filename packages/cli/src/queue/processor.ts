// The sandboxed processor of `pacgen worker` (BullMQ runs this file in a child process, so
// CPU-bound training never blocks the worker's lock renewal): checks the job's payload and trains
// the one run it names exactly as `pacgen sweep` or `pacgen compare` would here, keeping the
// run's checkpoint in Redis after every epoch (checkpoint-store.ts) and resuming from it when
// the job was taken from a worker that died. Returns the run's result as JSON text; progress
// (epoch, training loss) goes back as job progress.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareRunName,
  compareTraining,
  runSweep,
  type SweepRunResult,
} from '@pacgen/metrics/experiments';
import { fileSweepStore } from '@pacgen/metrics/node';
import { encodeState, type CheckpointStore, type EpochEvent } from '@pacgen/metrics/train';
import type { SandboxedJob } from 'bullmq';
import { Redis } from 'ioredis';
import { compareOptions, loadCompareInputs } from '../compare-setup.js';
import { loadSweepInputs, sweepOptions } from '../sweep-setup.js';
import { redisCheckpointStore } from './checkpoint-store.js';
import { COMPARE_JOB_KIND, compareRunText, parseCompareJob } from './compare-job.js';
import { parseQueueUrl } from './connection.js';
import { SWEEP_JOB_KIND, parseSweepJob } from './sweep-job.js';

// A worker killed outright (kill -9) cannot stop its child: the IPC channel closing is the sign,
// and the job goes back to the queue as stalled, so the child's work would be wasted CPU.
process.once('disconnect', () => process.exit(1));

/** The worker's allowed folders for data and model files, from its environment. */
function allowedFolders(): string[] {
  const v = process.env.PACGEN_WORKER_ALLOW ?? process.cwd();
  return v.split(':').filter((d) => d !== '');
}

let redis: Redis | null = null;

/** The Redis connection the checkpoints go through (the worker's queue URL, from the environment). */
function checkpointRedis(): Redis {
  const url = process.env.PACGEN_WORKER_QUEUE;
  if (url === undefined) throw new Error('PACGEN_WORKER_QUEUE is not set: start pacgen worker');
  if (redis === null) {
    redis = new Redis(parseQueueUrl(url).options);
    redis.on('error', () => {}); // commands wait for the reconnection (maxRetriesPerRequest null)
  }
  return redis;
}

/** Job progress of an epoch: the epoch and its training loss. */
function progressOf(job: SandboxedJob) {
  return (_: string, e: EpochEvent) =>
    job.updateProgress({ epoch: e.epoch, trainLoss: e.trainLoss ?? null });
}

/** Trains the sweep run of the job; its result as the text of runs/NAME.json. */
async function sweepRun(job: SandboxedJob, checkpoint: CheckpointStore): Promise<string> {
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
      // A one-point sweep in a temporary folder, its checkpoint in Redis (removed by the caller).
      store: { ...fileSweepStore(dir), checkpoint: () => checkpoint, removeCheckpoint: noop },
      onProgress: { epoch: progressOf(job) },
    });
    const run: SweepRunResult | undefined = result.runs[0];
    if (!run || run.name !== p.name) throw new Error(`job ${p.name}: the run did not finish`);
    return JSON.stringify(encodeState(run));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Trains the comparison run of the job; its result as JSON text (compareRunText). */
async function compareRun(job: SandboxedJob, checkpoint: CheckpointStore): Promise<string> {
  const p = parseCompareJob(job.data, allowedFolders());
  const inputs = await loadCompareInputs(p.args);
  const { method, seed } = p.point;
  const result = await compareTraining({
    ...compareOptions(p.args, inputs, [method], [seed]),
    checkpoints: () => checkpoint,
    onProgress: { epoch: progressOf(job) },
  });
  const run = result.runs[0];
  if (!run || compareRunName(run.method, run.seed) !== p.name) {
    throw new Error(`job ${p.name}: the run did not finish`);
  }
  return compareRunText(run);
}

async function noop(): Promise<void> {}

/** Runs the job (a kind this worker knows, else an Error naming it); its result as JSON text. */
export default async function processJob(job: SandboxedJob): Promise<string> {
  const kind = (job.data as { kind?: unknown } | null)?.kind;
  if (kind !== SWEEP_JOB_KIND && kind !== COMPARE_JOB_KIND) {
    throw new Error(`unknown job kind '${String(kind)}'`);
  }
  const checkpoint = redisCheckpointStore(checkpointRedis(), String(job.id));
  const text =
    kind === SWEEP_JOB_KIND ? await sweepRun(job, checkpoint) : await compareRun(job, checkpoint);
  await checkpoint.remove();
  return text;
}
