// Normalization over the last (channel) axis: batch normalization (statistics per channel over
// the chunk's samples and pixels in training mode, the running buffers otherwise) and layer
// normalization (statistics per row of channels). Sums are taken in f64 in both builds.

import { at, get, set } from './vector';

// Batch norm scratch (aux), Ch reals each: the mean and 1/σ in use, then 2·Ch f64 sums.
@inline function f64At(aux: usize, Ch: i32, i: i32): usize {
  return aux + (<usize>(2 * Ch) * sizeof<Real>()) + (<usize>i << 3);
}

/**
 * y = γ·(x − μ)/σ + β over M rows of Ch channels. Training: μ and the biased variance of the
 * batch, and the buffers (running mean and variance at `buf`) move towards the batch's
 * statistics by `momentum`, the variance unbiased (PyTorch). Otherwise μ and σ² are the buffers.
 * gamma/beta are 0 when absent (γ = 1, β = 0).
 */
export function batchNormForward(
  x: usize, M: i32, Ch: i32, gamma: usize, beta: usize, buf: usize, aux: usize,
  eps: f64, momentum: f64, training: bool, y: usize,
): void {
  const mean = aux, inv = at(aux, Ch);
  if (training) {
    for (let c = 0; c < 2 * Ch; c++) store<f64>(f64At(aux, Ch, c), 0);
    for (let r = 0; r < M; r++) {
      const row = at(x, r * Ch);
      for (let c = 0; c < Ch; c++) {
        const p = f64At(aux, Ch, c);
        store<f64>(p, load<f64>(p) + <f64>get(row, c));
      }
    }
    for (let c = 0; c < Ch; c++) set(mean, c, <Real>(load<f64>(f64At(aux, Ch, c)) / <f64>M));
    for (let r = 0; r < M; r++) {
      const row = at(x, r * Ch);
      for (let c = 0; c < Ch; c++) {
        const p = f64At(aux, Ch, Ch + c);
        const e = <f64>(get(row, c) - get(mean, c));
        store<f64>(p, load<f64>(p) + e * e);
      }
    }
    for (let c = 0; c < Ch; c++) {
      const ss = load<f64>(f64At(aux, Ch, Ch + c));
      set(inv, c, <Real>(1.0 / Math.sqrt(ss / <f64>M + eps)));
      const unbiased = M > 1 ? ss / <f64>(M - 1) : ss;
      set(buf, c, <Real>((1 - momentum) * <f64>get(buf, c) + momentum * <f64>get(mean, c)));
      set(buf, Ch + c, <Real>((1 - momentum) * <f64>get(buf, Ch + c) + momentum * unbiased));
    }
  } else {
    for (let c = 0; c < Ch; c++) {
      set(mean, c, get(buf, c));
      set(inv, c, <Real>(1.0 / Math.sqrt(<f64>get(buf, Ch + c) + eps)));
    }
  }
  for (let r = 0; r < M; r++) {
    const row = at(x, r * Ch), out = at(y, r * Ch);
    for (let c = 0; c < Ch; c++) {
      const g = gamma ? get(gamma, c) : <Real>1;
      const b = beta ? get(beta, c) : <Real>0;
      set(out, c, (get(row, c) - get(mean, c)) * get(inv, c) * g + b);
    }
  }
}

/**
 * Adds dβ = Σ d and dγ = Σ d·x̂ into gBeta/gGamma (when non-zero) and writes (or adds, `acc`)
 * dx. Inference: dx = d·γ/σ. Training, where μ and σ depend on the batch:
 * dx = γ/σ · (d − mean(d) − x̂·mean(d·x̂)).
 */
export function batchNormBackward(
  x: usize, d: usize, M: i32, Ch: i32, gamma: usize, gGamma: usize, gBeta: usize, aux: usize,
  training: bool, dx: usize, acc: bool,
): void {
  const mean = aux, inv = at(aux, Ch);
  for (let c = 0; c < 2 * Ch; c++) store<f64>(f64At(aux, Ch, c), 0);
  for (let r = 0; r < M; r++) {
    const row = at(x, r * Ch), dr = at(d, r * Ch);
    for (let c = 0; c < Ch; c++) {
      const g = <f64>get(dr, c);
      const xh = <f64>((get(row, c) - get(mean, c)) * get(inv, c));
      const p = f64At(aux, Ch, c), q = f64At(aux, Ch, Ch + c);
      store<f64>(p, load<f64>(p) + g);
      store<f64>(q, load<f64>(q) + g * xh);
    }
  }
  for (let c = 0; c < Ch; c++) {
    if (gBeta) set(gBeta, c, get(gBeta, c) + <Real>load<f64>(f64At(aux, Ch, c)));
    if (gGamma) set(gGamma, c, get(gGamma, c) + <Real>load<f64>(f64At(aux, Ch, Ch + c)));
  }
  if (!dx) return;
  const invM = 1.0 / <f64>M;
  for (let r = 0; r < M; r++) {
    const row = at(x, r * Ch), dr = at(d, r * Ch), out = at(dx, r * Ch);
    for (let c = 0; c < Ch; c++) {
      const s = (gamma ? get(gamma, c) : <Real>1) * get(inv, c);
      let v = get(dr, c);
      if (training) {
        const xh = (get(row, c) - get(mean, c)) * get(inv, c);
        v = v - <Real>(load<f64>(f64At(aux, Ch, c)) * invM)
          - xh * <Real>(load<f64>(f64At(aux, Ch, Ch + c)) * invM);
      }
      set(out, c, acc ? get(out, c) + s * v : s * v);
    }
  }
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
