// Nothing lost: pacgen never deletes or replaces files it did not write, a kill -9 at any step
// of an output commit is finished or undone by the next run, two processes cannot share an
// output folder, and a full or read-only disk is reported before any work, with nothing left.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, entries, expectOneLineError, pacgen, tempDir, type Run } from './helpers.js';

const TRAIN = [
  'train',
  '--data',
  'mnist',
  '--train-size',
  '256',
  '--test-size',
  '64',
  '--model',
  'mlp:16',
  '--batch-size',
  '64',
];

/** A cheap score of the models above (a Hutchinson diagonal of 2 probes on 32 samples). */
const SCORE = [
  '--data',
  'mnist',
  '--train-size',
  '256',
  '--samples',
  '32',
  '--diagonal',
  'hutchinson',
  '--probes',
  '2',
  '--rho-probes',
  '1',
];

/** Runs pacgen with PACGEN_CRASH_AT set: the process kills itself at that point. */
function crashAt(point: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', PACGEN_CRASH_AT: point },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: signal === 'SIGKILL' ? 137 : (code ?? -1), stdout: '', stderr }),
    );
  });
}

/** Every file and folder under `dir`, relative, hidden ones included. */
function walk(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? [`${p}/`, ...walk(dir, p)] : [p];
  });
}

const seedOf = (out: string) =>
  (JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { settings: { seed: number } })
    .settings.seed;

describe('foreign files are never deleted', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('train --resume and --force refuse a folder holding a file pacgen did not write', async () => {
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'x', 'thesis.txt'), 'hi');
    for (const flag of ['--resume', '--force']) {
      const r = await pacgen([...TRAIN, '--epochs', '1', '--out', 'x', flag], dir);
      expect(r.code).toBe(1);
      expect(expectOneLineError(r)).toMatch(/x: holds files pacgen did not write \(thesis\.txt\)/);
      expect(readFileSync(join(dir, 'x', 'thesis.txt'), 'utf8')).toBe('hi');
    }
  });

  it('--out . --force refuses the current folder and leaves it as it was', async () => {
    writeFileSync(join(dir, 'notes.md'), 'mine');
    const before = walk(dir);
    const r = await pacgen([...TRAIN, '--epochs', '1', '--out', '.', '--force'], dir);
    expect(r.code).toBe(1);
    expect(walk(dir)).toEqual(before);
  });

  it("--force replaces pacgen's own output, and refuses once a foreign file joins it", async () => {
    const r1 = await pacgen([...TRAIN, '--epochs', '1', '--out', 'run', '--seed', '1'], dir);
    expect(r1.code, r1.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'run', '.pacgen-output.json'), 'utf8'));
    expect(manifest).toEqual({
      format: 'pacgen-output/1',
      command: 'train',
      files: ['checkpoint.json', 'curves.svg', 'group1-shard1of1.bin', 'model.json', 'run.json'],
    });
    const r2 = await pacgen(
      [...TRAIN, '--epochs', '1', '--out', 'run', '--seed', '2', '--force'],
      dir,
    );
    expect(r2.code, r2.stderr).toBe(0);
    expect(seedOf(join(dir, 'run'))).toBe(2);
    writeFileSync(join(dir, 'run', 'notes.txt'), 'mine');
    const r3 = await pacgen(
      [...TRAIN, '--epochs', '1', '--out', 'run', '--seed', '3', '--force'],
      dir,
    );
    expect(r3.code).toBe(1);
    expect(expectOneLineError(r3)).toMatch(/holds files pacgen did not write \(notes\.txt\)/);
    expect(seedOf(join(dir, 'run'))).toBe(2);
    expect(readFileSync(join(dir, 'run', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('score --export --force refuses a folder holding a foreign file', async () => {
    const ok = await pacgen(['score', 'run', ...SCORE, '--export', 'curv'], dir);
    expect(ok.code, ok.stderr).toBe(0);
    writeFileSync(join(dir, 'curv', 'mine.csv'), '1,2');
    const r = await pacgen(['score', 'run', ...SCORE, '--export', 'curv', '--force'], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/curv: holds files pacgen did not write \(mine\.csv\)/);
    expect(entries(join(dir, 'curv'))).toEqual(['curvature.safetensors', 'mine.csv']);
  });
});

describe('a checkpoint that is not a regular file', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('train --resume refuses a FIFO named checkpoint.json at once (never waits on it)', async () => {
    mkdirSync(join(dir, 'r.partial'));
    expect(spawnSync('mkfifo', [join(dir, 'r.partial', 'checkpoint.json')]).status).toBe(0);
    const r = await pacgen([...TRAIN, '--epochs', '1', '--out', 'r', '--resume'], dir, 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /pacgen: .*checkpoint\.json: the checkpoint is not a regular file \(a FIFO/,
    );
  });
});

describe('kill -9 at each step of an output commit', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  // Each point of `replaceDir`: manifest written, old output moved aside, new output moved in.
  // After each, rerunning the interrupted command with --resume ends with its output (seed 7):
  // from the staged folder (moved-old), as committed (moved-new), or from its checkpoint
  // (manifest: the commit was undone, the finished run's checkpoint kept).
  const points = ['commit:manifest', 'commit:moved-old', 'commit:moved-new'] as const;
  for (const point of points) {
    it(`train --force killed at ${point}: the next run finishes or undoes the commit`, async () => {
      const out = `run-${point.replace(':', '-')}`;
      const first = await pacgen([...TRAIN, '--epochs', '1', '--out', out, '--seed', '1'], dir);
      expect(first.code, first.stderr).toBe(0);
      const killed = await crashAt(
        point,
        [...TRAIN, '--epochs', '1', '--out', out, '--seed', '7', '--force'],
        dir,
      );
      expect(killed.code).toBe(137);
      const again = await pacgen(
        [...TRAIN, '--epochs', '1', '--out', out, '--seed', '7', '--resume'],
        dir,
      );
      expect(again.code, again.stderr).toBe(0);
      expect(seedOf(join(dir, out))).toBe(7);
      expect(JSON.parse(readFileSync(join(dir, out, 'model.json'), 'utf8'))).toHaveProperty(
        'modelTopology',
      );
      // No hidden leftovers: no staged folder, no old output, no lock, no partial checkpoint.
      expect(readdirSync(dir).filter((e) => e.includes(out))).toEqual([out]);
    });
  }

  it('score --export killed between the renames: the next run puts an output back', async () => {
    const ok = await pacgen([...TRAIN, '--epochs', '1', '--out', 'm'], dir);
    expect(ok.code, ok.stderr).toBe(0);
    const args = ['score', 'm', ...SCORE, '--export', 'ex'];
    expect((await pacgen(args, dir)).code).toBe(0);
    const killed = await crashAt('commit:moved-old', [...args, '--force'], dir);
    expect(killed.code).toBe(137);
    expect(existsSync(join(dir, 'ex'))).toBe(false);
    const again = await pacgen([...args, '--force'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(entries(join(dir, 'ex'))).toEqual(['curvature.safetensors']);
    expect(readdirSync(dir).filter((e) => e.includes('ex'))).toEqual(['ex']);
  });

  it('train killed while writing a checkpoint: refused without --resume, resumed bit-exactly with it', async () => {
    const args = [...TRAIN, '--epochs', '3', '--seed', '4'];
    const whole = await pacgen([...args, '--out', 'whole'], dir);
    expect(whole.code, whole.stderr).toBe(0);
    // The 2nd checkpoint's temporary file is written, then the process dies before the rename.
    const killed = await crashAt('atomic-write:written@2', [...args, '--out', 'cut'], dir);
    expect(killed.code).toBe(137);
    const partial = readdirSync(join(dir, 'cut.partial'));
    expect(partial.some((f) => f.endsWith('.tmp'))).toBe(true);
    const fresh = await pacgen([...args, '--out', 'cut'], dir);
    expect(fresh.code).toBe(1);
    expect(expectOneLineError(fresh)).toMatch(/checkpoint of an interrupted run/);
    expect(fresh.stderr).toMatch(/--resume/);
    const resumed = await pacgen([...args, '--out', 'cut', '--resume'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(join(dir, 'cut', 'group1-shard1of1.bin'))).toEqual(
      readFileSync(join(dir, 'whole', 'group1-shard1of1.bin')),
    );
    expect(existsSync(join(dir, 'cut.partial'))).toBe(false);
  });
});

const SWEEP = [
  'sweep',
  '--data',
  'mnist',
  '--model',
  'mlp:8',
  '--train-size',
  '128',
  '--test-size',
  '64',
  '--samples',
  '32',
  '--probes',
  '2',
  '--rho-probes',
  '1',
  '--lanczos-steps',
  '3',
  '--sharpness-steps',
  '1',
  '--flatness-samples',
  '1',
  '--flatness-iterations',
  '1',
  '--target-loss',
  '0',
  '--batch-sizes',
  '32,64',
];

describe('two processes on one sweep folder', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('the second is refused, naming the holder; after a kill -9 the lock is taken over', async () => {
    const first = spawn(process.execPath, [BIN, ...SWEEP, '--max-epochs', '200', '--out', 'sw'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    try {
      // Wait until the first sweep holds the lock.
      const note = join(dir, '.sw.pacgen-lock.json');
      for (let i = 0; i < 300 && !existsSync(note); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(note)).toBe(true);
      const second = await pacgen(
        [...SWEEP, '--max-epochs', '1', '--lrs', '0.05', '--out', 'sw'],
        dir,
      );
      expect(second.code).toBe(1);
      expect(expectOneLineError(second)).toMatch(
        new RegExp(`sw: in use by pacgen sweep \\(pid ${first.pid} on .+, since .+\\)`),
      );
    } finally {
      first.kill('SIGKILL');
      await new Promise((r) => first.once('close', r));
    }
    // The holder is dead: its lock is stale at once (a sweep of other settings needs --force).
    const third = await pacgen([...SWEEP, '--max-epochs', '1', '--out', 'sw', '--force'], dir);
    expect(third.code, third.stderr).toBe(0);
    expect(walk(join(dir, 'sw')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['sw']);
  });
});

describe('kill -9 of a sweep while it writes', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('rerunning the command finishes it with the results of an uninterrupted sweep', async () => {
    const args = [...SWEEP, '--max-epochs', '2', '--psi-every', '1'];
    const whole = await pacgen([...args, '--out', 'whole'], dir);
    expect(whole.code, whole.stderr).toBe(0);
    // Killed with a result or checkpoint written to its temporary file, not yet renamed.
    const killed = await crashAt('atomic-write:written@4', [...args, '--out', 'cut'], dir);
    expect(killed.code).toBe(137);
    expect(walk(join(dir, 'cut')).filter((f) => f.endsWith('.tmp')).length).toBe(1);
    const again = await pacgen([...args, '--out', 'cut'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(walk(join(dir, 'cut')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const runs = (d: string) =>
      readdirSync(join(dir, d, 'runs')).map((f) => {
        // Everything but the timings.
        const r = JSON.parse(readFileSync(join(dir, d, 'runs', f), 'utf8'), (k, v) =>
          k === 'seconds' ? undefined : v,
        );
        return { f, final: r.final, curves: r.curves, measures: r.measures?.values };
      });
    expect(runs('cut')).toEqual(runs('whole'));
    expect(readFileSync(join(dir, 'cut', 'tau.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'whole', 'tau.json'), 'utf8'),
    );
  });
});

/** Mounts a tmpfs at `dir` (root only); returns false where mounting is not allowed. */
function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status === 0;
}

describe('a full or read-only disk', () => {
  const { dir, cleanup } = tempDir();
  const full = join(dir, 'full');
  const ro = join(dir, 'ro');
  let mounted = false;
  beforeAll(() => {
    mounted = mountTmpfs(full, 'size=256k') && mountTmpfs(ro, 'ro,size=64k');
  });
  afterAll(() => {
    spawnSync('umount', [full]);
    spawnSync('umount', [ro]);
    cleanup();
  });

  it('train says "disk full" or "read-only" before any training, exit 1, nothing left', async (t) => {
    if (!mounted) t.skip('mounting a tmpfs needs root');
    const onFull = await pacgen([...TRAIN, '--epochs', '1', '--out', join(full, 'run')], dir);
    expect(onFull.code).toBe(1);
    expect(expectOneLineError(onFull)).toMatch(/disk full: \d+ KiB free on its device/);
    expect(onFull.stderr).not.toMatch(/training|--help/);
    expect(readdirSync(full)).toEqual([]);
    const onRo = await pacgen([...TRAIN, '--epochs', '1', '--out', join(ro, 'run')], dir);
    expect(onRo.code).toBe(1);
    expect(expectOneLineError(onRo)).toMatch(/read-only file system/);
    expect(onRo.stderr).not.toMatch(/training|no such file|--help/);
  });

  it('a sweep whose disk fills up stops with "disk full" and leaves no temporary file', async (t) => {
    if (!mounted) t.skip('mounting a tmpfs needs root');
    const big = join(dir, 'big');
    expect(mountTmpfs(big, 'size=6m')).toBe(true);
    try {
      const sweep = spawn(
        process.execPath,
        [BIN, ...SWEEP, '--max-epochs', '50', '--out', join(big, 'sw')],
        {
          cwd: dir,
          env: { ...process.env, NO_COLOR: '1' },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      sweep.stderr.on('data', (d) => (stderr += d));
      const closed = new Promise<number>((r) => sweep.once('close', (c) => r(c ?? -1)));
      for (let i = 0; i < 300 && !existsSync(join(big, 'sw', 'sweep.json')); i++)
        await new Promise((r) => setTimeout(r, 50));
      // Fill the disk while the sweep trains: its next checkpoint or result cannot be written.
      spawnSync('sh', ['-c', `head -c 7000000 /dev/zero > ${join(big, 'filler')}`]);
      const code = await closed;
      expect(code).toBe(1);
      expect(stderr).toMatch(/disk full/);
      expect(stderr).not.toMatch(/unexpected error/);
      expect(walk(join(big, 'sw')).filter((f) => /tmp/.test(f))).toEqual([]);
    } finally {
      spawnSync('umount', [big]);
    }
  });
});
