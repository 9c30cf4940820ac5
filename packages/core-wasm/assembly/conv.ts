// 2-D convolution (NHWC, kernel [kh, kw, cin / groups, cout]) as im2col + matrix multiplies
// over blocks of output pixels (conv-layer.ts), and valid-padding max / average pooling.

import { LANES, SHIFT, addReals, at, get, set } from './vector';

/**
 * Rows [r0, r0 + rows) of the columns: col[r − r0, (ky·KW + kx)·Cg + c] = x[b, oy·sh + ky − pt,
 * ox·sw + kx − pl, c0 + c] for r = (b·OH + oy)·OW + ox, zero outside the image: the Cg channels
 * from c0 of a C-channel input (one group of a grouped convolution; all of them when Cg = C).
 * Cost: K = KH·KW·Cg scalars written per row; a row whose window lies inside the image with all
 * channels taken is KH contiguous runs of KW·C (the common case, and all of a valid convolution).
 */
export function im2col(
  x: usize, r0: i32, rows: i32, H: i32, W: i32, C: i32, c0: i32, Cg: i32, KH: i32, KW: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, OH: i32, OW: i32, col: usize,
): void {
  const K = KH * KW * Cg;
  const run = KW * Cg;
  const runBytes = <usize>run << SHIFT;
  const lineBytes = <usize>(W * C) << SHIFT;
  // The row's pixel (b, oy, ox), advanced by one per row: no division per row.
  let b = r0 / (OH * OW);
  const q = r0 % (OH * OW);
  let oy = q / OW, ox = q % OW;
  let dst = col;
  for (let r = 0; r < rows; r++) {
    const xb = at(x, b * H * W * C + c0);
    const ix0 = ox * sw - pl, iy0 = oy * sh - pt;
    // Valid kx range [k0, k1): inside it, one kernel row is one contiguous run of the input
    // when all channels are taken, else one run of Cg per pixel.
    const k0 = max(0, -ix0);
    const k1 = min(KW, W - ix0);
    if (Cg == C && k0 == 0 && k1 == KW && iy0 >= 0 && iy0 + KH <= H) {
      let src = at(xb, (iy0 * W + ix0) * C);
      for (let ky = 0; ky < KH; ky++) {
        copyRun(dst, src, run);
        dst += runBytes;
        src += lineBytes;
      }
    } else {
      for (let ky = 0; ky < KH; ky++) {
        const iy = iy0 + ky;
        if (iy < 0 || iy >= H || k0 >= k1) {
          zeroReals(dst, run);
        } else {
          if (k0 > 0) zeroReals(dst, k0 * Cg);
          const src = at(xb, (iy * W + ix0) * C);
          if (Cg == C) copyRun(at(dst, k0 * C), at(src, k0 * C), (k1 - k0) * C);
          else {
            for (let kx = k0; kx < k1; kx++) copyRun(at(dst, kx * Cg), at(src, kx * C), Cg);
          }
          if (k1 < KW) zeroReals(at(dst, k1 * Cg), (KW - k1) * Cg);
        }
        dst += runBytes;
      }
    }
    if (++ox == OW) {
      ox = 0;
      if (++oy == OH) {
        oy = 0;
        b++;
      }
    }
  }
}

/**
 * n scalars from src to dst (non-overlapping), by vectors; a run of at least one vector ends
 * with one vector overlapping the previous (no scalar tail: the runs are short, 5 scalars for a
 * 5 × 5 kernel on one channel).
 */
@inline function copyRun(dst: usize, src: usize, n: i32): void {
  if (n < LANES) {
    for (let i = 0; i < n; i++) set(dst, i, get(src, i));
    return;
  }
  let i = 0;
  for (; i + LANES <= n; i += LANES) v128.store(at(dst, i), v128.load(at(src, i)));
  if (i < n) v128.store(at(dst, n - LANES), v128.load(at(src, n - LANES)));
}

@inline function zeroReals(dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) set(dst, i, 0);
}

/**
 * The adjoint of im2col's rows [r0, r0 + rows): dx += scatter of dcol (the caller zeroes dx).
 * Rows inside the image with all channels are KH runs of KW·C added by vectors.
 */
export function col2im(
  dcol: usize, r0: i32, rows: i32, H: i32, W: i32, C: i32, c0: i32, Cg: i32, KH: i32, KW: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, OH: i32, OW: i32, dx: usize,
): void {
  const K = KH * KW * Cg;
  const run = KW * Cg;
  const runBytes = <usize>run << SHIFT;
  const lineBytes = <usize>(W * C) << SHIFT;
  let b = r0 / (OH * OW);
  const q = r0 % (OH * OW);
  let oy = q / OW, ox = q % OW;
  let src = dcol;
  for (let r = 0; r < rows; r++) {
    const xb = at(dx, b * H * W * C + c0);
    const ix0 = ox * sw - pl, iy0 = oy * sh - pt;
    if (Cg == C && ix0 >= 0 && ix0 + KW <= W && iy0 >= 0 && iy0 + KH <= H) {
      let dst = at(xb, (iy0 * W + ix0) * C);
      for (let ky = 0; ky < KH; ky++) {
        addReals(dst, src + <usize>ky * runBytes, run);
        dst += lineBytes;
      }
    } else {
      let k = 0;
      for (let ky = 0; ky < KH; ky++) {
        const iy = iy0 + ky;
        for (let kx = 0; kx < KW; kx++) {
          const ix = ix0 + kx;
          if (iy >= 0 && iy < H && ix >= 0 && ix < W) addReals(at(xb, (iy * W + ix) * C), at(src, k), Cg);
          k += Cg;
        }
      }
    }
    src += <usize>K << SHIFT;
    if (++ox == OW) {
      ox = 0;
      if (++oy == OH) {
        oy = 0;
        b++;
      }
    }
  }
}

/**
 * Max pooling; argmax[o] records the winning input index within the sample (the first of equal
 * maxima). The f32 build takes 4 channels per vector (NHWC: a window's channels are adjacent).
 */
export function maxPool(
  x: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, sh: i32, sw: i32,
  OH: i32, OW: i32, y: usize, argmax: usize,
): void {
  const CV = sizeof<Real>() == 4 ? C & ~3 : 0;
  for (let b = 0; b < B; b++) {
    const xb = at(x, b * H * W * C);
    const ob = b * OH * OW * C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const o0 = ob + (oy * OW + ox) * C;
        const w0 = (oy * sh * W + ox * sw) * C;
        for (let c = 0; c < CV; c += 4) {
          let best = v128.load(at(xb, w0 + c));
          let arg = i32x4.add(i32x4.splat(w0 + c), i32x4(0, 1, 2, 3));
          for (let ky = 0; ky < KH; ky++) {
            for (let kx = 0; kx < KW; kx++) {
              const idx = ((oy * sh + ky) * W + ox * sw + kx) * C + c;
              const v = v128.load(at(xb, idx));
              const m = f32x4.gt(v, best);
              best = v128.bitselect(v, best, m);
              arg = v128.bitselect(i32x4.add(i32x4.splat(idx), i32x4(0, 1, 2, 3)), arg, m);
            }
          }
          v128.store(at(y, o0 + c), best);
          v128.store(argmax + (<usize>(o0 + c) << 2), arg);
        }
        for (let c = CV; c < C; c++) {
          let best = w0 + c;
          let bv = get(xb, best);
          for (let ky = 0; ky < KH; ky++) {
            for (let kx = 0; kx < KW; kx++) {
              const idx = ((oy * sh + ky) * W + ox * sw + kx) * C + c;
              const v = get(xb, idx);
              if (v > bv) { bv = v; best = idx; }
            }
          }
          set(y, o0 + c, bv);
          store<i32>(argmax + (<usize>(o0 + c) << 2), best);
        }
      }
    }
  }
}

export function maxPoolBackward(
  dy: usize, B: i32, inSize: i32, outSize: i32, argmax: usize, dx: usize,
): void {
  memory.fill(dx, 0, <usize>(B * inSize) * sizeof<Real>());
  for (let b = 0; b < B; b++) {
    const xb = at(dx, b * inSize);
    for (let j = 0; j < outSize; j++) {
      const o = b * outSize + j;
      const idx = load<i32>(argmax + (<usize>o << 2));
      set(xb, idx, get(xb, idx) + get(dy, o));
    }
  }
}

/** Average pooling; `backward` selects the adjoint (dy → dx) instead of the forward map. */
export function avgPool(
  x: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, sh: i32, sw: i32,
  OH: i32, OW: i32, y: usize, backward: bool,
): void {
  const inv = <Real>1 / <Real>(KH * KW);
  if (backward) memory.fill(x, 0, <usize>(B * H * W * C) * sizeof<Real>());
  for (let b = 0; b < B; b++) {
    const xb = at(x, b * H * W * C);
    const ob = b * OH * OW * C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c = 0; c < C; c++) {
          const o = ob + (oy * OW + ox) * C + c;
          let s: Real = 0;
          const g = backward ? get(y, o) * inv : <Real>0;
          for (let ky = 0; ky < KH; ky++) {
            for (let kx = 0; kx < KW; kx++) {
              const idx = ((oy * sh + ky) * W + ox * sw + kx) * C + c;
              if (backward) set(xb, idx, get(xb, idx) + g);
              else s += get(xb, idx);
            }
          }
          if (!backward) set(y, o, s * inv);
        }
      }
    }
  }
}
