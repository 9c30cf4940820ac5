// Argument checks shared by the estimators: each throws a PacgenError with a one-line message
// naming the argument, so a bad call fails before any gradient is spent.

import { PacgenError } from '@pacgen/core-wasm';
import type { Objective } from '../objective.js';
import { firstNonFinite } from '../linalg/vector.js';

/** A copy of w after checking its length against the objective and that every entry is finite. */
export function checkPoint(obj: Objective, w: ArrayLike<number>): Float64Array {
  if (w == null || typeof w.length !== 'number') {
    throw new PacgenError('parameter vector w is missing');
  }
  if (w.length !== obj.numParams) {
    throw new PacgenError(
      `parameter vector w has length ${w.length}, the objective has ${obj.numParams} parameters`,
    );
  }
  const copy = Float64Array.from(w);
  const bad = firstNonFinite(copy);
  if (bad >= 0) {
    throw new PacgenError(`parameter vector w has a non-finite value ${copy[bad]} at index ${bad}`);
  }
  return copy;
}

/** An integer in [min, max]. */
export function checkInteger(name: string, value: number, min: number, max = Infinity): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new PacgenError(`${name} must be an integer ${range}, got ${value}`);
  }
  return value;
}

/** A finite number ≥ 0 (or > 0 with `strict`). */
export function checkNonNegative(name: string, value: number, strict = false): number {
  if (!Number.isFinite(value) || value < 0 || (strict && value === 0)) {
    throw new PacgenError(
      `${name} must be a finite number ${strict ? '> 0' : '≥ 0'}, got ${value}`,
    );
  }
  return value;
}

/** A seed for Random: any finite number (it is truncated to 32 bits). */
export function checkSeed(seed: number): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new PacgenError(`seed must be a finite number, got ${seed}`);
  }
  return seed;
}

/** An optional finite-difference step: absent, or finite and > 0. */
export function checkStep(step: number | undefined): number | undefined {
  if (step !== undefined) checkNonNegative('HVP step', step, true);
  return step;
}

/** Throws when a vector the objective returned has the wrong length or a non-finite entry. */
export function checkOutput(what: string, x: ArrayLike<number>, m: number): void {
  if (x.length !== m) {
    throw new PacgenError(`objective returned a ${what} of length ${x.length}, expected ${m}`);
  }
  const bad = firstNonFinite(x);
  if (bad >= 0) {
    throw new PacgenError(
      `objective returned a non-finite ${what}: entry ${bad} is ${x[bad]} (a NaN or overflow in the loss; check the data, the parameters and the step)`,
    );
  }
}
