// One pacgen process per output: a lock beside the output folder (proper-lockfile: an atomic
// mkdir whose mtime the holder refreshes), plus an owner note so a second process can say who
// holds it. A lock whose holder died on this machine (kill -9) is taken over at once; one held
// from another machine is taken over when it has not been refreshed for STALE_MS.

import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { parseJson } from '@pacgen/metrics';
import { ioReason } from '@pacgen/metrics/node';
import { CliError, ioHint } from './errors.js';

/** A lock not refreshed for this long is stale (its holder froze or died on another host). */
const STALE_MS = 10 * 60_000;
/** How often the holder refreshes the lock. */
const UPDATE_MS = 10_000;

interface Owner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** The lock folder and owner note of an output path. */
function lockPaths(target: string): { lock: string; owner: string } {
  const lock = join(dirname(target), `.${basename(target)}.pacgen-lock`);
  return { lock, owner: `${lock}.json` };
}

function readOwner(path: string): Owner | null {
  try {
    // A note a few dozen bytes long; anything else is not ours.
    if (statSync(path).size > 4096) return null;
    const o = parseJson(readFileSync(path, 'utf8'), path, 'lock note') as Partial<Owner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string') return null;
    return {
      pid: o.pid,
      host: o.host,
      command: String(o.command ?? 'pacgen'),
      since: String(o.since ?? '?'),
    };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const held = new Map<string, () => Promise<void>>();
const ownerNotes = new Set<string>();
// proper-lockfile removes its lock folders on exit; the owner notes go with them.
process.once('exit', () => {
  for (const o of ownerNotes) rmSync(o, { force: true });
});

/**
 * Locks `target` (a path that may not exist yet) for this process until it exits or `release`
 * is called. Throws a CliError naming the holder when another live process has it.
 */
export async function lockOutput(target: string, command: string): Promise<() => Promise<void>> {
  const existing = held.get(target);
  if (existing) return existing;
  const { lock, owner } = lockPaths(target);
  const options = {
    realpath: false,
    lockfilePath: lock,
    stale: STALE_MS,
    update: UPDATE_MS,
    // A lock lost while working (the folder removed under us) must not crash the run from a timer.
    onCompromised: (e: Error) =>
      process.stderr.write(`pacgen: warning: lost the lock of ${target}: ${e.message}\n`),
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, options);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ELOCKED') {
      throw new CliError(`${target}: cannot lock the output: ${ioReason(e)}`, {
        hint: ioHint(err.code) ?? 'choose another output path',
      });
    }
    const o = readOwner(owner);
    if (o && o.host === hostname() && !isAlive(o.pid)) {
      // Its holder was killed: the lock is stale now, not in ten minutes.
      rmSync(lock, { recursive: true, force: true });
      release = await lockfile.lock(target, options);
    } else {
      const who = o
        ? `pacgen ${o.command} (pid ${o.pid} on ${o.host}, since ${o.since})`
        : 'another pacgen process';
      throw new CliError(`${target}: in use by ${who}`, {
        hint: 'wait for it to finish or stop it, or choose another output path',
      });
    }
  }
  const note: Owner = {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
  };
  writeFileSync(owner, `${JSON.stringify(note)}\n`);
  ownerNotes.add(owner);
  const done = async () => {
    if (!held.delete(target)) return;
    ownerNotes.delete(owner);
    rmSync(owner, { force: true });
    await release().catch(() => undefined);
  };
  held.set(target, done);
  return done;
}
