// Atomic output: a command writes its files into a temporary folder beside the target and
// renames it into place at the end, so a failure (or Ctrl-C) never leaves half-written output.

import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError, ioReason } from './errors.js';
import { jsonReplacer } from './context.js';
import { onInterrupt } from './interrupt.js';

/** A folder being written: files go under `path`; `commit` moves it to `target`. */
export interface StagedDir {
  /** The temporary folder to write into. */
  readonly path: string;
  /** The final location. */
  readonly target: string;
  /** Renames the temporary folder to the target (replacing it when allowed). */
  commit(): Promise<void>;
  /** Removes the temporary folder (safe to call after commit). */
  discard(): Promise<void>;
}

/**
 * Checks that `target` may be written (absent, an empty folder, or `overwrite`) before any work
 * is spent. Throws a CliError naming the problem.
 */
export async function checkOutputTarget(target: string, overwrite: boolean): Promise<void> {
  const s = await stat(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw new CliError(`${target}: cannot use as output: ${ioReason(e)}`);
  });
  if (!s) {
    // The parent must be creatable: fail now, not after the work.
    return;
  }
  if (!s.isDirectory()) {
    throw new CliError(`${target}: exists and is not a folder`, {
      hint: 'choose another output path with --out',
    });
  }
  const entries = await readdir(target);
  if (entries.length > 0 && !overwrite) {
    throw new CliError(`${target}: output folder exists and is not empty`, {
      hint: 'choose another --out, or pass --force to replace it',
    });
  }
}

/**
 * Starts writing a folder at `target`: returns a temporary folder beside it (same file system,
 * so the final rename is atomic). Call `commit` when every file is written.
 */
export async function stageDir(
  target: string,
  options: { overwrite?: boolean } = {},
): Promise<StagedDir> {
  const full = resolve(target);
  await checkOutputTarget(full, options.overwrite ?? false);
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
      hint: 'choose a writable --out',
    });
  }
  const unregister = onInterrupt(() => rmSync(tmp, { recursive: true, force: true }));
  let done = false;
  return {
    path: tmp,
    target: full,
    async commit() {
      if (done) return;
      let old = '';
      try {
        if (existsSync(full)) {
          old = `${tmp}.old`;
          await rename(full, old);
        }
        await rename(tmp, full);
        done = true;
        unregister();
      } catch (e) {
        if (old) await rename(old, full).catch(() => undefined);
        throw new CliError(`${full}: cannot move the output into place: ${ioReason(e)}`);
      }
      if (old) await rm(old, { recursive: true, force: true });
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
  options: { overwrite?: boolean },
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
