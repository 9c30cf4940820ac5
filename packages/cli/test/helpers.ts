// Drives the built binary as a user would: `node dist/main.js ARGS` in a folder of its own.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first eight bytes of every PNG file. */
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The built entry point (the test target depends on the build). */
export const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `pacgen ARGS` in `cwd` (with `extra.env` added to the environment, or another built
 * entry point `extra.bin`); resolves with the exit code and both streams.
 */
export function pacgen(
  args: string[],
  cwd: string,
  timeoutMs = 110_000,
  extra: { env?: Record<string, string>; bin?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [extra.bin ?? BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...extra.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** `pacgen ARGS` in `cwd`, synchronously (for tests that time or kill nothing). */
export function pacgenSync(args: string[], cwd: string, timeoutMs = 120_000): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary folder, removed by the returned cleanup. Fails fast without a build. */
export function tempDir(): { dir: string; cleanup: () => void } {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (npm run build): ${BIN} is missing`);
  const dir = mkdtempSync(join(tmpdir(), 'pacgen-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `pacgen train ARGS --out OUT` in `dir`, for a test's set-up: throws with the CLI's stderr if
 * it fails. Returns the model folder.
 */
export async function trainModel(dir: string, args: string[], out = 'model'): Promise<string> {
  const r = await pacgen(['train', ...args, '--out', out], dir);
  if (r.code !== 0) throw new Error(`set-up training failed:\n${r.stderr}`);
  return join(dir, out);
}

/** A copy of a model folder without its run.json: a model as it comes from elsewhere. */
export function copyModelOnly(from: string, to: string): void {
  mkdirSync(to);
  for (const f of ['model.json', 'group1-shard1of1.bin']) cpSync(join(from, f), join(to, f));
}

/**
 * Entries of a folder as a user sees them: pacgen's ownership manifest (.pacgen-output.json,
 * checked by output-safety.test.ts) is left out; any other hidden file, a temporary left
 * behind, is listed.
 */
export function entries(dir: string): string[] {
  return readdirSync(dir)
    .filter((e) => e !== '.pacgen-output.json')
    .sort();
}

/** The error line the CLI prints: `pacgen: <message>` first, then a hint, no stack. */
export function expectOneLineError(r: Run): string {
  const lines = r.stderr.trim().split('\n');
  const line = lines.find((l) => l.startsWith('pacgen: '));
  if (!line) throw new Error(`no 'pacgen:' line in stderr:\n${r.stderr}`);
  if (/\n\s+at /.test(r.stderr)) throw new Error(`stack trace in stderr:\n${r.stderr}`);
  return line;
}

/**
 * `base` with the flags that `extra` sets removed, then `extra` (flags in both lists are
 * `--name value` pairs): a test never repeats a flag.
 */
export function override(base: string[], extra: string[]): string[] {
  const set = new Set(extra.filter((a) => a.startsWith('--')));
  const out: string[] = [];
  for (let i = 0; i < base.length; i++) {
    if (set.has(base[i])) {
      if (i + 1 < base.length && !base[i + 1].startsWith('--')) i++;
      continue;
    }
    out.push(base[i]);
  }
  return [...out, ...extra];
}
