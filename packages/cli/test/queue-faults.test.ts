import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { BIN, pacgen } from './helpers.js';
import * as q from './queue-helpers.js';

// The faults of docs/distributed.md, each on its own redis-server (a free port, a temporary
// folder): a worker killed mid-run (the run resumes from its last checkpoint on another worker),
// the submitting sweep killed and rerun (finished runs are not trained again), Redis restarted
// with append-only persistence mid-sweep (nothing lost). Each result equals the local sweep.
const dir = q.queueTestFolder();

/** 2 runs of 6 epochs: long enough (a few seconds each) to be interrupted. */
const SWEEP = q.tinySweep(6);

/** The local sweep every faulty one must equal (run once). */
let local: Promise<void> | null = null;
function localSweep(): Promise<void> {
  local ??= pacgen([...SWEEP, '--out', 'local', '--json'], dir).then((r) => {
    if (r.code !== 0) throw new Error(r.stderr);
  });
  return local;
}

/** The folder's tau.json and runs equal the local sweep's (`except` a run's resumedFrom). */
function expectLocalResults(folder: string, resumed: { name: string; from: number } | null) {
  expect(readFileSync(join(dir, folder, 'tau.json'), 'utf8')).toBe(
    readFileSync(join(dir, 'local', 'tau.json'), 'utf8'),
  );
  const names = readdirSync(join(dir, 'local', 'runs')).sort();
  expect(readdirSync(join(dir, folder, 'runs')).sort()).toEqual(names);
  for (const n of names) {
    const run = q.sweepRunFile(join(dir, folder), n);
    if (resumed && n === `${resumed.name}.json`) {
      expect(run.resumedFrom).toBe(resumed.from);
      run.resumedFrom = null;
    }
    expect(run, n).toEqual(q.sweepRunFile(join(dir, 'local'), n));
  }
}

/** The run names a worker's log says it finished, sorted. */
const finishedBy = (log: string) => (log.match(/finished \S+/g) ?? []).sort();

describe('queue faults', () => {
  it('resumes a run from its last checkpoint on another worker after kill -9 of the first', async () => {
    await localSweep();
    const { url, port } = await q.startRedis(dir);
    const lock = ['--lock-timeout', '2'];
    const w1 = q.startWorker(BIN, dir, url, lock);
    const submitted = pacgen([...SWEEP, '--out', 'killed', '--json', '--queue', url], dir, 280_000);
    const redis = new Redis({ host: '127.0.0.1', port });
    const epochOf = async (key: string) => JSON.parse((await redis.get(key)) ?? '{}').epoch;
    let key = '';
    await q.until(
      async () => {
        for (const k of await redis.keys('pacgen:checkpoint:*')) {
          if ((await epochOf(k)) >= 1) key = k;
        }
        return key !== '';
      },
      'a checkpoint after epoch 1',
      120_000,
      20,
    );
    // Freeze the worker's child (the job's process) so that this checkpoint stays its last,
    // then kill both outright.
    const kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(w1.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((p) => p > 0);
    expect(kids.length).toBeGreaterThan(0);
    for (const k of kids) process.kill(k, 'SIGSTOP');
    const from = await epochOf(key);
    w1.kill('SIGKILL');
    for (const k of kids) process.kill(k, 'SIGKILL');
    const queue = new Queue('pacgen', { connection: { host: '127.0.0.1', port } });
    const name = (await queue.getJob(key.replace('pacgen:checkpoint:', '')))?.data.name;
    await queue.close();

    const w2 = q.startWorker(BIN, dir, url, lock);
    const r = await submitted;
    expect(r.code, r.stderr).toBe(0);
    w2.kill('SIGTERM');
    expect(from).toBeGreaterThanOrEqual(1);
    expect(finishedBy(w2.log())).toContain(`finished ${name}`);
    // The checkpoints are removed once the runs finish.
    expect(await redis.keys('pacgen:checkpoint:*')).toEqual([]);
    await redis.quit();
    expectLocalResults('killed', { name, from });
  }, 300_000);

  it('reattaches a killed sweep when rerun, without training a finished run again', async () => {
    await localSweep();
    const { url, port } = await q.startRedis(dir);
    const w = q.startWorker(BIN, dir, url);
    const args = [BIN, ...SWEEP, '--out', 'resubmit', '--json', '--queue', url];
    const first = spawn(process.execPath, args, { cwd: dir, stdio: 'ignore' });
    q.track(first);
    const queue = new Queue('pacgen', { connection: { host: '127.0.0.1', port } });
    await q.until(async () => (await queue.getCompletedCount()) >= 1, 'a finished job');
    first.kill('SIGKILL');
    const done = (await queue.getCompleted())[0];
    const r = await pacgen(args.slice(1), dir, 280_000);
    expect(r.code, r.stderr).toBe(0);
    expect((await queue.getJob(done.id as string))?.finishedOn).toBe(done.finishedOn);
    await queue.close();
    w.kill('SIGTERM');
    // Each run was trained once, by the one worker.
    expect(finishedBy(w.log())).toEqual(
      readdirSync(join(dir, 'local', 'runs'))
        .map((f) => `finished ${f.replace(/\.json$/, '')}`)
        .sort(),
    );
    expectLocalResults('resubmit', null);
  }, 300_000);

  it('loses nothing when Redis restarts with append-only persistence mid-sweep', async () => {
    await localSweep();
    const aof = ['--appendonly', 'yes'];
    const server = await q.startRedis(dir, aof);
    const { url, port } = server;
    const w = q.startWorker(BIN, dir, url);
    const submitted = pacgen([...SWEEP, '--out', 'aof', '--json', '--queue', url], dir, 280_000);
    const queue = new Queue('pacgen', { connection: { host: '127.0.0.1', port } });
    queue.on('error', () => {});
    await q.until(
      async () =>
        (await queue.getCompletedCount()) >= 1 &&
        (await queue.getActive()).some((j) => typeof j.progress === 'object'),
      'a finished job and one in progress',
    );
    await queue.close();
    // A clean shutdown (SIGTERM) flushes the append-only file; Redis comes back on the same
    // port and folder and reloads it.
    server.process.kill('SIGTERM');
    await new Promise((r) => server.process.once('exit', r));
    await q.sleep(500);
    await q.startRedis(dir, aof, port);
    const r = await submitted;
    expect(r.code, r.stderr).toBe(0);
    w.kill('SIGTERM');
    expect(finishedBy(w.log())).toHaveLength(2);
    expectLocalResults('aof', null);
  }, 300_000);
});
