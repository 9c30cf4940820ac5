// Argument checks shared by the PACGen functions: every failure is a PacgenError with a
// one-line message naming the offending argument.

import { PacgenError } from '@pacgen/core-wasm';
import type { ParameterTensor } from '../objective.js';

/** Throws unless `x` is a finite number > 0. */
export function requirePositive(name: string, x: number): void {
  if (!(typeof x === 'number' && Number.isFinite(x) && x > 0)) {
    throw new PacgenError(`${name} must be a finite number > 0, got ${x}`);
  }
}

/** Throws unless `x` is a finite number ≥ 0. */
export function requireNonNegative(name: string, x: number): void {
  if (!(typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
    throw new PacgenError(`${name} must be a finite number >= 0, got ${x}`);
  }
}

/** Throws unless `x` is a finite number. */
export function requireFinite(name: string, x: number): void {
  if (!(typeof x === 'number' && Number.isFinite(x))) {
    throw new PacgenError(`${name} must be a finite number, got ${x}`);
  }
}

/** Throws unless δ ∈ (0, 1). */
export function requireConfidence(delta: number): void {
  if (!(typeof delta === 'number' && delta > 0 && delta < 1)) {
    throw new PacgenError(`delta must be in (0, 1), got ${delta}`);
  }
}

/** Throws unless n is an integer ≥ 2 (the bound divides by n − 1). */
export function requireSampleCount(n: number): void {
  if (!(Number.isInteger(n) && n >= 2)) {
    throw new PacgenError(`n (number of training samples) must be an integer >= 2, got ${n}`);
  }
}

/** Throws unless `values` is non-empty, has length `m` (when given) and only finite entries. */
export function requireFiniteVector(name: string, values: ArrayLike<number>, m?: number): void {
  if (values === null || values === undefined || typeof values.length !== 'number') {
    throw new PacgenError(`${name} must be an array of numbers`);
  }
  if (values.length === 0) throw new PacgenError(`${name} is empty`);
  if (m !== undefined && values.length !== m) {
    throw new PacgenError(`${name} has length ${values.length}, expected ${m} (the length of w)`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new PacgenError(`${name}[${i}] is not finite (${values[i]})`);
    }
  }
}

/** Throws unless every tensor is a block [offset, offset + size) inside a vector of length m. */
export function requireTensors(tensors: readonly ParameterTensor[], m: number): void {
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
