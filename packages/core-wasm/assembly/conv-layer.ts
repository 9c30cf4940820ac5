// A conv2d node (NHWC, kernel [KH, KW, C / G, CO], G channel groups): per group, im2col of its
// input channels into the shared column buffer and one matrix multiply against its block of
// kernel columns. The backward pass rebuilds the columns from the input (kept alive by the
// liveness plan) instead of keeping one column buffer per layer: columns are KH·KW times the
// input, so keeping them would dominate a deep network's memory.

import * as C from './context';
import { SHIFT, at, get, set } from './vector';
import { addBias, gemm, sumRows, transpose } from './blas';
import { col2im, im2col } from './conv';
import { F_B, F_P0, F_W, field } from './program';

// Record fields (F_P0 + i): H, W, C, KH, KW, CO, sh, sw, pt, pl, OH, OW, G.
@inline function p(r: usize, i: i32): i32 {
  return field(r, F_P0 + i);
}

/** im2col of group k's channels of x into the shared column buffer. */
function columns(r: usize, x: usize, B: i32, k: i32): void {
  const Cg = p(r, 2) / p(r, 12);
  im2col(x, B, p(r, 0), p(r, 1), p(r, 2), k * Cg, Cg, p(r, 3), p(r, 4), p(r, 6), p(r, 7), p(r, 8),
    p(r, 9), p(r, 10), p(r, 11), C.colBuf);
}

/** out (B·OH·OW × CO) = conv(x) + bias. Cost: one im2col and one GEMM per group. */
export function convForward(r: usize, x: usize, B: i32, w: usize, out: usize): void {
  const G = p(r, 12), CO = p(r, 5);
  const COg = CO / G;
  const K = p(r, 3) * p(r, 4) * (p(r, 2) / G);
  const P = B * p(r, 10) * p(r, 11);
  const wo = field(r, F_W);
  for (let k = 0; k < G; k++) {
    columns(r, x, B, k);
    gemm(P, COg, K, C.colBuf, K, 1, at(w, wo + k * COg), CO, at(out, k * COg), CO, false);
  }
  if (field(r, F_B) >= 0) addBias(out, at(w, field(r, F_B)), P, CO);
}

/**
 * Adds the kernel and bias gradients into gw and, when dx is non-zero, writes the input
 * gradient there. Cost: one im2col, two GEMMs and one col2im per group.
 */
export function convBackward(r: usize, x: usize, B: i32, w: usize, gw: usize, d: usize, dx: usize): void {
  const G = p(r, 12), CO = p(r, 5), Cin = p(r, 2);
  const Cg = Cin / G, COg = CO / G;
  const K = p(r, 3) * p(r, 4) * Cg;
  const P = B * p(r, 10) * p(r, 11);
  const wo = field(r, F_W);
  if (dx) memory.fill(dx, 0, <usize>(B * p(r, 0) * p(r, 1) * Cin) << SHIFT);
  for (let k = 0; k < G; k++) {
    columns(r, x, B, k);
    const dk = at(d, k * COg);
    gemm(K, COg, P, C.colBuf, 1, K, dk, CO, at(gw, wo + k * COg), CO, true);
    if (!dx) continue;
    // The group's kernel block (K × COg, row stride CO) transposed, for dcol = d_k · W_kᵀ.
    if (G == 1) transpose(at(w, wo), K, CO, C.scratchT);
    else transposeBlock(at(w, wo + k * COg), K, COg, CO, C.scratchT);
    gemm(P, K, COg, dk, CO, 1, C.scratchT, K, C.colBuf, K, false);
    col2im(C.colBuf, B, p(r, 0), p(r, 1), Cin, k * Cg, Cg, p(r, 3), p(r, 4), p(r, 6), p(r, 7),
      p(r, 8), p(r, 9), p(r, 10), p(r, 11), dx);
  }
  if (field(r, F_B) >= 0) sumRows(d, P, CO, at(gw, field(r, F_B)));
}

/** dst (cols × rows) = transpose of a rows × cols block of a matrix with row stride ld. */
function transposeBlock(src: usize, rows: i32, cols: i32, ld: i32, dst: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) set(dst, j * rows + i, get(src, i * ld + j));
  }
}
