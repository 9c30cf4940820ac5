// A comparison run as a queue job (issue 18): the payload (the comparison's defining flags, the
// run's name, method and seed; its id is a hash of all of it), the worker's check of it before it
// runs anything, and the submitter's side (`pacgen compare --queue`): its jobs, whose results
// come back as the run's JSON (typed arrays and non-finite numbers encoded, so bit-exact).

import {
  COMPARE_METHODS,
  type CompareMethod,
  type ComparePoint,
  type CompareRun,
  type GridJob,
} from '@pacgen/metrics/experiments';
import { parseState, stringifyState } from '@pacgen/metrics/train';
import { COMPARE_JOB_KEYS, COMPARE_TEXT_KEYS, type CompareJobArgs } from '../compare-setup.js';
import type { QueueJobKind } from './grid-runner.js';
import { checkJobHead, type ArgType } from './job-payload.js';

/** The job kind of a comparison run. */
export const COMPARE_JOB_KIND = 'compare-run';

export interface CompareJobPayload {
  kind: typeof COMPARE_JOB_KIND;
  version: 1;
  args: CompareJobArgs;
  name: string;
  point: { method: CompareMethod; seed: number };
}

const ARG_TYPES: Record<string, ArgType> = Object.fromEntries(
  COMPARE_JOB_KEYS.map((k) => [
    k,
    (COMPARE_TEXT_KEYS as readonly string[]).includes(k)
      ? 'string'
      : k === 'psi-every'
        ? 'schedule'
        : 'number',
  ]),
);

/**
 * The payload of a comparison job, checked: throws an Error naming the first problem (an
 * unknown kind, a missing or mistyped field, a data path outside `allowed`). Cost: O(size).
 */
export function parseCompareJob(data: unknown, allowed: readonly string[]): CompareJobPayload {
  const head = checkJobHead(data, COMPARE_JOB_KIND, ARG_TYPES, allowed);
  if (head.args.inner !== 'adam' && head.args.inner !== 'sgd') {
    throw new Error("job args.inner must be 'adam' or 'sgd'");
  }
  const pt = (data as { point?: Record<string, unknown> | null }).point;
  if (
    pt === null ||
    typeof pt !== 'object' ||
    !(COMPARE_METHODS as readonly unknown[]).includes(pt.method) ||
    !(Number.isInteger(pt.seed) && (pt.seed as number) >= 0)
  ) {
    throw new Error('job point must hold a comparison method and a seed');
  }
  return data as CompareJobPayload;
}

/** A comparison run as the text a job returns. */
export function compareRunText(run: CompareRun): string {
  return stringifyState(run);
}

/** The run of `job` from the text a worker returned; throws when it is another run. */
function parseCompareRun(text: string, job: GridJob<ComparePoint>): CompareRun {
  const run = parseState(text) as Partial<CompareRun> | null;
  const { method } = job.point.variant;
  if (
    run === null ||
    typeof run !== 'object' ||
    run.method !== method ||
    run.seed !== job.point.seed ||
    typeof run.final !== 'object' ||
    typeof run.curves !== 'object'
  ) {
    throw new Error(`job ${job.name}: the worker returned another run or a damaged one`);
  }
  return run as CompareRun;
}

/** The jobs of `pacgen compare --queue` (give it to queueGridRunner with the comparison's flags). */
export const COMPARE_QUEUE_JOBS: QueueJobKind<ComparePoint, CompareRun, CompareJobArgs> = {
  kind: COMPARE_JOB_KIND,
  keys: COMPARE_JOB_KEYS,
  epochs: (args) => args.epochs,
  point: (job) => ({ method: job.point.variant.method, seed: job.point.seed }),
  parse: parseCompareRun,
};
