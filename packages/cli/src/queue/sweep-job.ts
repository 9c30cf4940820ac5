// A sweep run as a queue job (issue 18): the payload (the sweep's defining flags, the run's name
// and grid point), its id (a hash of all of it, so a resubmitted sweep reuses finished jobs), and
// the check a worker makes before running anything: a known kind, every field of the right type,
// data and model files only inside the worker's allowed folders.

import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve } from 'node:path';
import { SWEEP_OPTIMIZERS, type SweepPoint } from '@pacgen/metrics/experiments';
import { SWEEP_JOB_KEYS, type SweepJobArgs } from '../sweep-setup.js';

/** The only job kind a worker runs. */
export const SWEEP_JOB_KIND = 'sweep-run';

export interface SweepJobPayload {
  kind: typeof SWEEP_JOB_KIND;
  version: 1;
  args: SweepJobArgs;
  name: string;
  point: SweepPoint;
}

/** The job's id: SHA-256 of its payload as canonical JSON (keys sorted), hex. Cost: O(size). */
export function sweepJobId(p: SweepJobPayload): string {
  const canon = (v: unknown): unknown =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(canon)
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canon(p)))
    .digest('hex');
}

const STRING_ARGS = new Set(['data', 'normalize', 'model', 'precision']);

/** A flag value that names a file rather than a preset or a data set. */
function isPath(v: string): boolean {
  return v.includes('/') || v.includes('\\') || v.startsWith('.');
}

/**
 * The payload of a job, checked: throws an Error naming the first problem (an unknown kind, a
 * missing or mistyped field, a data or model path outside `allowed`). Cost: O(size).
 */
export function parseSweepJob(data: unknown, allowed: readonly string[]): SweepJobPayload {
  const o = data as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object') throw new Error('job payload is not an object');
  if (o.kind !== SWEEP_JOB_KIND) throw new Error(`unknown job kind '${String(o.kind)}'`);
  if (o.version !== 1) throw new Error(`unknown job version '${String(o.version)}'`);
  if (typeof o.name !== 'string' || !/^[\w.-]{1,200}$/.test(o.name)) {
    throw new Error('job name must be 1–200 letters, digits, _ . -');
  }
  const args = o.args as Record<string, unknown> | null;
  if (args === null || typeof args !== 'object') throw new Error('job args missing');
  for (const k of SWEEP_JOB_KEYS) {
    const v = args[k];
    const ok = STRING_ARGS.has(k)
      ? typeof v === 'string' && v.length <= 4096
      : k === 'psi-every'
        ? v === 'log' || (typeof v === 'number' && Number.isInteger(v) && v >= 0)
        : typeof v === 'number' && Number.isFinite(v);
    if (!ok) throw new Error(`job args.${k} is missing or of the wrong type`);
  }
  const extra = Object.keys(args).filter((k) => !(SWEEP_JOB_KEYS as readonly string[]).includes(k));
  if (extra.length > 0) throw new Error(`job args has unknown fields: ${extra.join(', ')}`);
  for (const k of ['data', 'model'] as const) {
    const v = args[k] as string;
    const file =
      v.includes(':') && isPath(v.slice(v.indexOf(':') + 1)) ? v.slice(v.indexOf(':') + 1) : v;
    if (isPath(file) && !allowed.some((dir) => inside(resolve(file), resolve(dir)))) {
      throw new Error(`job args.${k} names a file outside the worker's allowed folders`);
    }
  }
  const pt = o.point as Record<string, unknown> | null;
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

function inside(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
