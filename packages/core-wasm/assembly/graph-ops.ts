// The junction nodes of a graph and global average pooling: elementwise sum (residual add),
// channel concatenation, and the mean over an image's pixels. Each backward writes or adds
// (`acc`) into its inputs' gradients, since a node read by several consumers sums theirs.

import { addReals, at, get, set } from './vector';

/** dst[i] (+)= src[i] for i < n. */
export function copyOrAdd(dst: usize, src: usize, n: i32, acc: bool): void {
  if (acc) addReals(dst, src, n);
  else memory.copy(dst, src, <usize>n * sizeof<Real>());
}

/**
 * One input's share of a concatenation along the last axis: rows of `ch` values from `src`
 * to columns [c0, c0 + ch) of rows of `total` in `dst` (forward), or back (backward, with
 * `acc` adding into src).
 */
export function concatSlice(
  src: usize, dst: usize, rows: i32, ch: i32, c0: i32, total: i32, backward: bool, acc: bool,
): void {
  for (let r = 0; r < rows; r++) {
    const s = at(src, r * ch);
    const d = at(dst, r * total + c0);
    if (backward) copyOrAdd(s, d, ch, acc);
    else memory.copy(d, s, <usize>ch * sizeof<Real>());
  }
}

/** y[b, c] = mean over the P pixels of x[b, p, c]. */
export function globalAvgPool(x: usize, B: i32, P: i32, Ch: i32, y: usize): void {
  const inv = <Real>1 / <Real>P;
  for (let b = 0; b < B; b++) {
    const yb = at(y, b * Ch);
    for (let c = 0; c < Ch; c++) set(yb, c, 0);
    for (let p = 0; p < P; p++) {
      const xp = at(x, (b * P + p) * Ch);
      for (let c = 0; c < Ch; c++) set(yb, c, get(yb, c) + get(xp, c));
    }
    for (let c = 0; c < Ch; c++) set(yb, c, get(yb, c) * inv);
  }
}

/** dx[b, p, c] (+)= dy[b, c] / P. */
export function globalAvgPoolBackward(dy: usize, B: i32, P: i32, Ch: i32, dx: usize, acc: bool): void {
  const inv = <Real>1 / <Real>P;
  for (let b = 0; b < B; b++) {
    const db = at(dy, b * Ch);
    for (let p = 0; p < P; p++) {
      const xp = at(dx, (b * P + p) * Ch);
      for (let c = 0; c < Ch; c++) {
        const g = get(db, c) * inv;
        set(xp, c, acc ? get(xp, c) + g : g);
      }
    }
  }
}
