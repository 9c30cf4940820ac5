// Output folders, safely: a command first claims its output (a lock, recovery of a commit a crash
// interrupted, leftovers of killed runs removed, refusal of folders holding files pacgen did not
// write, a writable file system with room), then writes into a temporary folder beside the
// target and moves it into place with a crash-safe commit (`replaceDir` of @pacgen/metrics), so
// a failure, Ctrl-C or kill -9 never leaves half-written output and never loses the old one.

import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import {
  foreignFiles,
  ioReason,
  recoverReplace,
  removeStaleTempFiles,
  replaceDir,
} from '@pacgen/metrics/node';
import { CliError, ioHint } from './errors.js';
import { jsonReplacer } from './context.js';
import { onInterrupt } from './interrupt.js';
import { lockOutput } from './output-lock.js';

/** A folder being written: files go under `path`; `commit` moves it to `target`. */
export interface StagedDir {
  /** The temporary folder to write into. */
  readonly path: string;
  /** The final location. */
  readonly target: string;
  /** Moves the temporary folder to the target (replacing pacgen's previous output there). */
  commit(): Promise<void>;
  /** Removes the temporary folder (safe to call after commit). */
  discard(): Promise<void>;
}

/** How a command claims its output. */
export interface OutputOptions {
  /** The command, for the lock's owner note and the folder's manifest (default: from argv). */
  command?: string;
  /** Top-level names this command writes, for folders written before manifests existed. */
  known?: (name: string) => boolean;
  /** Free space required on the output's device before work starts (bytes; default 4 MiB). */
  minFreeBytes?: number;
}

const DEFAULT_MIN_FREE = 4 * 1024 * 1024;

function commandName(options: OutputOptions): string {
  return options.command ?? process.argv[2] ?? 'pacgen';
}

/** The nearest existing folder at or above `path`. */
async function existingAncestor(path: string): Promise<string> {
  let p = path;
  for (;;) {
    const s = await stat(p).catch(() => null);
    if (s) return p;
    const up = dirname(p);
    if (up === p) return p;
    p = up;
  }
}

/**
 * Checks, before any work, that files can be written at `dir` (or its nearest existing
 * ancestor): not a read-only file system, not permission-denied, and `minFree` bytes free.
 */
export async function checkWritable(dir: string, minFree = DEFAULT_MIN_FREE): Promise<void> {
  const at = await existingAncestor(resolve(dir));
  const probe = join(at, `.pacgen-probe-${process.pid}.tmp`);
  try {
    await writeFile(probe, 'pacgen', { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      throw new CliError(`${dir}: cannot write output here: ${ioReason(e)}`, {
        hint: ioHint(code) ?? 'choose a writable output path',
      });
    }
  } finally {
    await rm(probe, { force: true });
  }
  const fsStat = await statfs(at).catch(() => null);
  if (fsStat) {
    const free = Number(fsStat.bavail) * Number(fsStat.bsize);
    if (free < minFree) {
      throw new CliError(
        `${dir}: disk full: ${formatBytes(free)} free on its device, at least ${formatBytes(minFree)} needed`,
        { hint: ioHint('ENOSPC') },
      );
    }
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** Refuses the current folder, or a folder holding it, as an output to replace. */
function checkNotCwd(target: string): void {
  const rel = relative(target, process.cwd());
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..')) {
    throw new CliError(`${target}: is the current folder or holds it: will not replace it`, {
      hint: 'choose an output folder of its own, e.g. --out results',
    });
  }
}

/**
 * Claims `target` as this command's output before any work is spent: locks it against other
 * pacgen processes (held until exit), finishes or undoes a commit a crash interrupted, removes
 * leftovers of killed runs, and checks the target may be written: absent, an empty folder, or —
 * with `overwrite` — a folder holding only files pacgen wrote. Throws a CliError naming the
 * problem (exit 1).
 */
export async function checkOutputTarget(
  target: string,
  overwrite: boolean,
  options: OutputOptions = {},
): Promise<void> {
  const full = resolve(target);
  await lockOutput(full, commandName(options));
  const recovered = await recoverReplace(full).catch((e: unknown) => {
    throw new CliError(`${full}: cannot recover an interrupted write: ${ioReason(e)}`);
  });
  if (recovered.action === 'finished' || recovered.action === 'restored') {
    process.stderr.write(
      `pacgen: ${full}: ${recovered.action === 'finished' ? 'finished moving the output of an interrupted run into place' : 'restored the previous output after an interrupted write'}\n`,
    );
  }
  const s = await stat(full).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw new CliError(`${full}: cannot use as output: ${ioReason(e)}`);
  });
  if (s) {
    if (!s.isDirectory()) {
      throw new CliError(`${target}: exists and is not a folder`, {
        hint: 'choose another output path',
      });
    }
    const entries = await readdir(full);
    if (entries.length > 0) {
      if (!overwrite) {
        throw new CliError(`${target}: output folder exists and is not empty`, {
          hint: 'choose another output path, or pass --force to replace what pacgen wrote there',
        });
      }
      checkNotCwd(full);
      await checkOwnFolder(full, options.known);
    }
  }
  await checkWritable(full, options.minFreeBytes);
}

/** Refuses a folder holding files pacgen did not write (naming a few of them). */
export async function checkOwnFolder(
  dir: string,
  known?: (name: string) => boolean,
): Promise<void> {
  await removeStaleTempFiles(dir);
  const foreign = await foreignFiles(dir, known).catch((e: unknown) => {
    throw new CliError(`${dir}: cannot read the folder: ${ioReason(e)}`);
  });
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ');
    const more = foreign.length > 3 ? ` and ${foreign.length - 3} more` : '';
    throw new CliError(
      `${dir}: holds files pacgen did not write (${shown}${more}): will not replace or delete them`,
      { hint: 'choose another output path, or move those files away' },
    );
  }
}

/**
 * Claims a working folder that a command fills over time and resumes (a sweep's --out): locks
 * it, removes temporary files of killed runs, and checks it is absent, empty, or a folder of this
 * command (holding `marker`) with nothing pacgen did not write; then checks the disk is writable.
 */
export async function claimWorkFolder(
  dir: string,
  options: OutputOptions & { known: (name: string) => boolean; marker: string },
): Promise<void> {
  const full = resolve(dir);
  await lockOutput(full, commandName(options));
  const entries = await readdir(full).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw new CliError(`${dir}: cannot use as output: ${ioReason(e)}`, {
      hint: 'choose another output path',
    });
  });
  if (entries && entries.length > 0) {
    if (!entries.includes(options.marker)) {
      throw new CliError(
        `${dir}: the folder is not empty and holds no ${commandName(options)} (no ${options.marker})`,
        {
          hint: 'choose another output path',
        },
      );
    }
    await checkOwnFolder(full, options.known);
  }
  await checkWritable(full, options.minFreeBytes);
}

/**
 * Starts writing a folder at `target`: returns a temporary folder beside it (same file system,
 * so the final rename is atomic). Call `commit` when every file is written.
 */
export async function stageDir(
  target: string,
  options: { overwrite?: boolean } & OutputOptions = {},
): Promise<StagedDir> {
  const full = resolve(target);
  await checkOutputTarget(full, options.overwrite ?? false, options);
  const parent = dirname(full);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw new CliError(`${parent}: cannot create the output's parent folder: ${ioReason(e)}`);
  }
  let tmp: string;
  try {
    tmp = await mkdtemp(join(parent, `.${basename(full)}.tmp-`));
    // mkdtemp makes the folder private (0700); the output is an ordinary folder.
    await chmod(tmp, 0o777 & ~process.umask());
  } catch (e) {
    throw new CliError(`${parent}: cannot write here: ${ioReason(e)}`, {
      hint: 'choose a writable output path',
    });
  }
  const unregister = onInterrupt(() => rmSync(tmp, { recursive: true, force: true }));
  let done = false;
  return {
    path: tmp,
    target: full,
    async commit() {
      if (done) return;
      try {
        await replaceDir(tmp, full, commandName(options));
        done = true;
        unregister();
      } catch (e) {
        throw new CliError(`${full}: cannot move the output into place: ${ioReason(e)}`);
      }
    },
    async discard() {
      unregister();
      if (!done) await rm(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `write` against a staged folder and commits it; on any error the temporary folder is
 * removed and the error rethrown, so `target` is either the complete output or untouched.
 */
export async function withStagedDir<T>(
  target: string,
  options: { overwrite?: boolean } & OutputOptions,
  write: (dir: string) => Promise<T>,
): Promise<T> {
  const staged = await stageDir(target, options);
  try {
    const result = await write(staged.path);
    await staged.commit();
    return result;
  } finally {
    await staged.discard();
  }
}

/** Pretty-printed JSON text (typed arrays as arrays, NaN as null). */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer, 2)}\n`;
}

/** Writes `value` as JSON at `path` (inside a staged folder; creates parent folders). */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFiles(dirname(path), { [basename(path)]: toJsonText(value) });
}

/**
 * Writes files under `dir` (names may contain '/'): text or bytes. Meant for a staged folder;
 * for a single file outside one, use `writeFileAtomic` of @pacgen/metrics.
 */
export async function writeFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  for (const [name, data] of Object.entries(files)) {
    const p = join(dir, name);
    try {
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, data);
    } catch (e) {
      throw new CliError(`${p}: cannot write: ${ioReason(e)}`);
    }
  }
}
