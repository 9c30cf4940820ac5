// What the queue tests share: their own redis-server on a free port in a temporary folder (never
// the system service; .ci/run installs Debian's redis-server), worker processes, and the tiny
// grids they run. Everything started here is killed by `stopAll`.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { tempDir } from './helpers.js';

const children: ChildProcess[] = [];

/** Kills (SIGKILL) every process these helpers started that still runs. */
export function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => done(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** A running redis-server and its port. */
export interface RedisServer {
  port: number;
  url: string;
  process: ChildProcess;
}

/**
 * Starts redis-server on `port` (default: a free one) with its files in `dir/redis-PORT` (extra
 * args, e.g. a password or --appendonly yes) and waits until it accepts connections.
 */
export async function startRedis(dir: string, extra: string[] = [], port?: number) {
  const p = port ?? (await freePort());
  const home = join(dir, `redis-${p}`);
  mkdirSync(home, { recursive: true });
  const proc = spawn(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--dir', home, '--save', '', ...extra],
    { stdio: 'ignore' },
  );
  children.push(proc);
  for (let i = 0; i < 200; i++) {
    const listening = await new Promise<boolean>((done) => {
      const s = createServer();
      s.once('error', () => done(true)); // the port is taken: redis is listening
      s.listen(p, '127.0.0.1', () => s.close(() => done(false)));
    });
    if (listening) return { port: p, url: `redis://127.0.0.1:${p}`, process: proc };
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}

/** A `pacgen worker` process on `url` (extra flags, e.g. --lock-timeout) with its stderr. */
export function startWorker(
  bin: string,
  dir: string,
  url: string,
  extra: string[] = [],
): ChildProcess & { log: () => string } {
  const w = spawn(process.execPath, [bin, 'worker', '--queue', url, '--allow', dir, ...extra], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(w);
  let log = '';
  w.stderr?.on('data', (b) => (log += String(b)));
  return Object.assign(w, { log: () => log });
}

/** Remembers a process started elsewhere (a submitter), so that `stopAll` kills it. */
export function track(c: ChildProcess): void {
  children.push(c);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `f` holds (polling every `everyMs`), or throws after `timeoutMs`. */
export async function until(
  f: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 120_000,
  everyMs = 100,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The flags of a tiny budget: an MLP on 200 MNIST samples, the smallest estimators. */
export const TINY_BUDGET = (
  '--data mnist --model mlp:8 --train-size 200 --test-size 100 --samples 32 ' +
  '--probes 2 --rho-probes 1 --psi-every 1 --no-png'
).split(' ');

/** A tiny sweep: 2 runs of `epochs` epochs at most. */
export function tinySweep(epochs: number): string[] {
  const grid = `--batch-sizes 16,64 --lrs 0.1 --max-epochs ${epochs}`;
  const measures =
    '--lanczos-steps 3 --sharpness-steps 2 --flatness-samples 1 --flatness-iterations 2';
  return ['sweep', ...TINY_BUDGET, ...`${grid} ${measures}`.split(' ')];
}

/**
 * The temporary folder of a queue test file, removed after its tests, with every process these
 * helpers started killed; fails fast without a built CLI.
 */
export function queueTestFolder(): string {
  const { dir, cleanup } = tempDir();
  afterAll(() => {
    stopAll();
    cleanup();
  });
  return dir;
}

/** A sweep run file without its timings (the rest must be bit-identical). */
export function sweepRunFile(folder: string, name: string) {
  const r = JSON.parse(readFileSync(join(folder, 'runs', name), 'utf8'));
  const values = r.measures?.values ?? {};
  for (const v of Object.values(values) as { seconds: number }[]) v.seconds = 0;
  return { ...r, seconds: null, measures: r.measures && { ...r.measures, seconds: 0, values } };
}
