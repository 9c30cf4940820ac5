// The one matrix-multiply kernel behind every layer: forward (X·W), weight gradients (Xᵀ·dY, via
// strides on A) and input gradients (dY·Wᵀ, via an explicit transpose of the small weight
// matrix). Goto-style: k-panels of KC; B's panel is packed into column strips of two vectors
// (contiguous, so a strip stays in L1 whatever B's row stride); A goes in blocks of MC rows
// (one block stays in L2 while every strip passes over it), packed into 4-row tiles when enough
// strips reuse it; a 4 × 2-vector register tile. Measured on x64 V8 (docs/engine.md): 6 × 2 and
// 5 × 2 tiles ran at half the speed of 4 × 2 (V8 spills their accumulators).

import { LANES, SHIFT, at, vadd, vfma, vzero } from './vector';
import { fill } from './blas';

/** Depth of the k-panels. */
const KC: i32 = 256;
/** Rows of A per block: 6 · 16 rows × KC scalars = 96 KiB of f32 (L2). */
const MC: i32 = 96;
/** Columns of B packed at once (a multiple of every strip width). */
const NC: i32 = 512;
/** Rows of the register tile. */
const MR: i32 = 4;

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
  const W2 = 2 * LANES;
  const N2 = N - N % W2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate || k0 > 0;
    const Ak = at(A, k0 * acs), Bk = at(B, k0 * ldb);
    for (let j0 = 0; j0 < N2; j0 += NC) {
      const nc = min(NC, N2 - j0);
      pack(at(Bk, j0), ldb, kc, nc);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = min(MC, M - i0);
        const Ai = at(Ak, i0 * ars);
        const pA = nc >= PACK_A_STRIPS * W2 && mc >= MR;
        if (pA) packA(Ai, ars, acs, mc - mc % MR, kc);
        for (let j = 0; j < nc; j += W2) {
          const pb = at(packed, j * kc);
          const pc = at(C, i0 * ldc + j0 + j);
          strip(mc, kc, Ai, ars, acs, pb, pc, ldc, acc, pA);
        }
      }
    }
    if (N2 < N) edge(M, N - N2, kc, Ak, ars, acs, at(Bk, N2), ldb, at(C, N2), ldc, acc);
  }
}

/** Copies B's kc × nc block (row stride ldb) into `packed` as strips of kc × (2 vectors). */
function pack(B: usize, ldb: i32, kc: i32, nc: i32): void {
  const W2 = 2 * LANES;
  const rowB = <usize>ldb << SHIFT;
  let dst = packed;
  for (let j = 0; j < nc; j += W2) {
    let src = at(B, j);
    for (let k = 0; k < kc; k++) {
      v128.store(dst, v128.load(src));
      v128.store(dst + 16, v128.load(src + 16));
      dst += 32;
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
      store<Real>(dst + 3 * S, load<Real>(src + 3 * rowA));
      dst += MR * S;
      src += stepA;
    }
  }
}

/**
 * One strip of two vectors of C over mc rows: 4-row tiles, A read in place (row step ars, k step
 * acs) or, with `packedTiles`, from packedA (constant offsets: fewer live pointers, faster in
 * V8); the last mc % MR rows one at a time, A in place.
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
  for (let i = full; i < mc; i++) {
    let c0 = vzero(), c1 = vzero();
    let pa = A + <usize>i * rowA;
    let p = pb;
    for (let k = 0; k < kc; k++) {
      const a = bcast(pa);
      c0 = vfma(c0, a, v128.load(p));
      c1 = vfma(c1, a, v128.load(p + 16));
      pa += stepA;
      p += 32;
    }
    storeRow2(C + <usize>i * rowC, c0, c1, acc);
  }
}

/** C's 4 × 2-vector tile at pc += A's 4 rows (at pa, rowA apart, k step stepA) · B's strip. */
function tileInPlace(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, pc: usize, rowC: usize, acc: bool,
): void {
  tile(kc, pa, rowA, stepA, pb, pc, rowC, acc);
}

/** The same tile from a packed A tile (4 scalars per k, adjacent): the offsets fold to constants. */
function tilePacked(kc: i32, pa: usize, pb: usize, pc: usize, rowC: usize, acc: bool): void {
  tile(kc, pa, sizeof<Real>(), MR * sizeof<Real>(), pb, pc, rowC, acc);
}

@inline function tile(
  kc: i32, pa: usize, rowA: usize, stepA: usize, pb: usize, pc: usize, rowC: usize, acc: bool,
): void {
  let c00 = vzero(), c01 = vzero(), c10 = vzero(), c11 = vzero();
  let c20 = vzero(), c21 = vzero(), c30 = vzero(), c31 = vzero();
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb + 16);
    let a = bcast(pa);
    c00 = vfma(c00, a, b0); c01 = vfma(c01, a, b1);
    a = bcast(pa + rowA);
    c10 = vfma(c10, a, b0); c11 = vfma(c11, a, b1);
    a = bcast(pa + 2 * rowA);
    c20 = vfma(c20, a, b0); c21 = vfma(c21, a, b1);
    a = bcast(pa + 3 * rowA);
    c30 = vfma(c30, a, b0); c31 = vfma(c31, a, b1);
    pa += stepA;
    pb += 32;
  }
  storeTile(pc, rowC, c00, c01, c10, c11, c20, c21, c30, c31, acc);
}

@inline function storeTile(
  p: usize, rowC: usize, c00: v128, c01: v128, c10: v128, c11: v128,
  c20: v128, c21: v128, c30: v128, c31: v128, acc: bool,
): void {
  storeRow2(p, c00, c01, acc);
  storeRow2(p + rowC, c10, c11, acc);
  storeRow2(p + 2 * rowC, c20, c21, acc);
  storeRow2(p + 3 * rowC, c30, c31, acc);
}

/** The last n < 2·LANES columns, one vector at a time from B in place (the last may be partial). */
function edge(
  M: i32, n: i32, kc: i32, A: usize, ars: i32, acs: i32, B: usize, ldb: i32, C: usize, ldc: i32,
  acc: bool,
): void {
  const stepA = <usize>acs << SHIFT;
  const rowA = <usize>ars << SHIFT;
  const stepB = <usize>ldb << SHIFT;
  const rowC = <usize>ldc << SHIFT;
  for (let j0 = 0; j0 < n; j0 += LANES) {
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
    c1 = vadd(v128.load(p + 16), c1);
  }
  v128.store(p, c0);
  v128.store(p + 16, c1);
}
