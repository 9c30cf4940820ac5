// Crash-safe output for Node: single files written beside their target and renamed over it,
// and whole folders replaced by a two-rename commit that the next run can always finish or undo
// (a `kill -9` at any point leaves the old output, the new output, or a state that
// `recoverReplace` turns into one of them). Every file written carries pacgen's ownership
// manifest, so pacgen replaces only what it wrote. Node's modules are imported inside the
// functions, so bundling this module for a browser is harmless.

import { PacgenError } from '@pacgen/core-wasm';
import { ioReason } from './errors.js';
import { readFileBytesIfAny } from './read-file.js';
import { parseJson } from './safe-json.js';

/** The manifest pacgen writes into every output folder: the files it wrote there. */
export const OUTPUT_MANIFEST = '.pacgen-output.json';

/** Manifest format tag. */
const MANIFEST_FORMAT = 'pacgen-output/1';

/** Most entries walked when listing a folder pacgen may replace (refused above). */
const MAX_LISTED_ENTRIES = 100_000;

/** The temporary file name of `writeFileAtomic` (a hidden name with 12 hex digits). */
const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;

async function nodeModules() {
  const [fs, path, crypto] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('node:crypto'),
  ]);
  return { fs, path, crypto };
}

/** The sibling names used while replacing `target` (all hidden, in the same folder). */
export function replaceNames(target: string): {
  /** Prefix of staged folders (`mkdtemp` adds 6 characters). */
  stagedPrefix: string;
  /** Where the previous output waits during a commit. */
  old: string;
} {
  // Computed without node:path so it stays synchronous and browser-safe.
  const cut = Math.max(target.lastIndexOf('/'), target.lastIndexOf('\\'));
  const parent = cut >= 0 ? target.slice(0, cut + 1) : '';
  const base = target.slice(cut + 1);
  return { stagedPrefix: `${parent}.${base}.tmp-`, old: `${parent}.${base}.pacgen-old` };
}

/**
 * Writes a file atomically: into a hidden temporary file in the same folder, flushed, then
 * renamed over the target. A failure (a full disk, say) removes the temporary file.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const { fs, path, crypto } = await nodeModules();
  const full = path.resolve(target);
  const tmp = path.join(
    path.dirname(full),
    `.${path.basename(full)}.${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await fs.mkdir(path.dirname(full), { recursive: true });
    const fh = await fs.open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    crashPoint('atomic-write:written');
    await fs.rename(tmp, full);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e instanceof PacgenError
      ? e
      : new PacgenError(`${target}: cannot write: ${ioReason(e)}`, {
          code: (e as NodeJS.ErrnoException).code,
          cause: e,
        });
  }
}

/** Relative paths of the files under `dir` (folders end in '/'), at most MAX_LISTED_ENTRIES. */
export async function listFiles(dir: string): Promise<string[]> {
  const { fs, path } = await nodeModules();
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (out.length >= MAX_LISTED_ENTRIES) {
        throw new PacgenError(`${dir}: holds over ${MAX_LISTED_ENTRIES} entries`);
      }
      if (e.isDirectory()) {
        out.push(`${name}/`);
        await walk(name);
      } else out.push(name);
    }
  };
  await walk('');
  return out.sort();
}

/** Reads the ownership manifest of `dir`: the files pacgen wrote there, or null if none. */
export async function readManifest(dir: string): Promise<Set<string> | null> {
  const { path } = await nodeModules();
  let text: Uint8Array | null;
  try {
    text = await readFileBytesIfAny(path.join(dir, OUTPUT_MANIFEST), 'output manifest');
  } catch {
    return null;
  }
  if (text === null) return null;
  try {
    const doc = parseJson(text, dir, 'output manifest') as { format?: unknown; files?: unknown };
    if (doc?.format !== MANIFEST_FORMAT || !Array.isArray(doc.files)) return null;
    return new Set(doc.files.filter((f): f is string => typeof f === 'string'));
  } catch {
    return null;
  }
}

/** Writes the manifest of `dir` listing every file now under it. */
export async function writeManifest(dir: string, command: string): Promise<void> {
  const { path } = await nodeModules();
  const files = (await listFiles(dir)).filter((f) => f !== OUTPUT_MANIFEST);
  const doc = { format: MANIFEST_FORMAT, command, files };
  await writeFileAtomic(path.join(dir, OUTPUT_MANIFEST), `${JSON.stringify(doc, null, 1)}\n`);
}

/**
 * The entries under `dir` that pacgen did not write: not in its manifest, and (for folders
 * written before manifests existed) not matched by `known`, a test on the top-level name.
 * Temporary files of an interrupted pacgen write count as pacgen's.
 */
export async function foreignFiles(
  dir: string,
  known: (topLevelName: string) => boolean = () => false,
): Promise<string[]> {
  const manifest = await readManifest(dir);
  const files = await listFiles(dir);
  const own = (f: string): boolean => {
    if (f === OUTPUT_MANIFEST) return true;
    const name = f.replace(/\/$/, '');
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (TEMP_FILE.test(base)) return true;
    if (manifest) return manifest.has(f) || (f.endsWith('/') && manifestHasUnder(manifest, f));
    return known(name.split('/', 1)[0]);
  };
  return files.filter((f) => !own(f));
}

function manifestHasUnder(manifest: Set<string>, folder: string): boolean {
  for (const f of manifest) if (f.startsWith(folder)) return true;
  return false;
}

const crashCounts = new Map<string, number>();

/**
 * Test hook for the crash-safety tests: `PACGEN_CRASH_AT=name` (or `name@k`, the k-th time)
 * kills the process with SIGKILL when it reaches that point. Inert unless the variable is set.
 */
function crashPoint(name: string): void {
  const want = typeof process === 'undefined' ? undefined : process.env?.PACGEN_CRASH_AT;
  if (!want || !want.startsWith(name)) return;
  const count = (crashCounts.get(name) ?? 0) + 1;
  crashCounts.set(name, count);
  if (want === name || want === `${name}@${count}`) process.kill(process.pid, 'SIGKILL');
}

/**
 * Moves a completely written staged folder into place at `target`, replacing a previous output
 * (which must be pacgen's: check with `foreignFiles` first). Writes the manifest into the staged
 * folder first; its presence marks the folder complete, so `recoverReplace` can finish a commit
 * interrupted between the two renames.
 */
export async function replaceDir(staged: string, target: string, command: string): Promise<void> {
  const { fs } = await nodeModules();
  const { old } = replaceNames(target);
  await writeManifest(staged, command);
  crashPoint('commit:manifest');
  await fs.rm(old, { recursive: true, force: true });
  const hadTarget = await fs.stat(target).then(
    () => true,
    () => false,
  );
  if (hadTarget) await fs.rename(target, old);
  crashPoint('commit:moved-old');
  try {
    await fs.rename(staged, target);
  } catch (e) {
    if (hadTarget) await fs.rename(old, target).catch(() => undefined);
    throw e;
  }
  crashPoint('commit:moved-new');
  if (hadTarget) await fs.rm(old, { recursive: true, force: true });
}

/** What `recoverReplace` did. */
export interface RecoveryReport {
  /** 'finished': the interrupted commit's new output was moved in; 'restored': the previous
   *  output was put back; 'cleaned': only leftovers were removed; null: nothing to do. */
  action: 'finished' | 'restored' | 'cleaned' | null;
  /** Temporary folders and files removed. */
  removed: string[];
}

/**
 * Finishes or undoes a folder commit of `target` interrupted by a crash, and removes the
 * temporary folders and files that killed runs left beside it. Call it while holding the
 * output's lock (no other process may be writing `target`).
 */
export async function recoverReplace(target: string): Promise<RecoveryReport> {
  const { fs, path } = await nodeModules();
  const { stagedPrefix, old } = replaceNames(target);
  const exists = (p: string) =>
    fs.stat(p).then(
      () => true,
      () => false,
    );
  const parent = path.dirname(target);
  const prefix = path.basename(stagedPrefix);
  const siblings = await fs.readdir(parent).catch(() => [] as string[]);
  const staged = siblings.filter((s) => s.startsWith(prefix)).map((s) => path.join(parent, s));
  const report: RecoveryReport = { action: null, removed: [] };
  if (await exists(old)) {
    if (!(await exists(target))) {
      // Crashed between the two renames: move in the newest complete staged folder, or undo.
      const complete: { dir: string; mtime: number }[] = [];
      for (const dir of staged) {
        const m = await fs.stat(path.join(dir, OUTPUT_MANIFEST)).catch(() => null);
        if (m) complete.push({ dir, mtime: m.mtimeMs });
      }
      complete.sort((a, b) => b.mtime - a.mtime);
      if (complete.length > 0) {
        await fs.rename(complete[0].dir, target);
        report.action = 'finished';
      } else {
        await fs.rename(old, target);
        report.action = 'restored';
      }
    }
    if (await exists(old)) {
      await fs.rm(old, { recursive: true, force: true });
      report.removed.push(old);
    }
    report.action ??= 'cleaned';
  }
  for (const dir of staged) {
    if (!(await exists(dir))) continue;
    await fs.rm(dir, { recursive: true, force: true });
    report.removed.push(dir);
  }
  if (report.removed.length > 0) report.action ??= 'cleaned';
  return report;
}

/**
 * Removes the temporary files of `writeFileAtomic` left by a killed run in `dir` and its
 * subfolders (to `depth` levels). Call it while holding the folder's lock. Returns their paths.
 */
export async function removeStaleTempFiles(dir: string, depth = 3): Promise<string[]> {
  const { fs, path } = await nodeModules();
  const removed: string[] = [];
  const walk = async (d: string, level: number): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isFile() && TEMP_FILE.test(e.name)) {
        await fs.rm(p, { force: true });
        removed.push(p);
      } else if (e.isDirectory() && level < depth) await walk(p, level + 1);
    }
  };
  await walk(dir, 0);
  return removed;
}

/**
 * Removes the files `names` from `dir`, then `dir` itself if that left it empty. Never removes
 * anything else: a folder still holding other files is kept (returns false).
 */
export async function removeOwnFiles(dir: string, names: readonly string[]): Promise<boolean> {
  const { fs, path } = await nodeModules();
  for (const n of [...names, OUTPUT_MANIFEST]) await fs.rm(path.join(dir, n), { force: true });
  await removeStaleTempFiles(dir, 0);
  try {
    await fs.rmdir(dir);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    return false;
  }
}
