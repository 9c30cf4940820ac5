// How one flag is declared: its type, default, --help line and the check of its value, with
// the flag's name filled in where it is used (`flags({ epochs: integer(…) })`), so a declaration
// never repeats the name. Sizes and counts have caps (CAPS) that no real run needs: a value above
// one is a usage error naming the cap, before anything is allocated.

import { closest, distance } from 'fastest-levenshtein';
import type { Options } from 'yargs';
import { UsageError } from './errors.js';

/** A flag without its name: `flags()` names it. */
export type Flag = (name: string) => Options;

/**
 * [choice] Upper bounds of sizes and counts: far above any run on one machine (MNIST has 60,000
 * training images, ImageNet 1.3 million), low enough that a typo such as `--epochs 1e12` is an
 * error at once rather than an allocation failure or a run of years. Listed in docs/cli.md.
 */
export const CAPS = {
  /** Samples of a data set or subset (training, test, curvature, search samples). */
  samples: 100_000_000,
  /** Epochs, passes over the data. */
  epochs: 1_000_000,
  /** Samples per step. */
  batch: 1_000_000,
  /** Random probes, displacements, draws, Monte Carlo passes. */
  probes: 1_000_000,
  /** Iterations of an eigenvalue method, Lanczos steps, eigenvalues. */
  iterations: 100_000,
  /** Optimizer steps (warm-up, steps between estimates). */
  steps: 1_000_000_000,
  /** Points per axis of a grid (landscape, toy, spectral density). */
  grid: 100_000,
  /** Entries of a list flag (seeds, batch sizes, learning rates of a grid). */
  list: 1_000,
} as const;

/** A coerce function for an integer flag in [min, max]; above a cap it says so. */
export function intArg(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: unknown): number => {
    const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof x === 'number' && Number.isFinite(x) && x > max && max < Number.MAX_SAFE_INTEGER) {
      throw new UsageError(
        `--${flag} must be at most ${max.toLocaleString('en-US')} (a cap no real run needs), got ${String(v)}`,
      );
    }
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      const range =
        max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
      throw new UsageError(`--${flag} must be ${range}, got ${String(v)}`);
    }
    return x;
  };
}

/** Numeric bounds of a flag (strict unless `…e`). */
export interface Bounds {
  gt?: number;
  ge?: number;
  lt?: number;
  le?: number;
}

/** A coerce function for a finite number flag with optional bounds. */
export function numArg(flag: string, bounds: Bounds = {}) {
  return (v: unknown): number => {
    const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    const fail = (what: string) => new UsageError(`--${flag} must be ${what}, got ${String(v)}`);
    if (typeof x !== 'number' || !Number.isFinite(x)) throw fail('a finite number');
    if (bounds.gt !== undefined && !(x > bounds.gt)) throw fail(`> ${bounds.gt}`);
    if (bounds.ge !== undefined && !(x >= bounds.ge)) throw fail(`≥ ${bounds.ge}`);
    if (bounds.lt !== undefined && !(x < bounds.lt)) throw fail(`< ${bounds.lt}`);
    if (bounds.le !== undefined && !(x <= bounds.le)) throw fail(`≤ ${bounds.le}`);
    return x;
  };
}

/** A coerce function for a comma-separated list of at most CAPS.list items, each checked by `item`. */
export function listArg<T>(flag: string, item: (s: string) => T) {
  return (v: unknown): T[] => {
    const parts = String(v)
      .split(',')
      .map((s) => s.trim());
    if (parts.length === 0 || parts.some((p) => p === '')) {
      throw new UsageError(`--${flag} must be a comma-separated list, got '${String(v)}'`);
    }
    if (parts.length > CAPS.list) {
      throw new UsageError(`--${flag} lists ${parts.length} values; the cap is ${CAPS.list}`);
    }
    const values = parts.map(item);
    if (new Set(parts).size !== parts.length) {
      throw new UsageError(`--${flag} repeats a value: ${String(v)}`);
    }
    return values;
  };
}

/** ` (did you mean 'x'?)` when `word` is a likely typo of one of `known`, else ''. */
export function didYouMean(word: string, known: readonly string[], prefix = ''): string {
  if (known.length === 0) return '';
  const best = closest(word, [...known]);
  // Two edits, or a third of the word for long ones: closer than any two real names.
  const near = distance(word, best) <= Math.max(2, Math.floor(word.length / 3));
  return near ? ` (did you mean '${prefix}${best}'?)` : '';
}

/**
 * The check of a value that must be one of `valid`: `--optimizer: 'adamm' is not one of sgd,
 * adam, … (did you mean 'adam'?)`, in full, instead of yargs' bare "Invalid values:".
 */
export function oneOf<T extends string | number>(flag: string, valid: readonly T[]) {
  return (v: unknown): T => {
    const hit = valid.find((c) => String(c) === String(v));
    if (hit !== undefined) return hit;
    const names = valid.map(String);
    throw new UsageError(
      `--${flag}: '${String(v)}' is not one of ${names.join(', ')}${didYouMean(String(v), names)}`,
    );
  };
}

/** An integer flag in [min, max] (max: a CAPS entry for sizes and counts). */
export function integer(describe: string, o: { default?: number; min: number; max: number }): Flag {
  return (name) => ({
    type: 'number',
    describe,
    ...(o.default === undefined ? {} : { default: o.default }),
    coerce: intArg(name, o.min, o.max),
  });
}

/** A finite number flag within `bounds`. */
export function num(describe: string, o: Bounds & { default?: number } = {}): Flag {
  const { default: def, ...bounds } = o;
  return (name) => ({
    type: 'number',
    describe,
    ...(def === undefined ? {} : { default: def }),
    coerce: numArg(name, bounds),
  });
}

/** A flag whose value is one of `choices` (listed in --help, checked with a full message). */
export function choice<T extends string | number>(
  describe: string,
  choices: readonly T[],
  def?: T,
): Flag {
  return (name) => ({
    choices: [...choices],
    describe,
    ...(def === undefined ? {} : { default: def }),
    coerce: oneOf(name, choices),
  });
}

/** A comma-separated list flag, each item checked by `item(name)`. */
export function list<T>(
  describe: string,
  item: (name: string) => (s: string) => T,
  def?: string,
): Flag {
  return (name) => ({
    type: 'string',
    describe,
    ...(def === undefined ? {} : { default: def }),
    coerce: listArg(name, item(name)),
  });
}

/** A list item that must be one of `valid`. */
export function itemOf<T extends string>(valid: readonly T[]) {
  return (name: string) => oneOf(name, valid) as (s: string) => T;
}

/** A string flag. */
export function str(describe: string, def?: string): Flag {
  return () => ({ type: 'string', describe, ...(def === undefined ? {} : { default: def }) });
}

/** A boolean flag (`--no-NAME` turns a default of true off). */
export function bool(describe: string, def = false): Flag {
  return () => ({ type: 'boolean', describe, default: def });
}

/** Names each flag by its key: the options record yargs takes. */
export function flags(record: Record<string, Flag>): Record<string, Options> {
  return Object.fromEntries(Object.entries(record).map(([name, f]) => [name, f(name)]));
}

/** `f` with another default (a command's own budget), the rest unchanged. */
export function withDefault(f: Flag, def: unknown): Flag {
  return (name) => ({ ...f(name), default: def });
}
