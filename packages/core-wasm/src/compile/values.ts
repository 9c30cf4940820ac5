// Checks on the values of an untrusted spec, and the shape arithmetic every compile step uses.

import { describeValue } from '../describe.js';
import { PacgenError } from '../errors.js';

/** Number of elements of a shape. */
export const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Own keys only: a name like 'toString' or '__proto__' must not find Object.prototype's. */
export const hasOwn = (o: object, k: unknown): boolean =>
  typeof k === 'string' && Object.prototype.hasOwnProperty.call(o, k);

/** A size given as one number for both dimensions, or as [rows, columns]. */
export const pair = (v: number | [number, number]): [number, number] =>
  Array.isArray(v) ? [v[0], v[1]] : [v, v];

/** `v` when it is a positive integer; else throws a PacgenError naming `what`. */
export function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new PacgenError(`${what} must be a positive integer, got ${describeValue(v)}`);
  }
  return v;
}
