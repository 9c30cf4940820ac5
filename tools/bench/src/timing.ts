// Warm-up, then timed iterations until a count or a time budget is reached; the median is
// what the tables report (robust to the odd GC pause or scheduler hiccup).

export interface TimingOptions {
  /** Untimed iterations first (JIT tiering, allocator and cache warm-up). */
  warmup: number;
  /** Timed iterations wanted. */
  iterations: number;
  /**
   * Stop timing after this many milliseconds once `minIterations` are done, and in any case
   * (after one iteration) before passing 3× this: a 20-second gradient is timed once.
   * Warm-up stops after a quarter of it.
   */
  budgetMs: number;
  minIterations: number;
  /**
   * 'cpu': this process's CPU time (process.cpuUsage) instead of wall time, for single-threaded
   * in-process rows on a machine shared with other work (time the process waits for a core is
   * not counted). Default 'wall'.
   */
  clock?: 'wall' | 'cpu';
}

export interface Timing {
  median_ms: number;
  iterations: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `fn` (sync or async) with the warm-up/iteration/budget rule of `opts`. */
/** Milliseconds of this process's CPU time (user + system, every thread). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function measure(
  fn: () => unknown | Promise<unknown>,
  opts: TimingOptions,
): Promise<Timing> {
  const clock = opts.clock === 'cpu' ? cpuMs : () => performance.now();
  const warmStart = performance.now();
  for (let i = 0; i < opts.warmup; i++) {
    await fn();
    if (performance.now() - warmStart > opts.budgetMs / 4) break;
  }
  const times: number[] = [];
  const start = performance.now();
  while (times.length < Math.max(1, opts.iterations)) {
    const t0 = clock();
    await fn();
    const t = clock() - t0;
    times.push(t);
    const spent = performance.now() - start;
    if (times.length >= opts.minIterations && spent > opts.budgetMs) break;
    if (spent + t > 3 * opts.budgetMs) break;
  }
  return { median_ms: median(times), iterations: times.length };
}
