// Normalization over the last (channel) axis: batch normalization (statistics per channel over
// the chunk's samples and pixels in training mode, the running buffers otherwise) and layer
// normalization (statistics per row of channels). Sums are taken in f64 in both builds.

import { LANES, SHIFT, at, get, set, vadd, vmul, vsub } from './vector';

// Batch norm scratch (aux), Ch reals each: the mean and 1/σ in use, three per-channel
// coefficients, two block partial sums; then two f64 sums per channel. 11·Ch reals hold it.
const MEAN = 0, INV = 1, CA = 2, CB = 3, CC = 4, PA = 5, PB = 6;
/** Rows summed in the build's precision (by vectors) before a block is added in f64. */
const BLOCK = 64;

@inline function slot(aux: usize, Ch: i32, k: i32): usize {
  return at(aux, k * Ch);
}

@inline function sum64(aux: usize, Ch: i32, k: i32, c: i32): usize {
  return aux + (<usize>(7 * Ch) << SHIFT) + (<usize>(k * Ch + c) << 3);
}

/**
 * Per channel, over M rows: sums 0 and 1 (f64, in aux) of a and b, where a = x − m and
 * b = (x − m)² when d is 0, else a = d and b = d·(x − m); m is the MEAN slot. By vectors, in
 * blocks of BLOCK rows summed in the build's precision.
 */
function channelSums(x: usize, d: usize, M: i32, Ch: i32, aux: usize): void {
  const m = slot(aux, Ch, MEAN), pa = slot(aux, Ch, PA), pb = slot(aux, Ch, PB);
  for (let c = 0; c < 2 * Ch; c++) store<f64>(sum64(aux, Ch, 0, c), 0);
  for (let r0 = 0; r0 < M; r0 += BLOCK) {
    memory.fill(pa, 0, <usize>(2 * Ch) << SHIFT); // pa and pb are adjacent
    const r1 = min(M, r0 + BLOCK);
    for (let r = r0; r < r1; r++) {
      const xr = at(x, r * Ch), dr = d ? at(d, r * Ch) : 0;
      let c = 0;
      for (; c + LANES <= Ch; c += LANES) {
        const e = vsub(v128.load(at(xr, c)), v128.load(at(m, c)));
        const u = d ? v128.load(at(dr, c)) : e;
        v128.store(at(pa, c), vadd(v128.load(at(pa, c)), u));
        v128.store(at(pb, c), vadd(v128.load(at(pb, c)), vmul(u, e)));
      }
      for (; c < Ch; c++) {
        const e = get(xr, c) - get(m, c);
        const u = d ? get(dr, c) : e;
        set(pa, c, get(pa, c) + u);
        set(pb, c, get(pb, c) + u * e);
      }
    }
    for (let c = 0; c < Ch; c++) {
      const p = sum64(aux, Ch, 0, c), q = sum64(aux, Ch, 1, c);
      store<f64>(p, load<f64>(p) + <f64>get(pa, c));
      store<f64>(q, load<f64>(q) + <f64>get(pb, c));
    }
  }
}

/** out (+)= x·A + (y − m)·B + C per row, with per-channel A, B, C (y = 0 skips the middle term). */
function affineRows(
  x: usize, y: usize, M: i32, Ch: i32, aux: usize, out: usize, acc: bool,
): void {
  const A = slot(aux, Ch, CA), Bc = slot(aux, Ch, CB), Cc = slot(aux, Ch, CC), m = slot(aux, Ch, MEAN);
  for (let r = 0; r < M; r++) {
    const xr = at(x, r * Ch), yr = y ? at(y, r * Ch) : 0, o = at(out, r * Ch);
    let c = 0;
    for (; c + LANES <= Ch; c += LANES) {
      let v = vadd(vmul(v128.load(at(xr, c)), v128.load(at(A, c))), v128.load(at(Cc, c)));
      if (y) v = vadd(v, vmul(vsub(v128.load(at(yr, c)), v128.load(at(m, c))), v128.load(at(Bc, c))));
      if (acc) v = vadd(v, v128.load(at(o, c)));
      v128.store(at(o, c), v);
    }
    for (; c < Ch; c++) {
      let v = get(xr, c) * get(A, c) + get(Cc, c);
      if (y) v += (get(yr, c) - get(m, c)) * get(Bc, c);
      set(o, c, acc ? get(o, c) + v : v);
    }
  }
}

/**
 * y = γ·(x − μ)/σ + β over M rows of Ch channels. Training: μ and the biased variance of the
 * batch, and the buffers (running mean and variance at `buf`) move towards the batch's
 * statistics by `momentum`, the variance unbiased (PyTorch). Otherwise μ and σ² are the buffers.
 * gamma/beta are 0 when absent (γ = 1, β = 0). Cost: three passes over x in training, one else.
 */
export function batchNormForward(
  x: usize, M: i32, Ch: i32, gamma: usize, beta: usize, buf: usize, aux: usize,
  eps: f64, momentum: f64, training: bool, y: usize,
): void {
  const mean = slot(aux, Ch, MEAN), inv = slot(aux, Ch, INV);
  if (training) {
    memory.fill(mean, 0, <usize>Ch << SHIFT);
    channelSums(x, 0, M, Ch, aux);
    for (let c = 0; c < Ch; c++) set(mean, c, <Real>(load<f64>(sum64(aux, Ch, 0, c)) / <f64>M));
    // Centred on the mean in f32 (Real) rounding: Σ (x − μ) is then ≈ 0 and
    // Σ (x − μ)² carries no cancellation; μ itself is refined by that residual.
    channelSums(x, 0, M, Ch, aux);
    for (let c = 0; c < Ch; c++) {
      const r = load<f64>(sum64(aux, Ch, 0, c)) / <f64>M;
      const mu = <f64>get(mean, c) + r;
      const ss = load<f64>(sum64(aux, Ch, 1, c)) - <f64>M * r * r;
      set(mean, c, <Real>mu);
      set(inv, c, <Real>(1.0 / Math.sqrt(ss / <f64>M + eps)));
      const unbiased = M > 1 ? ss / <f64>(M - 1) : ss;
      set(buf, c, <Real>((1 - momentum) * <f64>get(buf, c) + momentum * mu));
      set(buf, Ch + c, <Real>((1 - momentum) * <f64>get(buf, Ch + c) + momentum * unbiased));
    }
  } else {
    for (let c = 0; c < Ch; c++) {
      set(mean, c, get(buf, c));
      set(inv, c, <Real>(1.0 / Math.sqrt(<f64>get(buf, Ch + c) + eps)));
    }
  }
  // y = x·A + C with A = γ/σ, C = β − A·μ.
  for (let c = 0; c < Ch; c++) {
    const A = (gamma ? get(gamma, c) : <Real>1) * get(inv, c);
    set(slot(aux, Ch, CA), c, A);
    set(slot(aux, Ch, CC), c, (beta ? get(beta, c) : <Real>0) - A * get(mean, c));
  }
  affineRows(x, 0, M, Ch, aux, y, false);
}

/**
 * Adds dβ = Σ d and dγ = Σ d·x̂ into gBeta/gGamma (when non-zero) and writes (or adds, `acc`)
 * dx. Inference: dx = d·γ/σ. Training, where μ and σ depend on the batch:
 * dx = γ/σ · (d − mean(d) − x̂·mean(d·x̂)). Cost: two passes over x and d.
 */
export function batchNormBackward(
  x: usize, d: usize, M: i32, Ch: i32, gamma: usize, gGamma: usize, gBeta: usize, aux: usize,
  training: bool, dx: usize, acc: bool,
): void {
  const inv = slot(aux, Ch, INV);
  channelSums(x, d, M, Ch, aux);
  const invM = 1.0 / <f64>M;
  for (let c = 0; c < Ch; c++) {
    const sd = load<f64>(sum64(aux, Ch, 0, c));
    const sdx = load<f64>(sum64(aux, Ch, 1, c)) * <f64>get(inv, c); // Σ d·x̂
    if (gBeta) set(gBeta, c, get(gBeta, c) + <Real>sd);
    if (gGamma) set(gGamma, c, get(gGamma, c) + <Real>sdx);
    // dx = d·A + (x − μ)·B + C.
    const A = <f64>(gamma ? get(gamma, c) : <Real>1) * <f64>get(inv, c);
    set(slot(aux, Ch, CA), c, <Real>A);
    set(slot(aux, Ch, CB), c, training ? <Real>(-A * <f64>get(inv, c) * sdx * invM) : <Real>0);
    set(slot(aux, Ch, CC), c, training ? <Real>(-A * sd * invM) : <Real>0);
  }
  if (dx) affineRows(d, training ? x : 0, M, Ch, aux, dx, acc);
}

/** y = γ·(x − μ)/σ + β per row of Ch values; aux keeps each row's μ and 1/σ. */
export function layerNormForward(
  x: usize, M: i32, Ch: i32, gamma: usize, beta: usize, aux: usize, eps: f64, y: usize,
): void {
  for (let r = 0; r < M; r++) {
    const row = at(x, r * Ch), out = at(y, r * Ch);
    let s: f64 = 0;
    for (let c = 0; c < Ch; c++) s += <f64>get(row, c);
    const mu = s / <f64>Ch;
    let ss: f64 = 0;
    for (let c = 0; c < Ch; c++) {
      const e = <f64>get(row, c) - mu;
      ss += e * e;
    }
    const inv = 1.0 / Math.sqrt(ss / <f64>Ch + eps);
    set(aux, 2 * r, <Real>mu);
    set(aux, 2 * r + 1, <Real>inv);
    for (let c = 0; c < Ch; c++) {
      set(out, c, <Real>((<f64>get(row, c) - mu) * inv) * get(gamma, c) + get(beta, c));
    }
  }
}

/** dγ += Σ d·x̂, dβ += Σ d; dx (+)= (1/σ)·(g − mean(g) − x̂·mean(g·x̂)) with g = d·γ, per row. */
export function layerNormBackward(
  x: usize, d: usize, M: i32, Ch: i32, gamma: usize, gGamma: usize, gBeta: usize, aux: usize,
  dx: usize, acc: bool,
): void {
  for (let r = 0; r < M; r++) {
    const row = at(x, r * Ch), dr = at(d, r * Ch);
    const mu = get(aux, 2 * r), inv = get(aux, 2 * r + 1);
    let m1: f64 = 0, m2: f64 = 0;
    for (let c = 0; c < Ch; c++) {
      const xh = (get(row, c) - mu) * inv;
      const g = get(dr, c);
      set(gGamma, c, get(gGamma, c) + g * xh);
      set(gBeta, c, get(gBeta, c) + g);
      const gh = <f64>(g * get(gamma, c));
      m1 += gh;
      m2 += gh * <f64>xh;
    }
    if (!dx) continue;
    const a = <Real>(m1 / <f64>Ch), b = <Real>(m2 / <f64>Ch);
    const out = at(dx, r * Ch);
    for (let c = 0; c < Ch; c++) {
      const xh = (get(row, c) - mu) * inv;
      const v = inv * (get(dr, c) * get(gamma, c) - a - xh * b);
      set(out, c, acc ? get(out, c) + v : v);
    }
  }
}
