// Test objectives with known Hessians, small seeded networks, and an independent reference
// Hessian of any Objective by Richardson-extrapolated differences of its analytic gradient.

import { hvpStep, Network, Random, type Activation, type LayerSpec } from '@pacgen/core-wasm';
import { EigenvalueDecomposition, Matrix, QrDecomposition } from 'ml-matrix';
import type { Dataset } from '../src/data/dataset.js';
import { networkObjective, type Objective } from '../src/index.js';

type Vec = Float64Array;

/**
 * An f64 Objective from a loss and its gradient, with the engine's finite-difference HVP rule
 * (central differences, step hvpStep('f64', v, w)), so the estimators see the same kind of
 * noise as on a network.
 */
export function functionObjective(
  m: number,
  loss: (w: ArrayLike<number>) => number,
  grad: (w: ArrayLike<number>) => Vec,
): Objective {
  const central = (w: ArrayLike<number>, v: ArrayLike<number>, t: number) => {
    const a = grad(Float64Array.from(w, (x, i) => x + t * v[i]));
    const b = grad(Float64Array.from(w, (x, i) => x - t * v[i]));
    return a.map((x, i) => (x - b[i]) / (2 * t));
  };
  return {
    numParams: m,
    tensors: [{ name: 'w', shape: [m], offset: 0, size: m }],
    numSamples: 1,
    precision: 'f64',
    params: () => new Float64Array(m),
    loss: async (w) => loss(w),
    gradient: async (w) => ({ loss: loss(w), grad: grad(w) }),
    async hvp(w, v, request = {}) {
      const t = request.step ?? hvpStep('f64', v, w);
      const d1 = central(w, v, t);
      if (!request.richardson) return d1;
      const d2 = central(w, v, 2 * t);
      return d1.map((x, i) => (4 * x - d2[i]) / 3);
    },
  };
}

export function matVec(A: readonly Vec[], v: ArrayLike<number>): Vec {
  return Float64Array.from(A, (row) => row.reduce((s, a, j) => s + a * v[j], 0));
}

/** f(w) = ½wᵀAw + bᵀw: Hessian A everywhere. */
export function quadraticObjective(A: readonly Vec[], b?: ArrayLike<number>): Objective {
  const m = A.length;
  const grad = (w: ArrayLike<number>) => matVec(A, w).map((x, i) => x + (b?.[i] ?? 0));
  const loss = (w: ArrayLike<number>) => {
    const Aw = matVec(A, w);
    let s = 0;
    for (let i = 0; i < m; i++) s += 0.5 * w[i] * Aw[i] + (b?.[i] ?? 0) * w[i];
    return s;
  };
  return functionObjective(m, loss, grad);
}

/** f(w) = Σ c_i w_i³/6 + ½wᵀAw: Hessian diag(c ⊙ w) + A, so H(w + d) − H(w) = diag(c ⊙ d). */
export function cubicObjective(c: ArrayLike<number>, A: readonly Vec[]): Objective {
  const m = c.length;
  const grad = (w: ArrayLike<number>) => matVec(A, w).map((x, i) => x + (c[i] * w[i] * w[i]) / 2);
  const loss = (w: ArrayLike<number>) => {
    const Aw = matVec(A, w);
    let s = 0;
    for (let i = 0; i < m; i++) s += (c[i] * w[i] ** 3) / 6 + 0.5 * w[i] * Aw[i];
    return s;
  };
  return functionObjective(m, loss, grad);
}

/** Q·diag(λ)·Qᵀ with a seeded random orthogonal Q: a symmetric matrix of known spectrum. */
export function symmetricWithSpectrum(eigenvalues: readonly number[], seed: number): Vec[] {
  const m = eigenvalues.length;
  const rng = new Random(seed);
  const G = new Matrix(m, m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) G.set(i, j, rng.normal());
  const Q = new QrDecomposition(G).orthogonalMatrix;
  return Array.from({ length: m }, (_, i) =>
    Float64Array.from({ length: m }, (_, j) => {
      let s = 0;
      for (let l = 0; l < m; l++) s += Q.get(i, l) * eigenvalues[l] * Q.get(j, l);
      return s;
    }),
  );
}

/** Eigenvalues of a symmetric matrix, ascending, with unit eigenvectors. */
export function symmetricEigen(A: readonly Vec[]): { values: number[]; vectors: Vec[] } {
  const evd = new EigenvalueDecomposition(new Matrix(A.map((r) => Array.from(r))), {
    assumeSymmetric: true,
  });
  const vals = evd.realEigenvalues;
  const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
  return {
    values: order.map((i) => vals[i]),
    vectors: order.map((i) => Float64Array.from(evd.eigenvectorMatrix.getColumn(i))),
  };
}

/**
 * The full Hessian of an Objective by central differences of its analytic gradient, column by
 * column, with two Richardson levels (t, t/2, t/4: error O(t⁶)), then symmetrized. 6m gradients.
 * Independent of the HVP code path under test.
 */
export async function referenceHessian(obj: Objective, w: ArrayLike<number>, t = 1e-3) {
  const m = obj.numParams;
  const central = async (j: number, d: number) => {
    const p = Float64Array.from(w);
    p[j] += d;
    const a = (await obj.gradient(p)).grad;
    p[j] = w[j] - d;
    const b = (await obj.gradient(p)).grad;
    return a.map((x, k) => (x - b[k]) / (2 * d));
  };
  const H: Vec[] = [];
  for (let j = 0; j < m; j++) {
    const [d1, d2, d4] = [await central(j, t), await central(j, t / 2), await central(j, t / 4)];
    const r1 = d2.map((x, k) => (4 * x - d1[k]) / 3);
    const r2 = d4.map((x, k) => (4 * x - d2[k]) / 3);
    H.push(r2.map((x, k) => (16 * x - r1[k]) / 15));
  }
  let asym = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      asym = Math.max(asym, Math.abs(H[i][j] - H[j][i]));
      H[i][j] = H[j][i] = (H[i][j] + H[j][i]) / 2;
    }
  }
  return { H, asymmetry: asym };
}

export interface SmallNet {
  net: Network;
  obj: Objective;
  w: Vec;
}

/**
 * A seeded dense classifier 5 → hidden… → 3 (softmax cross-entropy) on n Gaussian samples. For
 * ReLU the samples are drawn so that every pre-activation is at least `margin` from 0: finite
 * differences of a ReLU network are then exact within one linear region.
 */
export async function smallNetwork(
  activation: Activation,
  opts: { hidden?: number[]; n?: number; seed?: number; precision?: 'f32' | 'f64' } = {},
): Promise<SmallNet> {
  const hidden = opts.hidden ?? [12, 8];
  const n = opts.n ?? 40;
  const seed = opts.seed ?? 1;
  const layers: LayerSpec[] = [
    ...hidden.map((units) => ({ type: 'dense' as const, units, activation })),
    { type: 'dense', units: 3 },
  ];
  const net = await Network.create(
    { inputShape: [5], layers, loss: 'softmax-cross-entropy' },
    { precision: opts.precision ?? 'f64' },
  );
  net.initParams(seed);
  // Biases away from 0, so that they have curvature too.
  const rng = new Random(seed + 100);
  const w = Float64Array.from(net.params);
  for (const t of net.tensors) {
    if (t.name.endsWith('/bias'))
      for (let i = 0; i < t.size; i++) w[t.offset + i] = 0.3 * rng.normal();
  }
  net.setParams(w);
  const x: number[] = [];
  const y: number[] = [];
  const margin = activation === 'relu' ? 0.05 : 0;
  while (y.length < n) {
    const sample = Array.from({ length: 5 }, () => rng.normal());
    if (margin > 0 && minPreactivation(net, w, sample) < margin) continue;
    x.push(...sample);
    y.push(rng.int(3));
  }
  net.setData(x, y);
  return { net, obj: networkObjective(net), w };
}

/** min |pre-activation| of the hidden layers of a dense network for one input (a JS forward). */
function minPreactivation(net: Network, w: Vec, input: number[]): number {
  let h = input;
  let smallest = Infinity;
  const tensors = net.tensors;
  for (let l = 0; l + 2 < tensors.length; l += 2) {
    const [K, b] = [tensors[l], tensors[l + 1]];
    const [I, O] = K.shape;
    const z = Array.from({ length: O }, (_, o) => {
      let s = w[b.offset + o];
      for (let i = 0; i < I; i++) s += h[i] * w[K.offset + i * O + o];
      return s;
    });
    for (const v of z) smallest = Math.min(smallest, Math.abs(v));
    h = z.map((v) => Math.max(0, v));
  }
  return smallest;
}

/** ‖a − b‖₂ / ‖b‖₂. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** ‖a − b‖∞ / ‖b‖∞. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

export const diagonalOf = (H: readonly Vec[]): Vec => Float64Array.from(H, (row, i) => row[i]);

/** Two noisy interleaved half-moons in 2-D (labels 0/1), `noise` the sd of the jitter. */
export function moons(n: number, seed: number, name: string, noise = 0.2): Dataset {
  const rng = new Random(seed);
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = Math.PI * rng.uniform();
    x[2 * i] = (label ? 1 - Math.cos(t) : Math.cos(t)) + noise * rng.normal();
    x[2 * i + 1] = (label ? 0.5 - Math.sin(t) : Math.sin(t)) + noise * rng.normal();
    y[i] = label;
  }
  return { name, x, y, n, inputShape: [2], numClasses: 2 };
}
