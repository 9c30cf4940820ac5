import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, expectOneLineError, pacgen, tempDir } from './helpers.js';

// Each test starts its own redis-server on a free port in a temporary folder (never the system
// service) and stops it after; .ci/run installs Debian's redis-server.
const { dir, cleanup } = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  cleanup();
});
beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (npm run build): ${BIN} is missing`);
});

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

/** Starts redis-server (extra args, e.g. a password) and waits until it accepts connections. */
async function startRedis(extra: string[] = []): Promise<number> {
  const port = await freePort();
  const p = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra],
    { stdio: 'ignore' },
  );
  children.push(p);
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((done) => {
      const s = createServer();
      s.once('error', () => done(true)); // the port is taken: redis is listening
      s.listen(port, '127.0.0.1', () => s.close(() => done(false)));
    });
    if (ok) return port;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

function startWorker(url: string): ChildProcess {
  const w = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--allow', dir], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(w);
  return w;
}

/** A tiny sweep: an MLP on 200 MNIST samples, 2 runs of 2 epochs, the smallest budget. */
const TINY = [
  'sweep',
  '--data',
  'mnist',
  '--model',
  'mlp:8',
  '--batch-sizes',
  '16,64',
  '--lrs',
  '0.1',
  '--max-epochs',
  '2',
  '--train-size',
  '200',
  '--test-size',
  '100',
  '--samples',
  '32',
  '--probes',
  '2',
  '--rho-probes',
  '1',
  '--psi-every',
  '1',
  '--lanczos-steps',
  '3',
  '--sharpness-steps',
  '2',
  '--flatness-samples',
  '1',
  '--flatness-iterations',
  '2',
  '--no-png',
];

/** A run file without its timings (the rest must be bit-identical). */
function runFile(folder: string, name: string) {
  const r = JSON.parse(readFileSync(join(dir, folder, 'runs', name), 'utf8'));
  const values = r.measures?.values ?? {};
  for (const v of Object.values(values) as { seconds: number }[]) v.seconds = 0;
  return { ...r, seconds: null, measures: r.measures && { ...r.measures, seconds: 0, values } };
}

describe('pacgen sweep --queue and pacgen worker', () => {
  it('refuses an unreachable Redis with one line, exit 1', async () => {
    const port = await freePort();
    const r = await pacgen(
      [...TINY, '--out', 'nowhere', '--queue', `redis://127.0.0.1:${port}`],
      dir,
    );
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('refuses a wrong password without printing it', async () => {
    const port = await startRedis(['--requirepass', 'right-secret']);
    const r = await pacgen(
      [...TINY, '--out', 'nopass', '--queue', `redis://:wrong-secret@127.0.0.1:${port}`],
      dir,
    );
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(
      /Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+ refused the credentials/,
    );
    expect(r.stderr + r.stdout).not.toContain('wrong-secret');
  });

  it('runs a sweep on two workers bit-identical to the local sweep; a malformed job is rejected', async () => {
    const port = await startRedis();
    const url = `redis://127.0.0.1:${port}`;
    const local = await pacgen([...TINY, '--out', 'local', '--json'], dir);
    expect(local.code, local.stderr).toBe(0);

    const w1 = startWorker(url);
    const w2 = startWorker(url);
    let w1err = '';
    w1.stderr?.on('data', (b) => (w1err += String(b)));
    w2.stderr?.on('data', (b) => (w1err += String(b)));
    // A job put on the queue by hand: an unknown kind. A worker rejects it and keeps going.
    const queue = new Queue('pacgen', { connection: { host: '127.0.0.1', port } });
    const bad = await queue.add('sweep-run', { kind: 'shell', cmd: 'rm -rf /' }, { jobId: 'bad' });
    const queued = await pacgen([...TINY, '--out', 'queued', '--json', '--queue', url], dir);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stderr).toMatch(/submitted 2 jobs to redis:\/\/127\.0\.0\.1:\d+/);
    const failed = await queue.getJob(bad.id as string);
    expect(await failed?.getState()).toBe('failed');
    expect(failed?.failedReason).toMatch(/unknown job kind 'shell'/);
    await queue.close();

    expect(readFileSync(join(dir, 'queued', 'tau.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'local', 'tau.json'), 'utf8'),
    );
    const names = readdirSync(join(dir, 'local', 'runs')).sort();
    expect(readdirSync(join(dir, 'queued', 'runs')).sort()).toEqual(names);
    for (const n of names) expect(runFile('queued', n)).toEqual(runFile('local', n));

    // Resubmitting the sweep into a new folder reuses the finished jobs: nothing is trained.
    const again = await pacgen([...TINY, '--out', 'again', '--json', '--queue', url], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'again', 'tau.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'local', 'tau.json'), 'utf8'),
    );
    w1.kill('SIGTERM');
    w2.kill('SIGTERM');
    expect(w1err).toMatch(/rejected or failed: unknown job kind 'shell'/);

    // pacgen queue status|clean: the 2 finished runs and the rejected job, then none.
    const status = await pacgen(['queue', 'status', url, '--json'], dir);
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.counts).toMatchObject({ completed: 2, failed: 1, waiting: 0, active: 0 });
    expect(s.failed).toEqual([{ id: 'bad', name: null, reason: "unknown job kind 'shell'" }]);
    const clean = await pacgen(['queue', 'clean', url, '--json'], dir);
    expect(JSON.parse(clean.stdout).removed).toEqual({ completed: 2, failed: 1 });
    const after = JSON.parse((await pacgen(['queue', 'status', url, '--json'], dir)).stdout);
    expect(after.counts).toMatchObject({ completed: 0, failed: 0 });
  }, 300_000);

  it('finishes a run on another worker after kill -9 of the first, equal to the local sweep', async () => {
    // The run starts over on the second worker (BullMQ's stalled-job detection, after the dead
    // worker's 30 s lock): no checkpoint resume yet.
    if (!existsSync(join(dir, 'local'))) {
      expect((await pacgen([...TINY, '--out', 'local', '--json'], dir)).code).toBe(0);
    }
    const port = await startRedis();
    const url = `redis://127.0.0.1:${port}`;
    const w1 = startWorker(url);
    const submitted = pacgen([...TINY, '--out', 'killed', '--json', '--queue', url], dir, 280_000);
    const queue = new Queue('pacgen', { connection: { host: '127.0.0.1', port } });
    let killedMidRun = false;
    for (let i = 0; i < 600 && !killedMidRun; i++) {
      const active = await queue.getActive();
      if (active.some((j) => typeof j.progress === 'object' && j.progress !== null)) {
        w1.kill('SIGKILL');
        killedMidRun = true;
      } else await new Promise((r) => setTimeout(r, 100));
    }
    await queue.close();
    expect(killedMidRun).toBe(true);
    const w2 = startWorker(url);
    const r = await submitted;
    expect(r.code, r.stderr).toBe(0);
    w2.kill('SIGTERM');
    expect(readFileSync(join(dir, 'killed', 'tau.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'local', 'tau.json'), 'utf8'),
    );
    for (const n of readdirSync(join(dir, 'local', 'runs'))) {
      expect(runFile('killed', n)).toEqual(runFile('local', n));
    }
  }, 300_000);
});
