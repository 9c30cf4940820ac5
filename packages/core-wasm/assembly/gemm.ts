// The one matrix-multiply kernel behind every layer: forward (X·W), weight gradients (Xᵀ·dY, via
// strides on A) and input gradients (dY·Wᵀ, via an explicit transpose of the small weight
// matrix). Goto-style: k-panels of KC; B's panel is packed into column strips of NR vectors
// (contiguous, so a strip stays in L1 whatever B's row stride); A is read in place, in blocks of
// MC rows (one block stays in L2 while every strip passes over it); an MR × NR-vector register
// tile: 3 × 3 in the fma build, 4 × 2 in the plain one.
//
// Why (measured on x64 V8, docs/engine.md "Kernel tuning"): V8 emits every load of a loop
// iteration before its multiply-adds, so a tile of R rows and V vectors holds R + V loaded values
// beside its R·V accumulators, and x64 has 15 vector registers for them: 4 × 2 (14) and 3 × 3 (15)
// fit; 5 × 2, 6 × 2 and 4 × 3 (17–20) spill and ran at half speed, and so did a 4 × 2 tile
// unrolled 4× in k. With fused multiply-adds 3 × 3 does 9 per 6 loads where 4 × 2 does 8, and
// ran 21% faster on L1-resident data; the plain build needs a register more for each multiply's
// product, so 3 × 3 spills there (a third slower) and it keeps 4 × 2. Packing A's block into
// tiles as well (Goto's other half) made no tile faster and cost its copy: reading A in place
// was 1.5–12% faster on every measured shape (2026-12-04).
//
// Columns left over at the right (fewer than a strip): one more packed strip whose last vector is
// partial where more than NR − 1 vectors remain, else 4 × 2 or 6 × 1 tiles with B in place. The
// partial vectors are computed whole (lanes past N read the padding or the next row, never
// written) and only their valid lanes stored.

import { LANES, SHIFT, at, vadd, vfma, vzero } from './vector';
import { fill } from './blas';

/** Depth of the k-panels. */
export const KC: i32 = 256;
/** Rows of A per block: 96 rows × KC scalars = 96 KiB of f32 (L2). */
const MC: i32 = 96;
/** Columns of B packed at once (a multiple of every build's strip width: 12, 8, 6 and 4). */
export const NC: i32 = 504;
/** Rows of the register tile. */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 4;
/** Vectors per strip of B (the register tile's width). */
export const NR: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 2;

// Static, not allocated on first use: growing the memory inside a call would detach the
// typed-array views JavaScript holds across it.
/** The packed B panel (KC × NC scalars). */
export const packed: usize = memory.data(KC * NC * sizeof<Real>(), 16);

/** A(i, k) broadcast to every lane (one load-and-splat instruction). */
@inline export function bcast(p: usize): v128 {
  if (sizeof<Real>() == 4) return v128.load32_splat(p);
  return v128.load64_splat(p);
}

/**
 * C (M×N, row stride ldc) = [C +] A·B, where A(i,k) is at A + (i*ars + k*acs) scalars and
 * B is K×N row-major with row stride ldb. May read (never write) up to one vector past the end
 * of a row of B: allocations are padded.
 */
export function gemm(
  M: i32, N: i32, K: i32,
  A: usize, ars: i32, acs: i32,
  B: usize, ldb: i32,
  C: usize, ldc: i32,
  accumulate: bool,
): void {
  if (K == 0) {
    if (!accumulate) for (let i = 0; i < M; i++) fill(at(C, i * ldc), 0, N);
    return;
  }
  const W = NR * LANES;
  const NW = N - N % W;
  // Columns through packed strips: NW, and one more (partial) strip where the rest is more than
  // NR − 1 vectors; the edge takes what remains (at most NR − 1 vectors).
  const NP = N - NW > (NR - 1) * LANES ? NW + W : NW;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate || k0 > 0;
    const Ak = at(A, k0 * acs), Bk = at(B, k0 * ldb);
    for (let j0 = 0; j0 < NP; j0 += NC) {
      const nc = min(NC, NP - j0);
      pack(at(Bk, j0), ldb, kc, nc);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = min(MC, M - i0);
        const Ai = at(Ak, i0 * ars);
        for (let j = 0; j < nc; j += W) {
          // Valid lanes of the strip's last vector (fewer only in the padded strip).
          const lanes = min(LANES, N - (j0 + j) - (NR - 1) * LANES);
          const pb = at(packed, j * kc);
          const pc = at(C, i0 * ldc + j0 + j);
          strip(mc, kc, Ai, ars, acs, pb, pc, ldc, acc, lanes);
        }
      }
    }
    if (NP < N) edge(M, N - NP, kc, Ak, ars, acs, at(Bk, NP), ldb, at(C, NP), ldc, acc);
  }
}

/**
 * Copies B's kc × nc block (row stride ldb) into `packed` as strips of kc × (NR vectors). A
 * padded last strip copies up to LANES − 1 scalars past N (never used).
 */
function pack(B: usize, ldb: i32, kc: i32, nc: i32): void {
  const W = NR * LANES;
  const rowB = <usize>ldb << SHIFT;
  let dst = packed;
  for (let j = 0; j < nc; j += W) {
    let src = at(B, j);
    for (let k = 0; k < kc; k++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      if (NR == 3) v128.store(dst, v128.load(src, 32), 32);
      dst += NR * 16;
      src += rowB;
    }
  }
}

/**
 * One strip of NR vectors of C over mc rows (A in place: row step ars, k step acs): MR-row tiles,
 * then the last mc % MR rows; `lanes` valid lanes in the strip's last vector.
 */
function strip(
  mc: i32, kc: i32, A: usize, ars: i32, acs: i32, pb: usize, C: usize, ldc: i32, acc: bool,
  lanes: i32,
): void {
  const stepA = <usize>acs << SHIFT;
  const rowA = <usize>ars << SHIFT;
  const rowC = <usize>ldc << SHIFT;
  const full = mc - mc % MR;
  for (let i = 0; i < full; i += MR) {
    const pa = A + <usize>i * rowA, pc = C + <usize>i * rowC;
    if (NR == 3) tile33(kc, pa, rowA, stepA, pb, pc, rowC, acc, lanes);
    else tile42(kc, pa, rowA, stepA, pb, 32, pc, rowC, acc, lanes);
  }
  let i = full;
  if (NR == 3 && mc - full == 2) {
    tile23(kc, A + <usize>i * rowA, rowA, stepA, pb, C + <usize>i * rowC, rowC, acc, lanes);
    i += 2;
  }
  for (; i < mc; i++) {
    const pa = A + <usize>i * rowA, pc = C + <usize>i * rowC;
    if (NR == 3) tile33(kc, pa, rowA, stepA, pb, pc, rowC, acc, lanes, 1);
    else tile42(kc, pa, rowA, stepA, pb, 32, pc, rowC, acc, lanes, 1);
  }
}

/**
 * `rows` (3, or 2 or 1 for the rows left over) × 3 vectors of C += as many rows of A · a packed
 * strip of 3 vectors: the fma build's tile; `lanes` valid lanes in the third vector. `rows` is a
 * constant where it is inlined, so the code of the missing rows folds away.
 */
@inline function tile33(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, pc: usize, rowC: usize, acc: bool,
  lanes: i32, rows: i32 = 3,
): void {
  let c00 = vzero(), c01 = vzero(), c02 = vzero();
  let c10 = vzero(), c11 = vzero(), c12 = vzero();
  let c20 = vzero(), c21 = vzero(), c22 = vzero();
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32);
    let a = bcast(pa);
    c00 = vfma(c00, a, b0); c01 = vfma(c01, a, b1); c02 = vfma(c02, a, b2);
    if (rows >= 2) {
      a = bcast(pa + rowA);
      c10 = vfma(c10, a, b0); c11 = vfma(c11, a, b1); c12 = vfma(c12, a, b2);
    }
    if (rows == 3) {
      a = bcast(pa + 2 * rowA);
      c20 = vfma(c20, a, b0); c21 = vfma(c21, a, b1); c22 = vfma(c22, a, b2);
    }
    pa += stepA;
    pb += 48;
  }
  storeRow3(pc, c00, c01, c02, acc, lanes);
  if (rows >= 2) storeRow3(pc + rowC, c10, c11, c12, acc, lanes);
  if (rows == 3) storeRow3(pc + 2 * rowC, c20, c21, c22, acc, lanes);
}

/** 2 × 3 vectors of C += 2 rows of A · a packed strip of 3 vectors (2 rows left over). */
function tile23(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, pc: usize, rowC: usize, acc: bool,
  lanes: i32,
): void {
  tile33(kc, pa, rowA, stepA, pb, pc, rowC, acc, lanes, 2);
}

/**
 * `rows` (≤ 4) × 2 vectors of C += as many rows of A · 2 vectors of B (k step stepB: packed 32,
 * or in place); `lanes` valid lanes in the second vector.
 */
@inline function tile42(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, stepB: usize, pc: usize,
  rowC: usize, acc: bool, lanes: i32, rows: i32 = 4,
): void {
  let c00 = vzero(), c01 = vzero(), c10 = vzero(), c11 = vzero();
  let c20 = vzero(), c21 = vzero(), c30 = vzero(), c31 = vzero();
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
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
    if (rows == 4) {
      a = bcast(pa + 3 * rowA);
      c30 = vfma(c30, a, b0); c31 = vfma(c31, a, b1);
    }
    pa += stepA;
    pb += stepB;
  }
  storeRow2(pc, c00, c01, acc, lanes);
  if (rows >= 2) storeRow2(pc + rowC, c10, c11, acc, lanes);
  if (rows >= 3) storeRow2(pc + 2 * rowC, c20, c21, acc, lanes);
  if (rows == 4) storeRow2(pc + 3 * rowC, c30, c31, acc, lanes);
}

/**
 * `rows` (≤ 6) × 1 vector of C += as many rows of A · one vector of B in place (k step stepB),
 * `lanes` of it valid: the last ≤ LANES columns. Six rows give six independent multiply-add
 * chains (four ran at half the ceiling: the chains' latency, not the loads, bounds one vector).
 */
@inline function tile61(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, stepB: usize, pc: usize,
  rowC: usize, acc: bool, lanes: i32, rows: i32 = 6,
): void {
  let c0 = vzero(), c1 = vzero(), c2 = vzero(), c3 = vzero(), c4 = vzero(), c5 = vzero();
  for (let k = 0; k < kc; k++) {
    const b = v128.load(pb);
    c0 = vfma(c0, bcast(pa), b);
    if (rows >= 2) c1 = vfma(c1, bcast(pa + rowA), b);
    if (rows >= 3) c2 = vfma(c2, bcast(pa + 2 * rowA), b);
    if (rows >= 4) c3 = vfma(c3, bcast(pa + 3 * rowA), b);
    if (rows >= 5) c4 = vfma(c4, bcast(pa + 4 * rowA), b);
    if (rows == 6) c5 = vfma(c5, bcast(pa + 5 * rowA), b);
    pa += stepA;
    pb += stepB;
  }
  storeLanes(pc, c0, lanes, acc);
  if (rows >= 2) storeLanes(pc + rowC, c1, lanes, acc);
  if (rows >= 3) storeLanes(pc + 2 * rowC, c2, lanes, acc);
  if (rows >= 4) storeLanes(pc + 3 * rowC, c3, lanes, acc);
  if (rows >= 5) storeLanes(pc + 4 * rowC, c4, lanes, acc);
  if (rows == 6) storeLanes(pc + 5 * rowC, c5, lanes, acc);
}

/**
 * The last n ≤ (NR − 1) · LANES columns, B in place: 4 × 2-vector tiles where more than one
 * vector remains (only the fma build's strips leave that many), else 6 × 1-vector tiles; the
 * last vector may be partial.
 */
function edge(
  M: i32, n: i32, kc: i32, A: usize, ars: i32, acs: i32, B: usize, ldb: i32, C: usize, ldc: i32,
  acc: bool,
): void {
  const stepA = <usize>acs << SHIFT;
  const rowA = <usize>ars << SHIFT;
  const stepB = <usize>ldb << SHIFT;
  const rowC = <usize>ldc << SHIFT;
  let i = 0;
  if (NR == 3 && n > LANES) {
    const lanes = n - LANES;
    for (; i + 4 <= M; i += 4) {
      tile42(kc, A + <usize>i * rowA, rowA, stepA, B, stepB, C + <usize>i * rowC, rowC, acc, lanes);
    }
    const pa = A + <usize>i * rowA, pc = C + <usize>i * rowC;
    const left = M - i;
    if (left == 3) tile42(kc, pa, rowA, stepA, B, stepB, pc, rowC, acc, lanes, 3);
    else if (left == 2) tile42(kc, pa, rowA, stepA, B, stepB, pc, rowC, acc, lanes, 2);
    else if (left == 1) tile42(kc, pa, rowA, stepA, B, stepB, pc, rowC, acc, lanes, 1);
    return;
  }
  for (; i + 6 <= M; i += 6) {
    tile61(kc, A + <usize>i * rowA, rowA, stepA, B, stepB, C + <usize>i * rowC, rowC, acc, n);
  }
  const pa = A + <usize>i * rowA, pc = C + <usize>i * rowC;
  const left = M - i;
  if (left == 5) tile61(kc, pa, rowA, stepA, B, stepB, pc, rowC, acc, n, 5);
  else if (left == 4) tile61(kc, pa, rowA, stepA, B, stepB, pc, rowC, acc, n, 4);
  else if (left == 3) tile61(kc, pa, rowA, stepA, B, stepB, pc, rowC, acc, n, 3);
  else if (left == 2) tile61(kc, pa, rowA, stepA, B, stepB, pc, rowC, acc, n, 2);
  else if (left == 1) tile61(kc, pa, rowA, stepA, B, stepB, pc, rowC, acc, n, 1);
}

/** Stores the first `lanes` lanes of c at p (all of them with a plain vector store). */
@inline export function storeLanes(p: usize, c: v128, lanes: i32, accumulate: bool): void {
  if (lanes == LANES) {
    v128.store(p, accumulate ? vadd(v128.load(p), c) : c);
    return;
  }
  // Spill to a small static buffer, then copy the valid lanes.
  const tmp = memory.data(16, 16);
  v128.store(tmp, c);
  for (let l = 0; l < lanes; l++) {
    const q = p + (<usize>l << SHIFT);
    const v = load<Real>(tmp + (<usize>l << SHIFT));
    store<Real>(q, accumulate ? load<Real>(q) + v : v);
  }
}

/** A row's 2 vectors at p: the first whole, `lanes` of the second. */
@inline function storeRow2(p: usize, c0: v128, c1: v128, accumulate: bool, lanes: i32): void {
  v128.store(p, accumulate ? vadd(v128.load(p), c0) : c0);
  storeLanes(p + 16, c1, lanes, accumulate);
}

/** A row's 3 vectors at p: the first two whole, `lanes` of the third. */
@inline function storeRow3(
  p: usize, c0: v128, c1: v128, c2: v128, accumulate: bool, lanes: i32,
): void {
  if (accumulate) {
    c0 = vadd(v128.load(p), c0);
    c1 = vadd(v128.load(p, 16), c1);
  }
  v128.store(p, c0);
  v128.store(p, c1, 16);
  storeLanes(p + 32, c2, lanes, accumulate);
}
