// 2-D convolution (NHWC, kernel [kh, kw, cin / groups, cout]) as im2col + matrix multiplies
// over blocks of output pixels (conv-layer.ts), and valid-padding max / average pooling.

import { LANES, SHIFT, addReals, at, get, set } from './vector';

/**
 * Rows [r0, r0 + rows) of the columns: col[r − r0, (ky·KW + kx)·Cg + c] = x[b, oy·sh + ky − pt,
 * ox·sw + kx − pl, c0 + c] for r = (b·OH + oy)·OW + ox, zero outside the image: the Cg channels
 * from c0 of a C-channel input (one group of a grouped convolution; all of them when Cg = C).
 */
export function im2col(
  x: usize, r0: i32, rows: i32, H: i32, W: i32, C: i32, c0: i32, Cg: i32, KH: i32, KW: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, OH: i32, OW: i32, col: usize,
): void {
  const K = KH * KW * Cg;
  const runBytes = <usize>(KW * Cg) << SHIFT;
  for (let r = r0; r < r0 + rows; r++) {
    const b = r / (OH * OW), q = r % (OH * OW);
    const oy = q / OW, ox = q % OW;
    const xb = at(x, b * H * W * C + c0);
    let dst = at(col, (r - r0) * K);
    const ix0 = ox * sw - pl;
    // Valid kx range [k0, k1): inside it, one kernel row is one contiguous run of the input
    // when all channels are taken, else one run of Cg per pixel.
    const k0 = max(0, -ix0);
    const k1 = min(KW, W - ix0);
    for (let ky = 0; ky < KH; ky++) {
      const iy = oy * sh + ky - pt;
      if (iy < 0 || iy >= H || k0 >= k1) {
        zeroReals(dst, KW * Cg);
      } else {
        if (k0 > 0) zeroReals(dst, k0 * Cg);
        const src = at(xb, (iy * W + ix0) * C);
        if (Cg == C) copyReals(at(dst, k0 * C), at(src, k0 * C), (k1 - k0) * C);
        else {
          for (let kx = k0; kx < k1; kx++) copyReals(at(dst, kx * Cg), at(src, kx * C), Cg);
        }
        if (k1 < KW) zeroReals(at(dst, k1 * Cg), (KW - k1) * Cg);
      }
      dst += runBytes;
    }
  }
}

/** n scalars from src to dst (non-overlapping), by vectors: short runs make memory.copy's call cost dominate. */
@inline function copyReals(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + LANES <= n; i += LANES) v128.store(at(dst, i), v128.load(at(src, i)));
  for (; i < n; i++) set(dst, i, get(src, i));
}

@inline function zeroReals(dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) set(dst, i, 0);
}

/** The adjoint of im2col's rows [r0, r0 + rows): dx += scatter of dcol (the caller zeroes dx). */
export function col2im(
  dcol: usize, r0: i32, rows: i32, H: i32, W: i32, C: i32, c0: i32, Cg: i32, KH: i32, KW: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, OH: i32, OW: i32, dx: usize,
): void {
  const K = KH * KW * Cg;
  for (let r = r0; r < r0 + rows; r++) {
    const b = r / (OH * OW), q = r % (OH * OW);
    const oy = q / OW, ox = q % OW;
    const xb = at(dx, b * H * W * C + c0);
    let k = (r - r0) * K;
    for (let ky = 0; ky < KH; ky++) {
      const iy = oy * sh + ky - pt;
      for (let kx = 0; kx < KW; kx++) {
        const ix = ox * sw + kx - pl;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W) addReals(at(xb, (iy * W + ix) * C), at(dcol, k), Cg);
        k += Cg;
      }
    }
  }
}

/** Max pooling; argmax[o] records the winning input index within the sample. */
export function maxPool(
  x: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, sh: i32, sw: i32,
  OH: i32, OW: i32, y: usize, argmax: usize,
): void {
  for (let b = 0; b < B; b++) {
    const xb = at(x, b * H * W * C);
    const ob = b * OH * OW * C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c = 0; c < C; c++) {
          let best = (oy * sh * W + ox * sw) * C + c;
          let bv = get(xb, best);
          for (let ky = 0; ky < KH; ky++) {
            for (let kx = 0; kx < KW; kx++) {
              const idx = ((oy * sh + ky) * W + ox * sw + kx) * C + c;
              const v = get(xb, idx);
              if (v > bv) { bv = v; best = idx; }
            }
          }
          const o = ob + (oy * OW + ox) * C + c;
          set(y, o, bv);
          store<i32>(argmax + (<usize>o << 2), best);
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
