// A conv2d node (NHWC, kernel [KH, KW, C / G, CO], G channel groups): per group and block of
// output pixels, im2col of its input channels into the shared column buffer and a matrix
// multiply against its block of kernel columns; a forward pass whose windows all lie inside the
// image (one group) skips the columns and reads the input in place (gemm-runs.ts). The backward
// pass rebuilds the columns from the input (kept alive by the liveness plan) instead of keeping
// one column buffer per layer: columns are KH·KW times the input, so keeping them would dominate
// a deep network's memory.

import * as C from './context';
import { SHIFT, at, get, set } from './vector';
import { addBias, gemm, sumRows, transpose } from './blas';
import { col2im, im2col } from './conv';
import { gemmRuns, packRuns, runsFit } from './gemm-runs';
import { F_B, F_P0, F_W, field } from './program';

// Record fields (F_P0 + i): H, W, C, KH, KW, CO, sh, sw, pt, pl, OH, OW, G.
@inline function p(r: usize, i: i32): i32 {
  return field(r, F_P0 + i);
}

/** Scalars of columns per block of output pixels: the block stays in L2 between its GEMMs. */
const BLOCK_REALS: i32 = 49152;

/** Output pixels per block for K columns: a multiple of 4 (the GEMM's row tile), at least 4. */
@inline function blockRows(K: i32): i32 {
  return max(4, (BLOCK_REALS / K) & ~3);
}

/** im2col of rows [r0, r0 + rows) of group k's channels of x into the shared column buffer. */
function columns(r: usize, x: usize, r0: i32, rows: i32, k: i32): void {
  const Cg = p(r, 2) / p(r, 12);
  im2col(x, r0, rows, p(r, 0), p(r, 1), p(r, 2), k * Cg, Cg, p(r, 3), p(r, 4), p(r, 6), p(r, 7),
    p(r, 8), p(r, 9), p(r, 10), p(r, 11), C.colBuf);
}

/**
 * out (B·OH·OW × CO) = conv(x) + bias. Cost: B·OH·OW·K·CO multiply-adds; a window inside the
 * image in one group reads the input in place (gemm-runs.ts), else per group im2col and a GEMM
 * block by block of output pixels (the columns of a block are used while they are in cache,
 * never all at once).
 */
export function convForward(r: usize, x: usize, B: i32, w: usize, out: usize): void {
  const G = p(r, 12), CO = p(r, 5);
  const COg = CO / G;
  const K = p(r, 3) * p(r, 4) * (p(r, 2) / G);
  const P = B * p(r, 10) * p(r, 11);
  const wo = field(r, F_W);
  if (inside(r) && G == 1 && runsFit(K, CO)) {
    convRuns(r, x, B, at(w, wo), out);
    if (field(r, F_B) >= 0) addBias(out, at(w, field(r, F_B)), P, CO);
    return;
  }
  const R = blockRows(K);
  for (let k = 0; k < G; k++) {
    for (let r0 = 0; r0 < P; r0 += R) {
      const rows = min(R, P - r0);
      columns(r, x, r0, rows, k);
      gemm(rows, COg, K, C.colBuf, K, 1, at(w, wo + k * COg), CO, at(out, r0 * CO + k * COg), CO, false);
    }
  }
  if (field(r, F_B) >= 0) addBias(out, at(w, field(r, F_B)), P, CO);
}

/** Whether every window lies inside the image (no padding reached). */
function inside(r: usize): bool {
  return p(r, 8) == 0 && p(r, 9) == 0 &&
    (p(r, 10) - 1) * p(r, 6) + p(r, 3) <= p(r, 0) && (p(r, 11) - 1) * p(r, 7) + p(r, 4) <= p(r, 1);
}

/** The forward product as an implicit GEMM, one output row at a time (kernel K × CO at wk). */
function convRuns(r: usize, x: usize, B: i32, wk: usize, out: usize): void {
  const H = p(r, 0), W = p(r, 1), Cin = p(r, 2), KH = p(r, 3), KW = p(r, 4), CO = p(r, 5);
  const sh = p(r, 6), sw = p(r, 7), OH = p(r, 10), OW = p(r, 11);
  packRuns(wk, CO, KH * KW * Cin, CO);
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      gemmRuns(OW, CO, KH, KW * Cin, W * Cin, at(x, (b * H + oy * sh) * W * Cin), sw * Cin,
        at(out, (b * OH + oy) * OW * CO), CO);
    }
  }
}

/**
 * Adds the kernel and bias gradients into gw and, when dx is non-zero, writes the input
 * gradient there. Cost: per group and block of output pixels, one im2col, two GEMMs and one
 * col2im.
 */
export function convBackward(r: usize, x: usize, B: i32, w: usize, gw: usize, d: usize, dx: usize): void {
  const G = p(r, 12), CO = p(r, 5), Cin = p(r, 2);
  const Cg = Cin / G, COg = CO / G;
  const K = p(r, 3) * p(r, 4) * Cg;
  const P = B * p(r, 10) * p(r, 11);
  const wo = field(r, F_W);
  const R = blockRows(K);
  if (dx) memory.fill(dx, 0, <usize>(B * p(r, 0) * p(r, 1) * Cin) << SHIFT);
  for (let k = 0; k < G; k++) {
    // The group's kernel block (K × COg, row stride CO) transposed, for dcol = d_k · W_kᵀ.
    if (dx) {
      if (G == 1) transpose(at(w, wo), K, CO, C.scratchT);
      else transposeBlock(at(w, wo + k * COg), K, COg, CO, C.scratchT);
    }
    for (let r0 = 0; r0 < P; r0 += R) {
      const rows = min(R, P - r0);
      columns(r, x, r0, rows, k);
      const dk = at(d, r0 * CO + k * COg);
      gemm(K, COg, rows, C.colBuf, 1, K, dk, CO, at(gw, wo + k * COg), CO, true);
      if (!dx) continue;
      gemm(rows, K, COg, dk, CO, 1, C.scratchT, K, C.colBuf, K, false);
      col2im(C.colBuf, r0, rows, p(r, 0), p(r, 1), Cin, k * Cg, Cg, p(r, 3), p(r, 4), p(r, 6),
        p(r, 7), p(r, 8), p(r, 9), p(r, 10), p(r, 11), dx);
    }
  }
  if (field(r, F_B) >= 0) sumRows(d, P, CO, at(gw, field(r, F_B)));
}

/** dst (cols × rows) = transpose of a rows × cols block of a matrix with row stride ld. */
function transposeBlock(src: usize, rows: i32, cols: i32, ld: i32, dst: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) set(dst, j * rows + i, get(src, i * ld + j));
  }
}
