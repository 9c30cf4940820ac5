// Argument checks of the optimizers: one-line PacgenErrors naming the argument.

import { PacgenError } from '@pacgen/core-wasm';
import type { ScalarOrSchedule, Schedule } from './types.js';

/** A finite number in [min, max] (bounds inclusive unless `open`). */
export function checkRange(
  name: string,
  value: number,
  min: number,
  max = Infinity,
  open: { min?: boolean; max?: boolean } = {},
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (open.min ? value > min : value >= min) &&
    (open.max ? value < max : value <= max);
  if (!ok) {
    const lo = `${open.min ? '(' : '['}${min}`;
    const hi = `${max}${open.max ? ')' : ']'}`;
    throw new PacgenError(`${name} must be a finite number in ${lo}, ${hi}, got ${value}`);
  }
  return value;
}

/** A positive integer (≥ min). */
export function checkInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new PacgenError(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}

/** A number becomes a constant schedule; a function is used as given. */
export function toSchedule(name: string, value: ScalarOrSchedule): Schedule {
  if (typeof value === 'function') return value;
  checkRange(name, value, 0);
  return () => value;
}

/** The value of a schedule at a step, checked to be finite. */
export function at(name: string, schedule: Schedule, count: number): number {
  const v = schedule(count);
  if (!Number.isFinite(v)) {
    throw new PacgenError(`${name} schedule returned ${v} at step ${count}`);
  }
  return v;
}

/** Throws unless `x` has length m. */
export function checkLength(what: string, x: ArrayLike<number> | undefined, m: number): void {
  if (x === undefined) throw new PacgenError(`${what} is required`);
  if (x.length !== m) throw new PacgenError(`${what} has length ${x.length}, expected ${m}`);
}
