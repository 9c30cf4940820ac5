// Kink crossings of a finite-difference HVP (docs/method.md §5): the state of every piecewise-
// linear unit (ReLU / leaky-ReLU side, max-pool argmax) is recorded in the pass at w + t·v and
// compared in the pass at w − t·v over the same chunk; a unit whose state differs has a kink
// between the two points, where the gradient jumps and the difference is not the Hessian.

import { get } from './vector';

export const KINKS_OFF = 0;
export const KINKS_RECORD = 1;
export const KINKS_COMPARE = 2;

/**
 * Sides (x > 0, the test the ReLU derivative uses) of n pre-activations, packed 32 a word at
 * `state`: written (record) or compared with what is there (compare). Returns the changes.
 */
export function signStates(x: usize, n: i32, state: usize, mode: i32): i32 {
  let changed = 0;
  for (let lo = 0; lo < n; lo += 32) {
    const hi = min(n, lo + 32);
    let bits: u32 = 0;
    for (let i = lo; i < hi; i++) bits |= <u32>(get(x, i) > 0) << <u32>(i - lo);
    const p = state + (<usize>(lo >> 5) << 2);
    if (mode == KINKS_RECORD) store<u32>(p, bits);
    else changed += <i32>popcnt(bits ^ load<u32>(p));
  }
  return changed;
}

/** The winning inputs (i32) of n max-pool outputs: copied (record) or compared. Returns the changes. */
export function argmaxStates(argmax: usize, n: i32, state: usize, mode: i32): i32 {
  if (mode == KINKS_RECORD) {
    memory.copy(state, argmax, <usize>n << 2);
    return 0;
  }
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    if (load<i32>(argmax + o) != load<i32>(state + o)) changed++;
  }
  return changed;
}
