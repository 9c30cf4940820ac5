import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { BIN, expectOneLineError, pacgen } from './helpers.js';
import {
  TINY_BUDGET,
  freePort,
  startRedis,
  startWorker,
  queueTestFolder,
  sweepRunFile,
  tinySweep,
} from './queue-helpers.js';

// Each test starts its own redis-server on a free port in a temporary folder (never the system
// service) and stops it after; .ci/run installs Debian's redis-server. The fault tests (a worker
// killed, the submitter killed, Redis restarted) are in queue-faults.test.ts.
const dir = queueTestFolder();

/** A tiny sweep: an MLP on 200 MNIST samples, 2 runs of 2 epochs, the smallest budget. */
const TINY = tinySweep(2);

const runFile = (folder: string, name: string) => sweepRunFile(join(dir, folder), name);

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
    const { port } = await startRedis(dir, ['--requirepass', 'right-secret']);
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
    const { port, url } = await startRedis(dir);
    const local = await pacgen([...TINY, '--out', 'local', '--json'], dir);
    expect(local.code, local.stderr).toBe(0);

    const w1 = startWorker(BIN, dir, url);
    const w2 = startWorker(BIN, dir, url);
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
    expect(w1.log() + w2.log()).toMatch(/rejected or failed: unknown job kind 'shell'/);

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

  it('runs a comparison on two workers bit-identical to the local comparison', async () => {
    const { url } = await startRedis(dir);
    const COMPARE = ['compare', ...TINY_BUDGET, '--methods', 'plain,sam', '--seeds', '1,2'];
    COMPARE.push('--epochs', '2', '--batch-size', '32');
    const local = await pacgen([...COMPARE, '--out', 'c-local', '--json'], dir);
    expect(local.code, local.stderr).toBe(0);
    const w1 = startWorker(BIN, dir, url);
    const w2 = startWorker(BIN, dir, url);
    const queued = await pacgen([...COMPARE, '--out', 'c-queued', '--json', '--queue', url], dir);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stderr).toMatch(/submitted 4 jobs to redis:\/\/127\.0\.0\.1:\d+/);
    w1.kill('SIGTERM');
    w2.kill('SIGTERM');
    const finished = (w1.log() + w2.log()).match(/finished \S+/g)?.sort();
    expect(finished).toEqual(
      ['plain_seed1', 'plain_seed2', 'sam_seed1', 'sam_seed2'].map((n) => `finished ${n}`),
    );
    // Every file equal but for the timings: the runs' seconds, the summary's, runs.csv's column.
    const runs = readdirSync(join(dir, 'c-local', 'runs')).sort();
    expect(readdirSync(join(dir, 'c-queued', 'runs')).sort()).toEqual(runs);
    const untimed = (folder: string, file: string) => {
      const text = readFileSync(join(dir, folder, file), 'utf8');
      if (file.endsWith('.csv')) return text.replace(/,[\d.e-]+$/gm, ',');
      return JSON.stringify(JSON.parse(text), (k, v) => (k === 'seconds' || k === 'out' ? 0 : v));
    };
    for (const f of [...runs.map((r) => `runs/${r}`), 'summary.json', 'runs.csv']) {
      expect(untimed('c-queued', f), f).toBe(untimed('c-local', f));
    }
    for (const f of ['curves.csv', 'compare.md']) {
      expect(readFileSync(join(dir, 'c-queued', f), 'utf8'), f).toBe(
        readFileSync(join(dir, 'c-local', f), 'utf8'),
      );
    }
  }, 300_000);
});
