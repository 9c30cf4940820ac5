#!/usr/bin/env node
// The queue-scale bench (issue 18; `node tools/bench/dist/queue/queue-scale.js`): the cost of
// pacgen's job queue (BullMQ on Redis) on this machine, with its own redis-server on a free port
// in a temporary folder.
//   1. A simulated cluster: W worker processes (fake-worker.ts, sandboxed as `pacgen worker`)
//      take N jobs of a fake trainer that waits T ms without using the CPU. The queue's overhead
//      per job is W·span/N − T, what a worker spends on each job besides training (fetch, lock,
//      child-process round trip, progress, completion), the span running from the first job's
//      start to the last one's end; throughput is N over the whole time, submission included.
//   2. A real small sweep (`pacgen sweep --queue`, 8 runs of equal cost) on 1 and on 2 `pacgen worker`s,
//      alternating 1, 2, 2, 1, … so that both see the same background load; the speed-up is the
//      ratio of the medians, of the submitter's whole command and of the jobs' span alone.
// Progress goes to stderr, the report (or --json) to stdout.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { parallelCapacity } from '../machine.js';

const CLI = fileURLToPath(new URL('../../../../packages/cli/dist/main.js', import.meta.url));
const FAKE_WORKER = fileURLToPath(new URL('./fake-worker.js', import.meta.url));

interface Options {
  jobs: number;
  workers: number;
  workMs: number;
  repeats: number;
  /** Epochs of each run of the real sweep. */
  sweepEpochs: number;
  sweep: boolean;
  json: boolean;
}

const USAGE = `usage: node tools/bench/dist/queue/queue-scale.js [--jobs 1000] [--workers 8] [--work-ms 10] [--repeats 2] [--sweep-epochs 4] [--no-sweep] [--json]`;

function parseOptions(argv: string[]): Options {
  const o: Options = {
    jobs: 1000,
    workers: 8,
    workMs: 10,
    repeats: 2,
    sweepEpochs: 4,
    sweep: true,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a whole number\n${USAGE}`);
      return v;
    };
    if (a === '--jobs') o.jobs = Math.max(1, num());
    else if (a === '--workers') o.workers = Math.max(1, num());
    else if (a === '--work-ms') o.workMs = num();
    else if (a === '--repeats') o.repeats = Math.max(1, num());
    else if (a === '--sweep-epochs') o.sweepEpochs = Math.max(1, num());
    else if (a === '--no-sweep') o.sweep = false;
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}

const log = (m: string) => process.stderr.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];

function start(args: string[], cwd: string): ChildProcess {
  const c = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  c.stderr?.resume();
  children.push(c);
  return c;
}

async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => done(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** redis-server on a free port in `dir`, without persistence; resolves once it answers. */
async function startRedis(dir: string): Promise<{ port: number; pid: number | undefined }> {
  const port = await freePort();
  const p = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    {
      stdio: 'ignore',
    },
  );
  children.push(p);
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((done) => {
      const c = connect(port, '127.0.0.1', () => {
        c.end();
        done(true);
      });
      c.once('error', () => done(false));
    });
    if (up) return { port, pid: p.pid };
    await sleep(100);
  }
  throw new Error('redis-server did not start (is Debian’s redis-server installed?)');
}

/** CPU milliseconds (user + system) a process and its children have used so far (Linux; else NaN). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const pids = [pid];
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (kids !== '') pids.push(...kids.split(/\s+/).map(Number));
    let ticks = 0;
    for (const p of pids) {
      // Fields 14 and 15 (utime, stime) after the command name in parentheses.
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks * 10; // USER_HZ = 100 on Linux
  } catch {
    return NaN;
  }
}

/** Seconds from the first job's start to the last one's end. */
function jobSpan(done: { processedOn?: number; finishedOn?: number }[]): number {
  const first = Math.min(...done.map((j) => j.processedOn ?? Infinity));
  return (Math.max(...done.map((j) => j.finishedOn ?? 0)) - first) / 1000;
}

/** Waits until `f` holds, polling every `everyMs`. */
async function until(f: () => Promise<boolean>, everyMs = 50): Promise<void> {
  while (!(await f())) await sleep(everyMs);
}

export interface ClusterResult {
  jobs: number;
  workers: number;
  workMs: number;
  wallS: number;
  jobsPerS: number;
  submitMsPerJob: number;
  overheadMsPerJob: number;
  /** CPU time of the workers, their children and redis-server per job (ms; load-independent). */
  cpuMsPerJob: number;
}

/** Part 1: W fake workers, N jobs of T ms. */
async function simulatedCluster(
  port: number,
  redisPid: number | undefined,
  dir: string,
  o: Options,
): Promise<ClusterResult> {
  const queue = new Queue('pacgen-bench', { connection: { host: '127.0.0.1', port } });
  const workers = Array.from({ length: o.workers }, () => start([FAKE_WORKER, String(port)], dir));
  await until(async () => (await queue.getWorkersCount()) >= o.workers, 100);
  log(`queue-scale: ${o.workers} workers up; ${o.jobs} jobs of ${o.workMs} ms`);
  const pids = [redisPid, ...workers.map((w) => w.pid)];
  const cpu = () => pids.reduce<number>((a, p) => a + cpuMs(p), 0);
  const cpu0 = cpu();
  const t0 = performance.now();
  // As `pacgen sweep --queue` submits: all jobs in one call, then each one's state.
  const added = await queue.addBulk(
    Array.from({ length: o.jobs }, (_, i) => ({
      name: 'fake',
      data: { ms: o.workMs },
      opts: { jobId: `job-${i}`, removeOnComplete: false },
    })),
  );
  await Promise.all(added.map((j) => j.getState()));
  const submitted = performance.now();
  await until(async () => (await queue.getCompletedCount()) >= o.jobs);
  const wall = (performance.now() - t0) / 1000;
  const cpuPerJob = (cpu() - cpu0) / o.jobs;
  const span = jobSpan(await queue.getCompleted(0, o.jobs));
  await Promise.all(workers.map(stop));
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    jobs: o.jobs,
    workers: o.workers,
    workMs: o.workMs,
    wallS: wall,
    jobsPerS: o.jobs / wall,
    submitMsPerJob: (submitted - t0) / o.jobs,
    overheadMsPerJob: (o.workers * span * 1000) / o.jobs - o.workMs,
    cpuMsPerJob: cpuPerJob,
  };
}

/**
 * The small sweep of part 2: 8 runs of an MLP on 1,000 MNIST images, of equal cost (one batch
 * size, eight seeds) so that two workers can split them evenly. (A grid of batch sizes 16 to 128
 * has runs of unequal length, and its speed-up measures how they happen to pair up.)
 */
const SWEEP = [
  'sweep',
  '--data',
  'mnist',
  '--model',
  'mlp:32',
  '--batch-sizes',
  '64',
  '--lrs',
  '0.1',
  '--seeds',
  '1,2,3,4,5,6,7,8',
  '--train-size',
  '1000',
  '--test-size',
  '500',
  '--samples',
  '128',
  '--probes',
  '4',
  '--rho-probes',
  '2',
  '--psi-every',
  '2',
  '--lanczos-steps',
  '5',
  '--sharpness-steps',
  '3',
  '--flatness-samples',
  '2',
  '--flatness-iterations',
  '3',
  '--no-png',
];

/** One queue sweep on `n` workers: the submitter's seconds and the jobs' span (first start to last end). */
async function sweepOn(n: number, port: number, dir: string, k: number, epochs: number) {
  const url = `redis://127.0.0.1:${port}`;
  const queue = new Queue('pacgen', { connection: { host: '127.0.0.1', port } });
  await queue.obliterate({ force: true }); // every repeat trains its runs again
  const workers = Array.from({ length: n }, () =>
    start([CLI, 'worker', '--queue', url, '--allow', dir], dir),
  );
  await until(async () => (await queue.getWorkersCount()) >= n, 100);
  const t0 = performance.now();
  const args = [...SWEEP, '--max-epochs', String(epochs), '--queue', url];
  const sub = start([CLI, ...args, '--out', join(dir, `sweep-${k}`)], dir);
  const code = await new Promise<number | null>((r) => sub.once('exit', r));
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`pacgen sweep --queue exited with ${code}`);
  const done = await queue.getCompleted();
  const span =
    (Math.max(...done.map((j) => j.finishedOn ?? 0)) -
      Math.min(...done.map((j) => j.processedOn ?? Infinity))) /
    1000;
  await Promise.all(workers.map(stop));
  await queue.close();
  return { wall, span };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface SweepScaling {
  repeats: number;
  epochs: number;
  oneWorker: { wallS: number; spanS: number };
  twoWorkers: { wallS: number; spanS: number };
  speedupWall: number;
  speedupSpan: number;
  /** Throughput of 2 busy threads relative to 1, measured just before (ideal 2). */
  machineScaling: number;
}

/** Part 2: the sweep on 1 and 2 workers, alternating 1, 2, 2, 1, … */
async function sweepScaling(port: number, dir: string, o: Options): Promise<SweepScaling> {
  const machine = await parallelCapacity(2);
  const times: Record<1 | 2, { wall: number; span: number }[]> = { 1: [], 2: [] };
  for (let r = 0; r < o.repeats; r++) {
    for (const n of (r % 2 === 0 ? [1, 2] : [2, 1]) as (1 | 2)[]) {
      const t = await sweepOn(n, port, dir, 2 * r + n, o.sweepEpochs);
      log(
        `queue-scale: sweep on ${n} worker(s): ${t.wall.toFixed(1)} s (jobs ${t.span.toFixed(1)} s)`,
      );
      times[n].push(t);
    }
  }
  const m = (n: 1 | 2, k: 'wall' | 'span') => median(times[n].map((t) => t[k]));
  return {
    repeats: o.repeats,
    epochs: o.sweepEpochs,
    oneWorker: { wallS: m(1, 'wall'), spanS: m(1, 'span') },
    twoWorkers: { wallS: m(2, 'wall'), spanS: m(2, 'span') },
    speedupWall: m(1, 'wall') / m(2, 'wall'),
    speedupSpan: m(1, 'span') / m(2, 'span'),
    machineScaling: machine.scaling,
  };
}

function report(c: ClusterResult, s: SweepScaling | null): string {
  const lines = [
    `queue-scale (BullMQ on a local redis-server; the machine may be shared: see the 2-thread scaling)`,
    ``,
    `simulated cluster: ${c.workers} worker processes, ${c.jobs} jobs of a ${c.workMs} ms fake trainer`,
    `  wall ${c.wallS.toFixed(1)} s, throughput ${c.jobsPerS.toFixed(0)} jobs/s, submission ${c.submitMsPerJob.toFixed(2)} ms/job`,
    `  queue overhead per job ${c.overheadMsPerJob.toFixed(1)} ms (goal ≤ 20 ms): ${c.overheadMsPerJob <= 20 ? 'met' : 'NOT met'}`,
    `  CPU per job (workers, their job processes, redis-server) ${c.cpuMsPerJob.toFixed(1)} ms`,
  ];
  if (s) {
    lines.push(
      ``,
      `real sweep (8 equal runs of ${s.epochs} epochs, MLP on 1,000 MNIST images), median of ${s.repeats} alternating repeats:`,
      `  1 worker ${s.oneWorker.wallS.toFixed(1)} s (jobs ${s.oneWorker.spanS.toFixed(1)} s), 2 workers ${s.twoWorkers.wallS.toFixed(1)} s (jobs ${s.twoWorkers.spanS.toFixed(1)} s)`,
      `  speed-up ${s.speedupWall.toFixed(2)}× whole command, ${s.speedupSpan.toFixed(2)}× jobs alone (goal ≥ 1.7×: ${s.speedupSpan >= 1.7 ? 'met' : 'NOT met'}); this machine gives 2 busy threads ${s.machineScaling.toFixed(2)}× one`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<string> {
  const o = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'pacgen-queue-bench-'));
  try {
    const { port, pid } = await startRedis(dir);
    const cluster = await simulatedCluster(port, pid, dir, o);
    log(`queue-scale: ${cluster.overheadMsPerJob.toFixed(1)} ms overhead per job`);
    const scaling = o.sweep ? await sweepScaling(port, dir, o) : null;
    return o.json ? JSON.stringify({ cluster, sweep: scaling }, null, 2) : report(cluster, scaling);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (text) => process.stdout.write(`${text}\n`, () => process.exit(0)),
  (e: unknown) => {
    process.stderr.write(`queue-scale failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
