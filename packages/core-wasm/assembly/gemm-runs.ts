// The implicit GEMM of a convolution (conv-layer.ts): the GEMM's register tiles (gemm.ts) with A
// read straight from the convolution's input instead of from im2col columns. A pixel's window
// is `runs` kernel rows of `run` contiguous scalars (KW·C: all channels), `jump` scalars apart
// (a row of the image), and adjacent pixels of an output row are `ars` scalars apart (sw·C), so
// an MR-pixel tile walks its window with constant offsets. It pays where building the columns
// costs as much as multiplying them: short kernel rows, such as a 5 × 5 kernel on one channel
// (conv1 of the PyTorch MNIST network: 2.15 ms against 3.64 ms for im2col + GEMM at batch 256,
// docs/engine.md "Kernel tuning").

import { LANES, SHIFT, vfma, vzero } from './vector';
import { KC, MR, NC, NR, bcast, packed, storeLanes } from './gemm';

/** Whether gemmRuns takes a product of depth K into N columns (one k-panel, one packed panel). */
export function runsFit(K: i32, N: i32): bool {
  return K <= KC && N <= NC;
}

/**
 * Packs B (K × N, row stride ldb; runsFit(K, N)) whole into the GEMM's panel as strips of NR
 * vectors for gemmRuns; vectors wholly past N are zeros, a partial one reads at most LANES − 1
 * scalars past its row (allocations are padded).
 */
export function packRuns(B: usize, ldb: i32, K: i32, N: i32): void {
  const W = NR * LANES;
  const rowB = <usize>ldb << SHIFT;
  let dst = packed;
  for (let j = 0; j < N; j += W) {
    let src = B + (<usize>j << SHIFT);
    const has1 = j + LANES < N, has2 = j + 2 * LANES < N;
    for (let k = 0; k < K; k++) {
      v128.store(dst, v128.load(src));
      let v1 = vzero(), v2 = vzero();
      if (has1) v1 = v128.load(src, 16);
      v128.store(dst, v1, 16);
      if (NR == 3) {
        if (has2) v2 = v128.load(src, 32);
        v128.store(dst, v2, 32);
      }
      dst += NR * 16;
      src += rowB;
    }
  }
}

/**
 * C (M × N, row stride ldc) = A·B for M pixels of one output row, B packed by packRuns: A(i, k)
 * at A + i·ars + (k / run)·jump + k % run scalars, K = runs·run. Cost: M·N·K multiply-adds, no
 * copy of A.
 */
export function gemmRuns(
  M: i32, N: i32, runs: i32, run: i32, jump: i32, A: usize, ars: i32, C: usize, ldc: i32,
): void {
  const W = NR * LANES;
  const K = runs * run;
  const rowA = <usize>ars << SHIFT;
  const rowC = <usize>ldc << SHIFT;
  const skip = <usize>(jump - run) << SHIFT;
  const full = M - M % MR;
  for (let j = 0; j < N; j += W) {
    const n = min(W, N - j);
    const pb = packed + (<usize>(j * K) << SHIFT);
    const pc = C + (<usize>j << SHIFT);
    for (let i = 0; i < full; i += MR) {
      tileRuns(runs, run, skip, A + <usize>i * rowA, rowA, pb, pc + <usize>i * rowC, rowC, n);
    }
    const pa = A + <usize>full * rowA, pcl = pc + <usize>full * rowC;
    const left = M - full;
    if (left == 3) tileRuns(runs, run, skip, pa, rowA, pb, pcl, rowC, n, 3);
    else if (left == 2) tileRuns(runs, run, skip, pa, rowA, pb, pcl, rowC, n, 2);
    else if (left == 1) tileRuns(runs, run, skip, pa, rowA, pb, pcl, rowC, n, 1);
  }
}

/**
 * `rows` (≤ MR) pixels × one strip of NR vectors, `n` of its columns stored: the GEMM's tile (3 × 3
 * with fused multiply-adds, 4 × 2 in the plain build) over a window of runs.
 */
@inline function tileRuns(
  runs: i32, run: i32, skip: usize, pa: usize, rowA: usize, pb: usize, pc: usize, rowC: usize,
  n: i32, rows: i32 = MR,
): void {
  const S = sizeof<Real>();
  let c00 = vzero(), c01 = vzero(), c02 = vzero();
  let c10 = vzero(), c11 = vzero(), c12 = vzero();
  let c20 = vzero(), c21 = vzero(), c22 = vzero();
  let c30 = vzero(), c31 = vzero();
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < run; k++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      if (NR == 3) {
        const b2 = v128.load(pb, 32);
        let a = bcast(pa);
        c00 = vfma(c00, a, b0); c01 = vfma(c01, a, b1); c02 = vfma(c02, a, b2);
        if (rows >= 2) {
          a = bcast(pa + rowA);
          c10 = vfma(c10, a, b0); c11 = vfma(c11, a, b1); c12 = vfma(c12, a, b2);
        }
        if (rows >= 3) {
          a = bcast(pa + 2 * rowA);
          c20 = vfma(c20, a, b0); c21 = vfma(c21, a, b1); c22 = vfma(c22, a, b2);
        }
      } else {
        let a = bcast(pa);
        c00 = vfma(c00, a, b0); c01 = vfma(c01, a, b1);
        if (rows >= 2) {
          a = bcast(pa + rowA);
          c10 = vfma(c10, a, b0); c11 = vfma(c11, a, b1);
        }
        if (rows >= 3) {
          a = bcast(pa + 2 * rowA);
          c20 = vfma(c20, a, b0); c21 = vfma(c21, a, b1);
        }
        if (rows >= 4) {
          a = bcast(pa + 3 * rowA);
          c30 = vfma(c30, a, b0); c31 = vfma(c31, a, b1);
        }
      }
      pa += S;
      pb += NR * 16;
    }
    pa += skip;
  }
  storeCols(pc, c00, c01, c02, n);
  if (rows >= 2) storeCols(pc + rowC, c10, c11, c12, n);
  if (rows >= 3) storeCols(pc + 2 * rowC, c20, c21, c22, n);
  if (rows >= 4) storeCols(pc + 3 * rowC, c30, c31, vzero(), n);
}

/** The first n columns of a row's NR vectors at p. */
@inline function storeCols(p: usize, c0: v128, c1: v128, c2: v128, n: i32): void {
  storeLanes(p, c0, min(n, LANES), false);
  if (n > LANES) storeLanes(p + 16, c1, min(n - LANES, LANES), false);
  if (NR == 3 && n > 2 * LANES) storeLanes(p + 32, c2, n - 2 * LANES, false);
}
