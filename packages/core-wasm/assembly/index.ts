// The module's exports. Memory is managed from JavaScript: `allocate` hands out 16-byte
// aligned blocks that live as long as the instance (one instance per network).

import { LANES, at, get, vsub } from './vector';
export { configure, setData, evaluate, hvp, infer } from './network';
export { gemm, lincomb } from './blas';
export { setState } from './context';
import { correctCount } from './network';
import { kinkCrossings } from './context';

/** Bytes per scalar in this build: 4 (f32) or 8 (f64). */
export const REAL_BYTES: i32 = sizeof<Real>();

/** A 16-byte aligned block, padded by one vector so kernels may over-read a row's tail. */
export function allocate(bytes: usize): usize {
  return heap.alloc(bytes + 16);
}

export function lastCorrect(): f64 {
  return correctCount;
}

/** Kink states that differed between the two points of the last hvp (assembly/kinks.ts). */
export function lastKinkCrossings(): f64 {
  return kinkCrossings;
}

/**
 * Index of the first NaN or ±Infinity among n scalars, or −1. By vectors (x − x is 0 for a finite
 * x, NaN otherwise), then the scalars of the vector that holds one: every gradient and HVP checks
 * the parameters, 2.4% of an MLP gradient's time scalar by scalar.
 */
export function firstNonFinite(ptr: usize, n: i32): i32 {
  let i = 0;
  for (; i + LANES <= n; i += LANES) {
    const v = v128.load(at(ptr, i));
    const d = vsub(v, v);
    if (sizeof<Real>() == 4 ? v128.any_true(f32x4.ne(d, d)) : v128.any_true(f64x2.ne(d, d))) break;
  }
  for (; i < n; i++) {
    if (!isFinite(get(ptr, i))) return i;
  }
  return -1;
}
export { fmaPeak } from './peak';
export { foldChunkF32, foldChunkF64, foldResultF32, foldResultF64 } from './chunk-sum';
export { configureCurvature, ggnDiagonal, hesscaleDiagonal } from './curvature';
export { configureGaussNewton, gaussNewtonVector } from './gauss-newton';
