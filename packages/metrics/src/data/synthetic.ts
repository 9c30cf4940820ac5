// Seeded synthetic data sets: the toy Gaussian mixture of docs/reproduction.md §1 and a CIFAR-shaped set
// with learnable structure (for tests and demos without downloads). Browser-safe.

import { PacgenError, Random } from '@pacgen/core-wasm';
import type { DataSplit, Dataset } from './dataset.js';

/** A mixture of 2-D Gaussians: weights sum to 1; covariances are [[a, b], [b, c]]. */
export interface GaussianMixture {
  weights: number[];
  means: [number, number][];
  covariances: [[number, number], [number, number]][];
}

/** The default k = 3 mixture of the toy experiment (our choice of parameters). */
export const TOY_MIXTURE: GaussianMixture = {
  weights: [0.35, 0.4, 0.25],
  means: [
    [-1.2, 0.6],
    [0.8, -0.9],
    [1.1, 1.3],
  ],
  covariances: [
    [
      [0.45, 0.15],
      [0.15, 0.3],
    ],
    [
      [0.5, -0.2],
      [-0.2, 0.35],
    ],
    [
      [0.2, 0],
      [0, 0.4],
    ],
  ],
};

interface Prepared {
  w: number[];
  mean: [number, number][];
  /** Cholesky factor [l11, l21, l22] and inverse covariance [i11, i12, i22], normaliser. */
  chol: [number, number, number][];
  inv: [number, number, number][];
  norm: number[];
}

function prepare(m: GaussianMixture): Prepared {
  const k = m.weights?.length ?? 0;
  if (k < 1 || m.means?.length !== k || m.covariances?.length !== k) {
    throw new PacgenError(
      `a Gaussian mixture needs as many means and covariances as weights (got ${k} weights, ${m.means?.length} means, ${m.covariances?.length} covariances)`,
    );
  }
  const total = m.weights.reduce((a, b) => a + b, 0);
  if (m.weights.some((w) => !(w >= 0)) || !(Math.abs(total - 1) < 1e-9)) {
    throw new PacgenError(`mixture weights must be ≥ 0 and sum to 1, got [${m.weights}]`);
  }
  const p: Prepared = { w: m.weights, mean: m.means, chol: [], inv: [], norm: [] };
  m.covariances.forEach(([[a, b], [b2, c]], i) => {
    const det = a * c - b * b;
    if (b !== b2 || !(a > 0) || !(det > 0)) {
      throw new PacgenError(`mixture covariance ${i} is not symmetric positive definite`);
    }
    const l11 = Math.sqrt(a);
    const l21 = b / l11;
    p.chol.push([l11, l21, Math.sqrt(c - l21 * l21)]);
    p.inv.push([c / det, -b / det, a / det]);
    p.norm.push(1 / (2 * Math.PI * Math.sqrt(det)));
  });
  return p;
}

function density(p: Prepared, x1: number, x2: number): number {
  let s = 0;
  for (let j = 0; j < p.w.length; j++) {
    const d1 = x1 - p.mean[j][0];
    const d2 = x2 - p.mean[j][1];
    const [i11, i12, i22] = p.inv[j];
    s += p.w[j] * p.norm[j] * Math.exp(-0.5 * (i11 * d1 * d1 + 2 * i12 * d1 * d2 + i22 * d2 * d2));
  }
  return s;
}

function sample(p: Prepared, n: number, rng: Random): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let j = 0;
    while (j < p.w.length - 1 && u >= p.w[j]) u -= p.w[j++];
    const z1 = rng.normal();
    const z2 = rng.normal();
    const [l11, l21, l22] = p.chol[j];
    out[2 * i] = p.mean[j][0] + l11 * z1;
    out[2 * i + 1] = p.mean[j][1] + l21 * z1 + l22 * z2;
  }
  return out;
}

/** The mixture density p(x1, x2). */
export function mixtureDensity(
  mixture: GaussianMixture = TOY_MIXTURE,
): (x1: number, x2: number) => number {
  const p = prepare(mixture);
  return (x1, x2) => density(p, x1, x2);
}

/** n seeded draws from the mixture, as [x1, x2] pairs in one array (length 2n). */
export function sampleMixture(mixture: GaussianMixture, n: number, seed: number): Float64Array {
  return sample(prepare(mixture), n, new Random(seed));
}

const thresholds = new WeakMap<GaussianMixture, number>();

/**
 * The median of p(X) for X ~ p: the threshold between the two toy classes. Estimated once per
 * mixture from 200,000 draws of a fixed stream, so train, test and any later sample share it.
 */
export function mixtureMedianDensity(mixture: GaussianMixture = TOY_MIXTURE): number {
  const cached = thresholds.get(mixture);
  if (cached !== undefined) return cached;
  const p = prepare(mixture);
  const n = 200_000;
  const xs = sample(p, n, new Random(0x5eed));
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = density(p, xs[2 * i], xs[2 * i + 1]);
  d.sort();
  const t = 0.5 * (d[n / 2 - 1] + d[n / 2]);
  thresholds.set(mixture, t);
  return t;
}

export interface ToyOptions {
  /** Training samples (default 100, as in the paper). */
  train?: number;
  /** Test samples (default 1000). */
  test?: number;
  /** Default 0. */
  seed?: number;
  mixture?: GaussianMixture;
}

/** The toy split plus what its plots need. */
export interface ToyData extends DataSplit {
  mixture: GaussianMixture;
  /** p(x1, x2). */
  density: (x1: number, x2: number) => number;
  /** The class threshold on p (its median under p). */
  threshold: number;
  /** The true label of a point: 1 when p(x) > threshold. */
  label: (x1: number, x2: number) => 0 | 1;
}

/**
 * The toy data of docs/reproduction.md §1: x ~ a k = 3 Gaussian mixture in 2-D, label 1 where the mixture
 * density exceeds its median, else 0. Targets are 0/1 reals for the sigmoid-bce loss.
 */
export function toyGaussianMixture(opts: ToyOptions = {}): ToyData {
  const mixture = opts.mixture ?? TOY_MIXTURE;
  const p = prepare(mixture);
  const threshold = mixtureMedianDensity(mixture);
  const make = (n: number, name: string): Dataset => {
    if (!Number.isInteger(n) || n < 1) {
      throw new PacgenError(`toy ${name} size must be a positive integer, got ${n}`);
    }
    const rng = streamFor(opts.seed ?? 0, name);
    const xs = sample(p, n, rng);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = density(p, xs[2 * i], xs[2 * i + 1]) > threshold ? 1 : 0;
    return { name: `toy-${name}`, x: Float32Array.from(xs), y, n, inputShape: [2], numClasses: 2 };
  };
  const train = make(opts.train ?? 100, 'train');
  const test = make(opts.test ?? 1000, 'test');
  return {
    train,
    test,
    mixture,
    threshold,
    density: (x1, x2) => density(p, x1, x2),
    label: (x1, x2) => (density(p, x1, x2) > threshold ? 1 : 0),
  };
}

/** Train and test draw from separate streams, so neither depends on the other's size. */
function streamFor(seed: number, split: string): Random {
  if (!Number.isFinite(seed)) throw new PacgenError(`seed must be a finite number, got ${seed}`);
  return new Random(split === 'train' ? seed : (seed ^ 0x2545f491) | 0);
}

export interface CifarLikeOptions {
  /** Default 1000. */
  train?: number;
  /** Default 500. */
  test?: number;
  /** Default 0. */
  seed?: number;
  /** Default 10. */
  numClasses?: number;
  /** Standard deviation of the per-pixel noise (default 0.2). */
  noise?: number;
}

/**
 * A CIFAR-shaped set (32×32×3 in [0, 1], HWC): each class has its own grating orientation and
 * frequency, colour tint and blob position; each sample draws a random phase, amplitude, tint
 * jitter, blob offset and pixel noise. Colour alone separates classes partly (a nearest-mean
 * classifier does well above chance); orientation needs a convolution to use.
 */
export function cifarLike(opts: CifarLikeOptions = {}): DataSplit {
  const K = opts.numClasses ?? 10;
  const noise = opts.noise ?? 0.2;
  if (!Number.isInteger(K) || K < 2) {
    throw new PacgenError(`numClasses must be an integer ≥ 2, got ${K}`);
  }
  if (!(noise >= 0)) throw new PacgenError(`noise must be ≥ 0, got ${noise}`);
  const classes = Array.from({ length: K }, (_, c) => {
    const hue = (2 * Math.PI * c) / K;
    const angle = (Math.PI * c) / K;
    return {
      cos: Math.cos(angle),
      sin: Math.sin(angle),
      freq: 3 + (c % 3),
      tint: [0, 1, 2].map((ch) => 0.08 * Math.cos(hue - (2 * Math.PI * ch) / 3)),
      blob: [16 + 8 * Math.cos(hue * 3), 16 + 8 * Math.sin(hue * 3)],
    };
  });
  const make = (n: number, name: string): Dataset => {
    if (!Number.isInteger(n) || n < 1) {
      throw new PacgenError(`cifar-like ${name} size must be a positive integer, got ${n}`);
    }
    const rng = streamFor(opts.seed ?? 0, name);
    const x = new Float32Array(n * 3072);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = rng.int(K);
      y[i] = c;
      const k = classes[c];
      const phase = 2 * Math.PI * rng.uniform();
      const amp = 0.15 + 0.15 * rng.uniform();
      const tint = k.tint.map((t) => t + 0.06 * rng.normal());
      const by = k.blob[0] + 3 * rng.normal();
      const bx = k.blob[1] + 3 * rng.normal();
      const o = i * 3072;
      for (let h = 0; h < 32; h++) {
        for (let w = 0; w < 32; w++) {
          const g = amp * Math.sin((2 * Math.PI * k.freq * (h * k.cos + w * k.sin)) / 32 + phase);
          const blob = 0.2 * Math.exp(-((h - by) ** 2 + (w - bx) ** 2) / 32);
          for (let ch = 0; ch < 3; ch++) {
            const v = 0.5 + tint[ch] + g + blob * (1 + 4 * k.tint[ch]) + noise * rng.normal();
            x[o + (h * 32 + w) * 3 + ch] = Math.min(1, Math.max(0, v));
          }
        }
      }
    }
    return { name: `cifar-like-${name}`, x, y, n, inputShape: [32, 32, 3], numClasses: K };
  };
  return { train: make(opts.train ?? 1000, 'train'), test: make(opts.test ?? 500, 'test') };
}
