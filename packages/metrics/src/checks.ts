// Argument checks of the library's public functions: each throws a PacgenError with a one-line
// message naming the argument, so a bad call fails before any gradient is spent; a scalar check
// returns the value it checked. The PACGen bound's checks (checkConfidence, checkSampleCount,
// rho) write ">=" where the estimators write "≥": callers and tests match on both spellings.

import { PacgenError } from '@pacgen/core-wasm';
import type { Objective, ParameterTensor } from './objective/objective.js';
import { NON_FINITE } from './error-codes.js';
import { firstNonFinite } from './linalg/vector.js';

/** A finite number (any sign). */
export function checkFinite(name: string, value: number): number {
  if (!(typeof value === 'number' && Number.isFinite(value))) {
    throw new PacgenError(`${name} must be a finite number, got ${value}`);
  }
  return value;
}

/** One of a fixed set of names (an option such as a schedule or a start). */
export function checkChoice<T extends string>(name: string, value: T, choices: readonly T[]): T {
  if (!choices.includes(value)) {
    throw new PacgenError(`${name} must be one of ${choices.join(', ')}`);
  }
  return value;
}

/** A finite number > 0. */
export function checkPositive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new PacgenError(`${name} must be a finite number > 0, got ${value}`);
  }
  return value;
}

/** A finite number ≥ 0; `ge` is how the message writes ≥. */
export function checkNonNegative(name: string, value: number, ge: '≥' | '>=' = '≥'): number {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new PacgenError(`${name} must be a finite number ${ge} 0, got ${value}`);
  }
  return value;
}

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

/** An integer in [min, max]. */
export function checkInteger(name: string, value: number, min: number, max = Infinity): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new PacgenError(`${name} must be an integer ${range}, got ${value}`);
  }
  return value;
}

/** An optional finite-difference step: absent, or finite and > 0. */
export function checkStep(step: number | undefined): number | undefined {
  if (step !== undefined) checkPositive('HVP step', step);
  return step;
}

/** The confidence parameter δ of a bound, in (0, 1). */
export function checkConfidence(delta: number): number {
  if (!(typeof delta === 'number' && delta > 0 && delta < 1)) {
    throw new PacgenError(`delta must be in (0, 1), got ${delta}`);
  }
  return delta;
}

/** The n of a bound: an integer ≥ 2 (the bound divides by n − 1). */
export function checkSampleCount(n: number): number {
  if (!(Number.isInteger(n) && n >= 2)) {
    throw new PacgenError(`n (number of training samples) must be an integer >= 2, got ${n}`);
  }
  return n;
}

/** A copy of w after checking its length against the objective and that every entry is finite. */
export function checkPoint(obj: Pick<Objective, 'numParams'>, w: ArrayLike<number>): Float64Array {
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

/** A non-empty vector of finite numbers, of length `m` when given (the length of w). */
export function checkFiniteVector(name: string, values: ArrayLike<number>, m?: number): void {
  if (values === null || values === undefined || typeof values.length !== 'number') {
    throw new PacgenError(`${name} must be an array of numbers`);
  }
  if (values.length === 0) throw new PacgenError(`${name} is empty`);
  if (m !== undefined && values.length !== m) {
    throw new PacgenError(`${name} has length ${values.length}, expected ${m} (the length of w)`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new PacgenError(`${name}[${i}] is not finite (${values[i]})`, { code: NON_FINITE });
    }
  }
}

/** A vector `x` of length m (an optimizer's parameters, gradient or state). */
export function checkLength(what: string, x: ArrayLike<number> | undefined, m: number): void {
  if (x === undefined) throw new PacgenError(`${what} is required`);
  if (x.length !== m) throw new PacgenError(`${what} has length ${x.length}, expected ${m}`);
}

/** Every tensor is a block [offset, offset + size) inside a parameter vector of length m. */
export function checkTensors(tensors: readonly ParameterTensor[], m: number): void {
  for (const t of tensors) {
    const ok =
      Number.isInteger(t.offset) &&
      Number.isInteger(t.size) &&
      t.offset >= 0 &&
      t.size >= 0 &&
      t.offset + t.size <= m;
    if (!ok) {
      throw new PacgenError(
        `tensor '${t.name}' (offset ${t.offset}, size ${t.size}) does not fit a parameter vector of length ${m}`,
      );
    }
  }
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
