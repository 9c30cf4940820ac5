// Peak memory of the in-process engines' rows, measured honestly: the bench runs every engine
// in one Node process, whose resident size mixes them all and only ever grows, so each row is
// repeated in a child process of its own (memory-child.ts) that reports its peak resident set
// size. PyTorch's child (torch_bench.py) reports the same figure for its rows.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from './cases.js';

/** What a child process that ran one row reports about its memory. */
export interface PeakMemory {
  /** Peak resident set size of the child (getrusage's ru_maxrss), bytes. */
  peakBytes: number;
  /**
   * The child's resident size just before the case's data was made (Node with the bench's
   * modules loaded; Python with torch imported), bytes: peakBytes − startBytes is how far the
   * row raised it, a lower bound of the row's own memory (it can reuse pages that the runtime
   * had freed but not returned).
   */
  startBytes: number;
}

/** What the parent asks a memory child to run: one case on one engine of `engines()`. */
export interface MemoryRequest {
  bench: BenchCase;
  /** Index of the engine in `engines({ parallelThreads })` (names repeat across thread counts). */
  engine: number;
  parallelThreads: number;
  /** Steps after the engine's result (the agreement pass): enough to reach its steady state. */
  steps: number;
}

/** Steps each memory child runs after the result; allocations settle after the first one. */
export const MEMORY_STEPS = 3;

/** The legend of the report's peak-memory column. */
export const MEMORY_NOTE =
  'peak RSS: the peak resident set size (getrusage) of a child process that ran only that row — ' +
  `Node with the bench's modules loaded: the case's data, the engine's preparation, its result and ${MEMORY_STEPS} timed steps; ` +
  "PyTorch: the row's whole timed run (mlp-hvp's three PyTorch rows share one child); " +
  "in parentheses how far the row raised the child's resident size from just before the case's data was made " +
  '(a lower bound of what the row used: it can reuse pages the runtime had freed before)';

// From the sources (vitest, tsx) the child is the .ts file, loaded through tsx from the
// package's root, where tsx is installed; from dist, the built .js next to this module.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD = fileURLToPath(
  new URL(FROM_SOURCE ? './memory-child.ts' : './memory-child.js', import.meta.url),
);

/**
 * Runs one case on one engine in a fresh Node process and returns its peak memory. Cost: a Node
 * start with the bench's modules, the engine's preparation, its result and `steps` steps.
 */
export function peakMemory(request: MemoryRequest): Promise<PeakMemory> {
  const args = FROM_SOURCE ? ['--conditions=@pacgen/source', '--import', 'tsx', CHILD] : [CHILD];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, JSON.stringify(request)], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`memory child exited with code ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out) as PeakMemory);
    });
  });
}

/** Current resident set size of this process, bytes (not the peak). */
export function residentBytes(): number {
  return process.memoryUsage.rss();
}

/** Peak resident set size of this process so far, bytes (Node reports ru_maxrss in KiB). */
export function peakResidentBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Bytes as MiB with one decimal, e.g. '412.3'. */
export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
