// One grid runner for the experiments that train a list of runs (sweeps, comparisons): each job
// is looked up in a result store (finished earlier: skipped), else handed to a Runner (in this
// process, or elsewhere such as a job queue) and its result stored; results come back in grid
// order. Browser-safe.

/** One run of a grid: its name (unique in the grid) and its grid point. */
export interface GridJob<P> {
  name: string;
  point: P;
}

/** Runs one job of a grid; null when stopped before it finished (by the grid's signal). */
export interface GridRunner<P, R> {
  /**
   * Called once, before the first run, with the jobs that have no stored result, in grid order:
   * a runner that runs jobs elsewhere (a job queue) submits them all here, so that they run in
   * parallel while `run` waits for each in turn.
   */
  prepare?(pending: readonly GridJob<P>[]): Promise<void>;
  run(job: GridJob<P>, index: number): Promise<R | null>;
}

/** Where finished runs are kept, so that a rerun skips them (absent: nothing is kept). */
export interface GridResultStore<P, R> {
  /** The job's result stored earlier, or null. */
  read(job: GridJob<P>): Promise<R | null>;
  /** Stores a finished job's result (atomically), and tidies what the run left (checkpoints). */
  write(job: GridJob<P>, result: R): Promise<void>;
}

/** What the grid reports before and after each job. */
export interface GridEvent<P, R> {
  index: number;
  total: number;
  name: string;
  point: P;
  status: 'start' | 'done' | 'skipped';
  result?: R;
}

export interface GridOptions<P, R> {
  store?: GridResultStore<P, R>;
  /** Stops before the next job (a job in progress is the runner's to stop). */
  signal?: AbortSignal;
  onRun?: (e: GridEvent<P, R>) => void | Promise<void>;
}

/** The grid's results in grid order (without the jobs not run), and what happened to each. */
export interface GridOutcome<R> {
  results: R[];
  skipped: string[];
  trained: string[];
  /** False when the signal, or a runner returning null, stopped the grid. */
  complete: boolean;
}

/**
 * Runs `jobs` in order: the store is read for every job first (the runner's `prepare` gets those
 * without a result); a job with a stored result is skipped (reported 'skipped'); otherwise,
 * unless `signal` is aborted, it is reported 'start', run, stored and reported 'done'. The first
 * aborted signal or null result ends the grid (complete false). Cost: the runner's per job.
 */
export async function runGrid<P, R>(
  jobs: readonly GridJob<P>[],
  runner: GridRunner<P, R>,
  options: GridOptions<P, R> = {},
): Promise<GridOutcome<R>> {
  const outcome: GridOutcome<R> = { results: [], skipped: [], trained: [], complete: true };
  const stored: (R | null)[] = [];
  for (const job of jobs) stored.push((await options.store?.read(job)) ?? null);
  if (runner.prepare && !options.signal?.aborted) {
    await runner.prepare(jobs.filter((_, i) => stored[i] === null));
  }
  for (const [index, job] of jobs.entries()) {
    const event = { index, total: jobs.length, name: job.name, point: job.point };
    const found = stored[index];
    if (found !== null) {
      outcome.results.push(found);
      outcome.skipped.push(job.name);
      await options.onRun?.({ ...event, status: 'skipped', result: found });
      continue;
    }
    if (options.signal?.aborted) {
      outcome.complete = false;
      break;
    }
    await options.onRun?.({ ...event, status: 'start' });
    const result = await runner.run(job, index);
    if (result === null) {
      outcome.complete = false;
      break;
    }
    await options.store?.write(job, result);
    outcome.results.push(result);
    outcome.trained.push(job.name);
    await options.onRun?.({ ...event, status: 'done', result });
  }
  return outcome;
}
