// Dense linear algebra kernels over row-major Real arrays. One tuned matrix-multiply kernel
// serves every layer: forward (X·W), weight gradients (Xᵀ·dY, via strides on A) and input
// gradients (dY·Wᵀ, via an explicit transpose of the small weight matrix).

import { LANES, SHIFT, at, get, set, vadd, vfma, vmul, vsplat, vzero } from './vector';

/** Depth of the k-panels: keeps the A and B panels of one pass in cache for long K. */
const KC: i32 = 256;

/**
 * C (M×N, row stride ldc) = [C +] A·B, where A(i,k) is at A + (i*ars + k*acs) scalars and
 * B is K×N row-major with row stride ldb. Register-blocked 4 rows × 2 vectors, in k-panels.
 * May read (never write) up to one vector past the end of a row of B: allocations are padded.
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
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    gemmPanel(M, N, kc, at(A, k0 * acs), ars, acs, at(B, k0 * ldb), ldb, C, ldc, accumulate || k0 > 0);
  }
}

function gemmPanel(
  M: i32, N: i32, K: i32,
  A: usize, ars: i32, acs: i32,
  B: usize, ldb: i32,
  C: usize, ldc: i32,
  accumulate: bool,
): void {
  const L = LANES;
  const W2 = 2 * L;
  const stepA = <usize>acs << SHIFT;
  const rowA = <usize>ars << SHIFT;
  const stepB = <usize>ldb << SHIFT;
  const rowC = <usize>ldc << SHIFT;
  let j0 = 0;
  for (; j0 + W2 <= N; j0 += W2) {
    let i0 = 0;
    for (; i0 + 4 <= M; i0 += 4) {
      let c00 = vzero(), c01 = vzero(), c10 = vzero(), c11 = vzero();
      let c20 = vzero(), c21 = vzero(), c30 = vzero(), c31 = vzero();
      let pa = at(A, i0 * ars);
      let pb = at(B, j0);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb + 16);
        const a0 = vsplat(load<Real>(pa));
        const a1 = vsplat(load<Real>(pa + rowA));
        const a2 = vsplat(load<Real>(pa + 2 * rowA));
        const a3 = vsplat(load<Real>(pa + 3 * rowA));
        c00 = vfma(c00, a0, b0); c01 = vfma(c01, a0, b1);
        c10 = vfma(c10, a1, b0); c11 = vfma(c11, a1, b1);
        c20 = vfma(c20, a2, b0); c21 = vfma(c21, a2, b1);
        c30 = vfma(c30, a3, b0); c31 = vfma(c31, a3, b1);
        pa += stepA;
        pb += stepB;
      }
      const p0 = at(C, i0 * ldc + j0);
      storeRow2(p0, c00, c01, accumulate);
      storeRow2(p0 + rowC, c10, c11, accumulate);
      storeRow2(p0 + 2 * rowC, c20, c21, accumulate);
      storeRow2(p0 + 3 * rowC, c30, c31, accumulate);
    }
    for (; i0 < M; i0++) {
      let c0 = vzero(), c1 = vzero();
      let pa = at(A, i0 * ars);
      let pb = at(B, j0);
      for (let k = 0; k < K; k++) {
        const a = vsplat(load<Real>(pa));
        c0 = vfma(c0, a, v128.load(pb));
        c1 = vfma(c1, a, v128.load(pb + 16));
        pa += stepA;
        pb += stepB;
      }
      storeRow2(at(C, i0 * ldc + j0), c0, c1, accumulate);
    }
  }
  // Remaining columns, one vector at a time; the last one may be partial (lanes masked on store).
  for (; j0 < N; j0 += L) {
    const lanes = min(L, N - j0);
    let i0 = 0;
    for (; i0 + 4 <= M; i0 += 4) {
      let c0 = vzero(), c1 = vzero(), c2 = vzero(), c3 = vzero();
      let pa = at(A, i0 * ars);
      let pb = at(B, j0);
      for (let k = 0; k < K; k++) {
        const b = v128.load(pb);
        c0 = vfma(c0, vsplat(load<Real>(pa)), b);
        c1 = vfma(c1, vsplat(load<Real>(pa + rowA)), b);
        c2 = vfma(c2, vsplat(load<Real>(pa + 2 * rowA)), b);
        c3 = vfma(c3, vsplat(load<Real>(pa + 3 * rowA)), b);
        pa += stepA;
        pb += stepB;
      }
      const p0 = at(C, i0 * ldc + j0);
      storeLanes(p0, c0, lanes, accumulate);
      storeLanes(p0 + rowC, c1, lanes, accumulate);
      storeLanes(p0 + 2 * rowC, c2, lanes, accumulate);
      storeLanes(p0 + 3 * rowC, c3, lanes, accumulate);
    }
    for (; i0 < M; i0++) {
      let c0 = vzero();
      let pa = at(A, i0 * ars);
      let pb = at(B, j0);
      for (let k = 0; k < K; k++) {
        c0 = vfma(c0, vsplat(load<Real>(pa)), v128.load(pb));
        pa += stepA;
        pb += stepB;
      }
      storeLanes(at(C, i0 * ldc + j0), c0, lanes, accumulate);
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

/** dst (cols×rows) = transpose of src (rows×cols), both row-major. */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) set(dst, j * rows + i, get(src, i * cols + j));
  }
}

/** out[i] = a*x[i] + b*y[i] for i < n (out may alias x or y). */
export function lincomb(out: usize, a: Real, x: usize, b: Real, y: usize, n: i32): void {
  const va = vsplat(a), vb = vsplat(b);
  let i = 0;
  for (; i + LANES <= n; i += LANES) {
    v128.store(at(out, i), vadd(vmul(va, v128.load(at(x, i))), vmul(vb, v128.load(at(y, i)))));
  }
  for (; i < n; i++) set(out, i, a * get(x, i) + b * get(y, i));
}

/** Fill n scalars with a value. */
export function fill(out: usize, value: Real, n: i32): void {
  for (let i = 0; i < n; i++) set(out, i, value);
}

/** Adds a bias row vector (length cols) to each of `rows` rows. */
export function addBias(out: usize, bias: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = at(out, r * cols);
    let j = 0;
    for (; j + LANES <= cols; j += LANES) {
      v128.store(at(row, j), vadd(v128.load(at(row, j)), v128.load(at(bias, j))));
    }
    for (; j < cols; j++) set(row, j, get(row, j) + get(bias, j));
  }
}

/** biasGrad[j] += Σ_r d[r, j]. */
export function sumRows(d: usize, rows: i32, cols: i32, biasGrad: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = at(d, r * cols);
    let j = 0;
    for (; j + LANES <= cols; j += LANES) {
      v128.store(at(biasGrad, j), vadd(v128.load(at(biasGrad, j)), v128.load(at(row, j))));
    }
    for (; j < cols; j++) set(biasGrad, j, get(biasGrad, j) + get(row, j));
  }
}
