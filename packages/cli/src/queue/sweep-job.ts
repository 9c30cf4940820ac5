// A sweep run as a queue job (issue 18): the payload (the sweep's defining flags, the run's name
// and grid point; its id is a hash of all of it, so a resubmitted sweep reuses finished jobs),
// and the check a worker makes before running anything (job-payload.ts, and the grid point).

import { SWEEP_OPTIMIZERS, type SweepPoint } from '@pacgen/metrics/experiments';
import { SWEEP_JOB_KEYS, type SweepJobArgs } from '../sweep-setup.js';
import { checkJobHead, type ArgType } from './job-payload.js';

/** The job kind of a sweep run. */
export const SWEEP_JOB_KIND = 'sweep-run';

export interface SweepJobPayload {
  kind: typeof SWEEP_JOB_KIND;
  version: 1;
  args: SweepJobArgs;
  name: string;
  point: SweepPoint;
}

const STRING_ARGS = new Set(['data', 'normalize', 'model', 'precision']);
const ARG_TYPES: Record<string, ArgType> = Object.fromEntries(
  SWEEP_JOB_KEYS.map((k) => [
    k,
    STRING_ARGS.has(k) ? 'string' : k === 'psi-every' ? 'schedule' : 'number',
  ]),
);

/**
 * The payload of a sweep job, checked: throws an Error naming the first problem (an unknown
 * kind, a missing or mistyped field, a data or model path outside `allowed`). Cost: O(size).
 */
export function parseSweepJob(data: unknown, allowed: readonly string[]): SweepJobPayload {
  checkJobHead(data, SWEEP_JOB_KIND, ARG_TYPES, allowed);
  const pt = (data as { point?: Record<string, unknown> | null }).point;
  if (
    pt === null ||
    typeof pt !== 'object' ||
    !(SWEEP_OPTIMIZERS as readonly unknown[]).includes(pt.optimizer) ||
    !(Number.isInteger(pt.batchSize) && (pt.batchSize as number) >= 1) ||
    !(typeof pt.learningRate === 'number' && pt.learningRate > 0) ||
    !(Number.isInteger(pt.seed) && (pt.seed as number) >= 0)
  ) {
    throw new Error('job point must hold optimizer, batchSize, learningRate and seed');
  }
  return data as SweepJobPayload;
}
