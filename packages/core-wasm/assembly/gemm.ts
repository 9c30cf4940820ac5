// The one matrix-multiply kernel behind every layer: forward (X·W), weight gradients (Xᵀ·dY, via
// strides on A) and input gradients (dY·Wᵀ, via an explicit transpose of the small weight
// matrix). Goto-style: k-panels of KC; B's panel is packed into column strips of NR vectors
// (contiguous, so a strip stays in L1 whatever B's row stride); A goes in blocks of MC rows
// (one block stays in L2 while every strip passes over it), packed into MR-row tiles when
// enough strips reuse it; an MR × NR-vector register tile: 3 × 3 in the fma build, 4 × 2 in
// the plain one.
//
// Why (measured on x64 V8, Zen 3, docs/engine.md): V8 emits every load of a loop iteration
// before its multiply-adds, so a tile of R rows and V vectors holds R + V loaded values beside
// its R·V accumulators, and x64 has 15 vector registers for them: 4 × 2 (14) and 3 × 3 (15)
// fit; 5 × 2, 6 × 2 and 4 × 3 (17–20) spill and ran at half speed, and so did a 4 × 2 tile
// unrolled 4× in k. With fused multiply-adds 3 × 3 does 9 per 6 loads where 4 × 2 does 8, and
// ran 21% faster on L1-resident data; the plain build needs a register more for each multiply's
// product, so 3 × 3 spills there (a third slower) and it keeps 4 × 2.

import { LANES, SHIFT, at, vadd, vfma, vzero } from './vector';
import { fill } from './blas';

/** Depth of the k-panels. */
const KC: i32 = 256;
/** Rows of A per block: 6 · 16 rows × KC scalars = 96 KiB of f32 (L2). */
const MC: i32 = 96;
/** Columns of B packed at once (a multiple of every build's strip width: 12, 8, 6 and 4). */
const NC: i32 = 504;
/** Rows of the register tile. */
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 4;
/** Vectors per strip of B (the register tile's width). */
const NR: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 2;

// Static, not allocated on first use: growing the memory inside a call would detach the
// typed-array views JavaScript holds across it.
/** The packed B panel (KC × NC scalars). */
const packed: usize = memory.data(KC * NC * sizeof<Real>(), 16);
/** The packed A block (MC × KC scalars): tiles of MR rows, k-major inside a tile. */
const packedA: usize = memory.data(KC * MC * sizeof<Real>(), 16);
/** Strips of B from which packing A pays (fewer strips reuse A's block too little). */
const PACK_A_STRIPS: i32 = 4;

/** A(i, k) broadcast to every lane (one load-and-splat instruction). */
@inline function bcast(p: usize): v128 {
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
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate || k0 > 0;
    const Ak = at(A, k0 * acs), Bk = at(B, k0 * ldb);
    for (let j0 = 0; j0 < NW; j0 += NC) {
      const nc = min(NC, NW - j0);
      pack(at(Bk, j0), ldb, kc, nc);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = min(MC, M - i0);
        const Ai = at(Ak, i0 * ars);
        const pA = nc >= PACK_A_STRIPS * W && mc >= MR;
        if (pA) packA(Ai, ars, acs, mc - mc % MR, kc);
        for (let j = 0; j < nc; j += W) {
          const pb = at(packed, j * kc);
          const pc = at(C, i0 * ldc + j0 + j);
          strip(mc, kc, Ai, ars, acs, pb, pc, ldc, acc, pA);
        }
      }
    }
    if (NW < N) edge(M, N - NW, kc, Ak, ars, acs, at(Bk, NW), ldb, at(C, NW), ldc, acc);
  }
}

/** Copies B's kc × nc block (row stride ldb) into `packed` as strips of kc × (NR vectors). */
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

/** Copies the first mr (a multiple of MR) rows of A's block into `packedA`, tile by tile. */
function packA(A: usize, ars: i32, acs: i32, mr: i32, kc: i32): void {
  const stepA = <usize>acs << SHIFT;
  const rowA = <usize>ars << SHIFT;
  const S = sizeof<Real>();
  let dst = packedA;
  for (let i = 0; i < mr; i += MR) {
    let src = A + <usize>i * rowA;
    for (let k = 0; k < kc; k++) {
      store<Real>(dst, load<Real>(src));
      store<Real>(dst + S, load<Real>(src + rowA));
      store<Real>(dst + 2 * S, load<Real>(src + 2 * rowA));
      if (MR == 4) store<Real>(dst + 3 * S, load<Real>(src + 3 * rowA));
      dst += MR * S;
      src += stepA;
    }
  }
}

/**
 * One strip of NR vectors of C over mc rows: MR-row tiles, A read in place (row step ars, k
 * step acs) or, with `packedTiles`, from packedA (constant offsets: fewer live pointers, faster
 * in V8); the last mc % MR rows one at a time, A in place.
 */
function strip(
  mc: i32, kc: i32, A: usize, ars: i32, acs: i32, pb: usize, C: usize, ldc: i32, acc: bool,
  packedTiles: bool,
): void {
  const stepA = <usize>acs << SHIFT;
  const rowA = <usize>ars << SHIFT;
  const rowC = <usize>ldc << SHIFT;
  const full = mc - mc % MR;
  for (let i = 0; i < full; i += MR) {
    const pc = C + <usize>i * rowC;
    if (packedTiles) tilePacked(kc, packedA + (<usize>(i * kc) << SHIFT), pb, pc, rowC, acc);
    else tileInPlace(kc, A + <usize>i * rowA, rowA, stepA, pb, pc, rowC, acc);
  }
  let i = full;
  if (NR == 3 && mc - full == 2) {
    tile23(kc, A + <usize>i * rowA, rowA, stepA, pb, C + <usize>i * rowC, rowC, acc);
    i += 2;
  }
  for (; i < mc; i++) {
    const pa = A + <usize>i * rowA, pc = C + <usize>i * rowC;
    if (NR == 3) row3(kc, pa, stepA, pb, pc, acc);
    else row2(kc, pa, stepA, pb, 32, pc, acc);
  }
}

/** C's MR × NR-vector tile at pc += A's MR rows (at pa, rowA apart, k step stepA) · B's strip. */
function tileInPlace(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, pc: usize, rowC: usize, acc: bool,
): void {
  tile(kc, pa, rowA, stepA, pb, pc, rowC, acc);
}

/** The same tile from a packed A tile (MR scalars per k, adjacent): the offsets fold to constants. */
function tilePacked(kc: i32, pa: usize, pb: usize, pc: usize, rowC: usize, acc: bool): void {
  tile(kc, pa, sizeof<Real>(), MR * sizeof<Real>(), pb, pc, rowC, acc);
}

@inline function tile(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, pc: usize, rowC: usize, acc: bool,
): void {
  if (NR == 3) tile33(kc, pa, rowA, stepA, pb, pc, rowC, acc);
  else tile42(kc, pa, rowA, stepA, pb, 32, pc, rowC, acc);
}

/**
 * `rows` (3, or 2 for the rows left over) × 3 vectors of C += as many rows of A · a packed strip
 * of 3 vectors: the fma build's tile. `rows` is a constant where it is inlined, so the third
 * row's code folds away for 2.
 */
@inline function tile33(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, pc: usize, rowC: usize, acc: bool,
  rows: i32 = 3,
): void {
  let c00 = vzero(), c01 = vzero(), c02 = vzero();
  let c10 = vzero(), c11 = vzero(), c12 = vzero();
  let c20 = vzero(), c21 = vzero(), c22 = vzero();
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32);
    let a = bcast(pa);
    c00 = vfma(c00, a, b0); c01 = vfma(c01, a, b1); c02 = vfma(c02, a, b2);
    a = bcast(pa + rowA);
    c10 = vfma(c10, a, b0); c11 = vfma(c11, a, b1); c12 = vfma(c12, a, b2);
    if (rows == 3) {
      a = bcast(pa + 2 * rowA);
      c20 = vfma(c20, a, b0); c21 = vfma(c21, a, b1); c22 = vfma(c22, a, b2);
    }
    pa += stepA;
    pb += 48;
  }
  storeRow3(pc, c00, c01, c02, acc);
  storeRow3(pc + rowC, c10, c11, c12, acc);
  if (rows == 3) storeRow3(pc + 2 * rowC, c20, c21, c22, acc);
}

/** 4 × 2 vectors of C += 4 rows of A · 2 vectors of B (k step stepB: packed 32, or in place). */
@inline function tile42(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, stepB: usize, pc: usize,
  rowC: usize, acc: bool,
): void {
  let c00 = vzero(), c01 = vzero(), c10 = vzero(), c11 = vzero();
  let c20 = vzero(), c21 = vzero(), c30 = vzero(), c31 = vzero();
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = bcast(pa);
    c00 = vfma(c00, a, b0); c01 = vfma(c01, a, b1);
    a = bcast(pa + rowA);
    c10 = vfma(c10, a, b0); c11 = vfma(c11, a, b1);
    a = bcast(pa + 2 * rowA);
    c20 = vfma(c20, a, b0); c21 = vfma(c21, a, b1);
    a = bcast(pa + 3 * rowA);
    c30 = vfma(c30, a, b0); c31 = vfma(c31, a, b1);
    pa += stepA;
    pb += stepB;
  }
  storeRow2(pc, c00, c01, acc);
  storeRow2(pc + rowC, c10, c11, acc);
  storeRow2(pc + 2 * rowC, c20, c21, acc);
  storeRow2(pc + 3 * rowC, c30, c31, acc);
}

/** 2 × 3 vectors of C += 2 rows of A (in place) · a packed strip of 3 vectors (2 rows left over). */
function tile23(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, pc: usize, rowC: usize, acc: bool,
): void {
  tile33(kc, pa, rowA, stepA, pb, pc, rowC, acc, 2);
}

/** One row of C's 3 vectors at pc += A's row (k step stepA) · a packed strip of 3 vectors. */
@inline function row3(kc: i32, pa: usize, stepA: usize, pb: usize, pc: usize, acc: bool): void {
  let c0 = vzero(), c1 = vzero(), c2 = vzero();
  for (let k = 0; k < kc; k++) {
    const a = bcast(pa);
    c0 = vfma(c0, a, v128.load(pb));
    c1 = vfma(c1, a, v128.load(pb, 16));
    c2 = vfma(c2, a, v128.load(pb, 32));
    pa += stepA;
    pb += 48;
  }
  storeRow3(pc, c0, c1, c2, acc);
}

/** One row of C's 2 vectors at pc += A's row · 2 vectors of B (k step stepB). */
@inline function row2(
  kc: i32, pa: usize, stepA: usize, pb: usize, stepB: usize, pc: usize, acc: bool,
): void {
  let c0 = vzero(), c1 = vzero();
  for (let k = 0; k < kc; k++) {
    const a = bcast(pa);
    c0 = vfma(c0, a, v128.load(pb));
    c1 = vfma(c1, a, v128.load(pb, 16));
    pa += stepA;
    pb += stepB;
  }
  storeRow2(pc, c0, c1, acc);
}

/**
 * The last n < NR·LANES columns from B in place: two full vectors together (4 × 2-vector tiles;
 * only the fma build's strips leave that many) when there are, then one vector at a time (the
 * last may be partial).
 */
function edge(
  M: i32, n: i32, kc: i32, A: usize, ars: i32, acs: i32, B: usize, ldb: i32, C: usize, ldc: i32,
  acc: bool,
): void {
  const stepA = <usize>acs << SHIFT;
  const rowA = <usize>ars << SHIFT;
  const stepB = <usize>ldb << SHIFT;
  const rowC = <usize>ldc << SHIFT;
  let first = 0;
  if (n >= 2 * LANES) {
    let i0 = 0;
    for (; i0 + 4 <= M; i0 += 4) {
      const pa = A + <usize>i0 * rowA;
      tile42(kc, pa, rowA, stepA, B, stepB, C + <usize>i0 * rowC, rowC, acc);
    }
    for (; i0 < M; i0++) row2(kc, A + <usize>i0 * rowA, stepA, B, stepB, C + <usize>i0 * rowC, acc);
    first = 2 * LANES;
  }
  for (let j0 = first; j0 < n; j0 += LANES) {
    const lanes = min(LANES, n - j0);
    let i0 = 0;
    for (; i0 + 4 <= M; i0 += 4) {
      let c0 = vzero(), c1 = vzero(), c2 = vzero(), c3 = vzero();
      let pa = A + <usize>i0 * rowA;
      let pb = at(B, j0);
      for (let k = 0; k < kc; k++) {
        const b = v128.load(pb);
        c0 = vfma(c0, bcast(pa), b);
        c1 = vfma(c1, bcast(pa + rowA), b);
        c2 = vfma(c2, bcast(pa + 2 * rowA), b);
        c3 = vfma(c3, bcast(pa + 3 * rowA), b);
        pa += stepA;
        pb += stepB;
      }
      const p0 = at(C, i0 * ldc + j0);
      storeLanes(p0, c0, lanes, acc);
      storeLanes(p0 + rowC, c1, lanes, acc);
      storeLanes(p0 + 2 * rowC, c2, lanes, acc);
      storeLanes(p0 + 3 * rowC, c3, lanes, acc);
    }
    for (; i0 < M; i0++) {
      let c0 = vzero();
      let pa = A + <usize>i0 * rowA;
      let pb = at(B, j0);
      for (let k = 0; k < kc; k++) {
        c0 = vfma(c0, bcast(pa), v128.load(pb));
        pa += stepA;
        pb += stepB;
      }
      storeLanes(at(C, i0 * ldc + j0), c0, lanes, acc);
    }
  }
}

/** Stores the first `lanes` lanes of c at p (all of them with a plain vector store). */
@inline function storeLanes(p: usize, c: v128, lanes: i32, accumulate: bool): void {
  if (lanes == LANES) {
    v128.store(p, accumulate ? vadd(v128.load(p), c) : c);
    return;
  }
  // Spill to a small stack buffer, then copy the valid lanes.
  const tmp = memory.data(16, 16);
  v128.store(tmp, c);
  for (let l = 0; l < lanes; l++) {
    const q = p + (<usize>l << SHIFT);
    const v = load<Real>(tmp + (<usize>l << SHIFT));
    store<Real>(q, accumulate ? load<Real>(q) + v : v);
  }
}

@inline function storeRow2(p: usize, c0: v128, c1: v128, accumulate: bool): void {
  if (accumulate) {
    c0 = vadd(v128.load(p), c0);
    c1 = vadd(v128.load(p, 16), c1);
  }
  v128.store(p, c0);
  v128.store(p, c1, 16);
}

@inline function storeRow3(p: usize, c0: v128, c1: v128, c2: v128, accumulate: bool): void {
  if (accumulate) {
    c0 = vadd(v128.load(p), c0);
    c1 = vadd(v128.load(p, 16), c1);
    c2 = vadd(v128.load(p, 32), c2);
  }
  v128.store(p, c0);
  v128.store(p, c1, 16);
  v128.store(p, c2, 32);
}
