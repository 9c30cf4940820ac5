// Ctrl-C handling: cleanups registered here (temporary output folders) run before the process
// exits on SIGINT/SIGTERM. The engine's WebAssembly work is synchronous, so long loops call
// `breathe()` to let a pending signal through.

import { setImmediate as nextTurn } from 'node:timers/promises';

const cleanups = new Set<() => void>();
let hooked = false;

/** Registers a synchronous cleanup for an interruption; returns its removal. */
export function onInterrupt(cleanup: () => void): () => void {
  hook();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function runCleanups(): void {
  for (const c of cleanups) {
    try {
      c();
    } catch {
      // Best effort: the process is exiting.
    }
  }
  cleanups.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(sig, () => {
      runCleanups();
      process.stderr.write(`\npacgen: interrupted (${sig}); unfinished output was removed\n`);
      process.exit(code);
    });
  }
  process.once('exit', runCleanups);
}

let last = Date.now();

/**
 * Yields to the event loop at most every `ms` milliseconds (default 100), so signals and
 * progress redraws are handled during long synchronous computations. Cheap to call often.
 */
export async function breathe(ms = 100): Promise<void> {
  const now = Date.now();
  if (now - last < ms) return;
  last = now;
  await nextTurn();
}
