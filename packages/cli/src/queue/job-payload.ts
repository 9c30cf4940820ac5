// What a worker checks of every job payload before it runs anything (issue 18): a known kind and
// version, a run name, flag values of the declared types and no others, and data or model files
// only inside the worker's allowed folders. A malformed payload is an Error naming the problem.

import { isAbsolute, relative, resolve } from 'node:path';

/** The type a job's flag must have: text, a finite number, or Ψ's schedule (k ≥ 0 or 'log'). */
export type ArgType = 'string' | 'number' | 'schedule';

/** The common head of every job's payload. */
export interface JobHead {
  kind: string;
  version: 1;
  name: string;
  args: Record<string, unknown>;
}

/**
 * The payload's head (kind `kind`, version 1, a name, and `args` holding exactly the flags of
 * `types`, of those types, at most 4096 characters of text each), checked; files named by the
 * 'data' and 'model' flags must lie inside `allowed`. Throws an Error naming the first problem.
 * Cost: O(size).
 */
export function checkJobHead(
  data: unknown,
  kind: string,
  types: Readonly<Record<string, ArgType>>,
  allowed: readonly string[],
): JobHead {
  const o = data as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object') throw new Error('job payload is not an object');
  if (o.kind !== kind) throw new Error(`unknown job kind '${String(o.kind)}'`);
  if (o.version !== 1) throw new Error(`unknown job version '${String(o.version)}'`);
  if (typeof o.name !== 'string' || !/^[\w.-]{1,200}$/.test(o.name)) {
    throw new Error('job name must be 1–200 letters, digits, _ . -');
  }
  const args = o.args as Record<string, unknown> | null;
  if (args === null || typeof args !== 'object') throw new Error('job args missing');
  for (const [k, type] of Object.entries(types)) {
    const v = args[k];
    const ok =
      type === 'string'
        ? typeof v === 'string' && v.length <= 4096
        : type === 'schedule'
          ? v === 'log' || (typeof v === 'number' && Number.isInteger(v) && v >= 0)
          : typeof v === 'number' && Number.isFinite(v);
    if (!ok) throw new Error(`job args.${k} is missing or of the wrong type`);
  }
  const extra = Object.keys(args).filter((k) => !(k in types));
  if (extra.length > 0) throw new Error(`job args has unknown fields: ${extra.join(', ')}`);
  for (const k of ['data', 'model'] as const) {
    if (types[k] !== 'string') continue;
    const v = args[k] as string;
    const colon = v.indexOf(':');
    const file = colon >= 0 && isPath(v.slice(colon + 1)) ? v.slice(colon + 1) : v;
    if (isPath(file) && !allowed.some((dir) => inside(resolve(file), resolve(dir)))) {
      throw new Error(`job args.${k} names a file outside the worker's allowed folders`);
    }
  }
  return o as unknown as JobHead;
}

/** A flag value that names a file rather than a preset or a data set. */
function isPath(v: string): boolean {
  return v.includes('/') || v.includes('\\') || v.startsWith('.');
}

function inside(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The values of `keys` in the parsed flags `argv`: a job's args. */
export function pickJobArgs<T>(argv: T, keys: readonly (keyof T)[]): T {
  return Object.fromEntries(keys.map((k) => [k, argv[k]])) as T;
}
