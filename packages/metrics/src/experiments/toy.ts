// The toy experiment of the paper (METHOD.md §6): a two-parameter network whose weights (w1, w2)
// are shared by every layer, trained on 100 draws of a 2-D Gaussian mixture. With m = 2 the
// Hessian is computed exactly (up to rounding) and Ψ can be mapped over the whole (w1, w2) plane,
// together with the loss, the bound, the minima and the decision boundaries they give.

import { Network, PacgenError } from '@pacgen/core-wasm';
import {
  sampleMixture,
  toyGaussianMixture,
  type GaussianMixture,
  type ToyData,
} from '../data/synthetic.js';
import { checkInteger, checkNonNegative } from '../hessian/checks.js';
import { toyNet } from '../models/presets.js';
import type { Objective } from '../objective.js';
import { networkObjective } from '../objective/network.js';
import { confidenceTerm } from '../pacgen/bound.js';
import { pacgenFromCurvature } from '../pacgen/from-curvature.js';
import { neighbourhoodRadius } from '../pacgen/neighbourhood.js';

/** A symmetric 2×2 matrix [[xx, xy], [xy, yy]]. */
export interface Sym2 {
  xx: number;
  xy: number;
  yy: number;
}

/** Eigenvalues of a symmetric 2×2 matrix, largest first. */
export function eigen2(h: Sym2): [number, number] {
  const mid = (h.xx + h.yy) / 2;
  const r = Math.hypot((h.xx - h.yy) / 2, h.xy);
  return [mid + r, mid - r];
}

/** Spectral norm ‖A‖₂ = max |λ| of a symmetric 2×2 matrix. */
function spectralNorm2(h: Sym2): number {
  const [a, b] = eigen2(h);
  return Math.max(Math.abs(a), Math.abs(b));
}

/**
 * The 2×2 Hessian of a two-parameter objective at w by central differences of its analytic
 * gradient: column j = (g(w + t e_j) − g(w − t e_j)) / 2t, then symmetrised. In f64 with
 * t = 1e-5 the error is about t²·|∇³L̂| + ε/t ≈ 1e-10 (relative to O(1) derivatives).
 * Cost: 4 gradient evaluations.
 */
export async function exactHessian2(
  obj: Objective,
  w: ArrayLike<number>,
  step = 1e-5,
): Promise<Sym2> {
  const g = async (a: number, b: number) => (await obj.gradient([a, b])).grad;
  const [p1, m1, p2, m2] = [
    await g(w[0] + step, w[1]),
    await g(w[0] - step, w[1]),
    await g(w[0], w[1] + step),
    await g(w[0], w[1] - step),
  ];
  const t2 = 2 * step;
  return {
    xx: (p1[0] - m1[0]) / t2,
    xy: (p1[1] - m1[1] + (p2[0] - m2[0])) / (2 * t2),
    yy: (p2[1] - m2[1]) / t2,
  };
}

/**
 * The Hessian's Lipschitz constant ρ on the box N_{γ,ε}(w) for m = 2 [choice, valid for small m]:
 * the exact Hessian at a k×k lattice spanning the box, then
 * ρ̂ = max over all lattice pairs (p, q) of ‖H(p) − H(q)‖₂ / ‖p − q‖₂ (spectral norm). Every
 * ratio is an instance of the definition, so ρ̂ is a lower estimate of the supremum; it converges
 * to it as k grows (adjacent pairs approach the directional derivatives of H). Returns the centre
 * Hessian too (a lattice point when k is odd). Cost: 4k² gradient evaluations (4k² + 4 for even k).
 */
export async function lipschitzOnBox2(
  obj: Objective,
  w: ArrayLike<number>,
  options: { gamma?: number; epsilon?: number; lattice?: number; step?: number } = {},
): Promise<{ rho: number; hessian: Sym2; cost: number }> {
  const k = checkInteger('lattice', options.lattice ?? 5, 2);
  const kappa = neighbourhoodRadius(w, options.gamma ?? 0.1, options.epsilon ?? 0.1);
  const pts: [number, number][] = [];
  const hs: Sym2[] = [];
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < k; i++) {
      const p: [number, number] = [
        w[0] + kappa[0] * (-1 + (2 * i) / (k - 1)),
        w[1] + kappa[1] * (-1 + (2 * j) / (k - 1)),
      ];
      pts.push(p);
      hs.push(await exactHessian2(obj, p, options.step));
    }
  }
  let rho = 0;
  for (let a = 0; a < pts.length; a++) {
    for (let b = a + 1; b < pts.length; b++) {
      const d = Math.hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1]);
      const diff = {
        xx: hs[a].xx - hs[b].xx,
        xy: hs[a].xy - hs[b].xy,
        yy: hs[a].yy - hs[b].yy,
      };
      rho = Math.max(rho, spectralNorm2(diff) / d);
    }
  }
  const odd = k % 2 === 1;
  const hessian = odd ? hs[(pts.length - 1) / 2] : await exactHessian2(obj, w, options.step);
  return { rho, hessian, cost: 4 * k * k + (odd ? 0 : 4) };
}

export interface ToyExperimentOptions {
  /** Grid points per axis over (w1, w2) (≥ 2). Default 41. */
  grid?: number;
  /** Range of w1 and of w2 (the same for both). Default [−4, 4]. */
  range?: [number, number];
  /** Training samples n. Default 100 (the paper's). */
  train?: number;
  /** Test samples, for the test loss at each minimum. Default 1000. */
  test?: number;
  /** Seed of the data (toyGaussianMixture). Default 0. */
  seed?: number;
  mixture?: GaussianMixture;
  /** Network depth (layers including the output). Default 5. */
  depth?: number;
  /** γ, ε of the neighbourhood, δ of the bound. Defaults 0.1, 0.1, 0.05. */
  gamma?: number;
  epsilon?: number;
  delta?: number;
  /** Lattice points per axis of the ρ estimate (lipschitzOnBox2). Default 5. */
  lattice?: number;
  /** Central-difference step of the exact Hessian (parameter units). Default 1e-5. */
  hessianStep?: number;
  /** Multi-start descent: starts per axis, evenly inside the range. Default 7 (49 starts). */
  starts?: number;
  /** Most descent iterations per start. Default 300. */
  maxIterations?: number;
  /** A start has converged when ‖∇L̂‖₂ ≤ this. Default 1e-7. */
  gradientTolerance?: number;
  /** Minima closer than this (parameter units) are one. Default 0.05. */
  mergeRadius?: number;
  /** Reconstruction: draws from p(x) (default 2000), their seed (default 1). */
  samples?: number;
  sampleSeed?: number;
  /** Reconstruction: points per axis of the input-plane grid of the decision maps. Default 61. */
  inputGrid?: number;
  /** Called after each grid point, start and stage; a returned promise is awaited (to yield). */
  onProgress?: (
    stage: 'grid' | 'minima' | 'reconstruction',
    done: number,
    total: number,
  ) => void | Promise<void>;
}

/** A located minimum and its scores. */
export interface ToyMinimum {
  w: [number, number];
  /** Starts that converged here. */
  starts: number;
  /** L̂(w) (nats) and ‖∇L̂(w)‖₂. */
  loss: number;
  gradientNorm: number;
  hessian: Sym2;
  /** Eigenvalues of the Hessian, largest first; both > 0 at a strict minimum. */
  eigenvalues: [number, number];
  rho: number;
  psi: number;
  psiStar: number;
  /** Fraction of the 2 coordinates on Ψ's curvature branch (√a_i > 1/κ_i). */
  curvatureFraction: number;
  /** The paper's bound, L̂ + sqrt((Ψ + ln(2n/δ)) / (2(n−1))) (a score for cross-entropy). */
  bound: number;
  /** The bound of METHOD.md §3 at σ* (pacgenFromCurvature's total). */
  boundStar: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

/** Predictions of one minimum on the draws from p(x) and on the input grid. */
export interface ToyPrediction {
  /** Which minimum (index into `minima`). */
  minimum: number;
  /** P(y = 1 | x) at the draws. */
  probability: Float64Array;
  /** The classifier's rule (P > 0.5) and the median rule (P > its median over the draws). */
  labels: Uint8Array;
  medianLabels: Uint8Array;
  /** Agreement with the true labels on the draws, for both rules. */
  accuracy: number;
  medianAccuracy: number;
  /** The median of P over the draws (the median rule's threshold). */
  medianThreshold: number;
  /** P(y = 1 | x) on the input grid (row-major, one row per x2). */
  gridProbability: Float64Array;
  /** Boundary complexity of each rule's map on the input grid. */
  complexity: { argmax: BoundaryComplexity; median: BoundaryComplexity };
}

/** How complicated a label map on a grid is. */
export interface BoundaryComplexity {
  /** Connected regions (4-neighbour) of equal label. */
  regions: number;
  /** Fraction of neighbouring cell pairs whose labels differ (boundary length, normalised). */
  boundaryFraction: number;
  /** Fraction of cells labelled 1. */
  positiveFraction: number;
}

export interface ToyExperimentResult {
  n: number;
  depth: number;
  settings: {
    gamma: number;
    epsilon: number;
    delta: number;
    lattice: number;
    hessianStep: number;
    starts: number;
    range: [number, number];
  };
  /** Grid over (w1, w2); every map is row-major with one row per w2: v[j·w1.length + i]. */
  grid: {
    w1: Float64Array;
    w2: Float64Array;
    loss: Float64Array;
    psi: Float64Array;
    psiStar: Float64Array;
    rho: Float64Array;
    /** Largest and smallest Hessian eigenvalue. */
    lambdaMax: Float64Array;
    lambdaMin: Float64Array;
    curvatureFraction: Float64Array;
    /** The paper's bound surface L̂ + sqrt((Ψ + ln(2n/δ)) / (2(n−1))). */
    bound: Float64Array;
    /** METHOD.md §3's bound at σ*. */
    boundStar: Float64Array;
  };
  /** Strict minima found in the range, lowest loss first. */
  minima: ToyMinimum[];
  /** Multi-start bookkeeping: starts that converged to a minimum in range, and the others. */
  descent: { starts: number; converged: number; leftRange: number; notConverged: number };
  /** Index of the global minimum (lowest loss; the paper's "sharp" one), or −1 if none. */
  global: number;
  /** Index of the other minimum with the lowest Ψ (the paper's "flat" one), or −1 if none. */
  local: number;
  /** How the local minimum compares with the global one (null without both). */
  comparison: {
    lowerPsi: boolean;
    smallerTopEigenvalue: boolean;
    lowerBound: boolean;
    lowerTestLoss: boolean;
  } | null;
  reconstruction: {
    /** Draws from p(x): [x1, x2] pairs (length 2·samples) and their true labels. */
    x: Float64Array;
    truth: Uint8Array;
    /** The input-plane grid and the true label map on it (row-major, one row per x2). */
    x1: Float64Array;
    x2: Float64Array;
    truthGrid: Uint8Array;
    truthComplexity: BoundaryComplexity;
    /** Predictions at the global minimum and at the local one (when found). */
    global: ToyPrediction | null;
    local: ToyPrediction | null;
  };
  /** Work spent: forward passes (loss only), gradient evaluations, wall time. */
  cost: { lossEvaluations: number; gradientEvaluations: number; seconds: number };
}

function linspace(lo: number, hi: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** An objective over the training set that counts its evaluations. */
function counted(obj: Objective, cost: { lossEvaluations: number; gradientEvaluations: number }) {
  return {
    ...obj,
    loss: (w: ArrayLike<number>) => (cost.lossEvaluations++, obj.loss(w)),
    gradient: (w: ArrayLike<number>) => (cost.gradientEvaluations++, obj.gradient(w)),
  } satisfies Objective;
}

/**
 * Scores the toy network at one point: loss, exact 2×2 Hessian and its eigenvalues, ρ̂ on the
 * box, Ψ, Ψ*, σ*, η and both bounds. Cost: 1 forward pass + the Hessians of `lipschitzOnBox2`
 * (4 gradient evaluations per lattice point).
 */
export async function scoreToyPoint(
  obj: Objective,
  w: [number, number],
  n: number,
  s: Required<
    Pick<ToyExperimentOptions, 'gamma' | 'epsilon' | 'delta' | 'lattice' | 'hessianStep'>
  >,
) {
  const loss = await obj.loss(w);
  const { rho, hessian } = await lipschitzOnBox2(obj, w, {
    gamma: s.gamma,
    epsilon: s.epsilon,
    lattice: s.lattice,
    step: s.hessianStep,
  });
  const r = pacgenFromCurvature({
    w,
    h: [hessian.xx, hessian.yy],
    rho,
    n,
    gamma: s.gamma,
    epsilon: s.epsilon,
    delta: s.delta,
    trainLoss: loss,
  });
  return {
    loss,
    hessian,
    eigenvalues: eigen2(hessian),
    rho,
    psi: r.psi,
    psiStar: r.psiStar,
    sigmaStar: [r.sigmaStar[0], r.sigmaStar[1]] as [number, number],
    eta: r.eta,
    curvatureFraction: r.curvatureFraction,
    bound: loss + Math.sqrt((r.psi + confidenceTerm(n, s.delta)) / (2 * (n - 1))),
    boundStar: r.bound.total,
  };
}

/**
 * Damped Newton descent from a start: the exact 2×2 Hessian's Newton step where it is positive
 * definite, else the normalised negative gradient; steps capped at 0.5 in norm, Armijo
 * backtracking on L̂. Cost per iteration: 5 gradient evaluations + the backtracking's forward
 * passes.
 */
async function descend(
  obj: Objective,
  start: [number, number],
  opts: { maxIterations: number; tol: number; step: number; range: [number, number] },
): Promise<{ w: [number, number]; converged: boolean; inRange: boolean }> {
  const maxStep = 0.5;
  let w: [number, number] = [...start];
  const inside = (p: [number, number]) => p.every((x) => x >= opts.range[0] && x <= opts.range[1]);
  for (let it = 0; it < opts.maxIterations; it++) {
    const { loss: f, grad: g } = await obj.gradient(w);
    const gn = Math.hypot(g[0], g[1]);
    if (gn <= opts.tol) return { w, converged: true, inRange: inside(w) };
    const h = await exactHessian2(obj, w, opts.step);
    const [, lmin] = eigen2(h);
    let p: [number, number];
    if (lmin > 0) {
      const det = h.xx * h.yy - h.xy * h.xy;
      p = [-(h.yy * g[0] - h.xy * g[1]) / det, -(h.xx * g[1] - h.xy * g[0]) / det];
    } else {
      p = [-g[0] / gn, -g[1] / gn];
    }
    const pn = Math.hypot(p[0], p[1]);
    if (pn > maxStep) p = [(p[0] * maxStep) / pn, (p[1] * maxStep) / pn];
    const slope = g[0] * p[0] + g[1] * p[1];
    let s = 1;
    let next: [number, number] = [w[0] + p[0], w[1] + p[1]];
    while ((await obj.loss(next)) > f + 1e-4 * s * slope && s > 1e-12) {
      s /= 2;
      next = [w[0] + s * p[0], w[1] + s * p[1]];
    }
    if (s <= 1e-12) return { w, converged: false, inRange: inside(w) };
    w = next;
    // Far outside the range: a plateau at infinity, not a minimum in view.
    const width = opts.range[1] - opts.range[0];
    if (w.some((x) => x < opts.range[0] - width || x > opts.range[1] + width)) {
      return { w, converged: false, inRange: false };
    }
  }
  const { grad } = await obj.gradient(w);
  return { w, converged: Math.hypot(grad[0], grad[1]) <= opts.tol, inRange: inside(w) };
}

/** Connected regions and boundary length of a label map on an nx × ny grid. */
export function boundaryComplexity(labels: Uint8Array, nx: number, ny: number): BoundaryComplexity {
  const seen = new Uint8Array(labels.length);
  let regions = 0;
  const stack: number[] = [];
  for (let s = 0; s < labels.length; s++) {
    if (seen[s]) continue;
    regions++;
    seen[s] = 1;
    stack.push(s);
    while (stack.length) {
      const c = stack.pop() as number;
      const i = c % nx;
      const j = (c - i) / nx;
      for (const [di, dj] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const a = i + di;
        const b = j + dj;
        if (a < 0 || b < 0 || a >= nx || b >= ny) continue;
        const q = b * nx + a;
        if (!seen[q] && labels[q] === labels[c]) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
  }
  let edges = 0;
  let cut = 0;
  let positive = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const c = j * nx + i;
      positive += labels[c];
      for (const q of [i + 1 < nx ? c + 1 : -1, j + 1 < ny ? c + nx : -1]) {
        if (q < 0) continue;
        edges++;
        if (labels[c] !== labels[q]) cut++;
      }
    }
  }
  return {
    regions,
    boundaryFraction: edges ? cut / edges : 0,
    positiveFraction: positive / labels.length,
  };
}

function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** Predictions of the network at parameters w on the draws and the input grid. */
function predictAt(
  net: Network,
  index: number,
  w: [number, number],
  x: Float64Array,
  truth: Uint8Array,
  gridX: Float64Array,
  nx: number,
  ny: number,
): ToyPrediction {
  net.setParams(w);
  const probability = Float64Array.from(net.predict(x, { probabilities: true }));
  const gridProbability = Float64Array.from(net.predict(gridX, { probabilities: true }));
  const t = median(probability);
  const labels = Uint8Array.from(probability, (p) => (p > 0.5 ? 1 : 0));
  const medianLabels = Uint8Array.from(probability, (p) => (p > t ? 1 : 0));
  const agree = (l: Uint8Array) =>
    l.reduce((s, v, i) => s + (v === truth[i] ? 1 : 0), 0) / l.length;
  return {
    minimum: index,
    probability,
    labels,
    medianLabels,
    accuracy: agree(labels),
    medianAccuracy: agree(medianLabels),
    medianThreshold: t,
    gridProbability,
    complexity: {
      argmax: boundaryComplexity(
        Uint8Array.from(gridProbability, (p) => (p > 0.5 ? 1 : 0)),
        nx,
        ny,
      ),
      median: boundaryComplexity(
        Uint8Array.from(gridProbability, (p) => (p > t ? 1 : 0)),
        nx,
        ny,
      ),
    },
  };
}

/**
 * Runs the toy experiment of METHOD.md §6 in f64:
 * 1. the loss surface L̂(w1, w2) on a grid; at every grid point the exact Hessian, ρ̂ on the box
 *    N_{γ,ε} (lipschitzOnBox2), Ψ_{γ,ε}, Ψ*, and the paper's bound L̂ + sqrt((Ψ + ln(2n/δ))/(2(n−1)));
 * 2. the minima: damped-Newton descent from a starts×starts lattice, merged, kept when converged
 *    (‖∇L̂‖ ≤ tol) with a positive-definite Hessian inside the range; the global minimum (lowest
 *    loss: the paper's "sharp" one) and the other minimum of lowest Ψ (the paper's "flat" one),
 *    each with its loss, Ψ, bound, top eigenvalue and test loss;
 * 3. the reconstruction: draws from p(x) labelled by the network at both minima, with the
 *    classifier's rule (P > ½) and the median rule (P above its median over p, the rule that
 *    made the true labels), and the boundary complexity of each label map.
 * Throws PacgenError on bad options. Everything is returned as data; nothing is judged.
 *
 * Cost (gradient evaluations, g ≈ 36 µs each at n = 100, depth 5): the grid takes grid² forward
 * passes and 4·lattice²·grid² gradients (41² points, lattice 5: 168,100 ≈ 6 s on one core); the
 * descent at most 5·maxIterations gradients per start (usually far fewer); each minimum
 * 4·lattice² more; the reconstruction 3 forward passes per minimum shown.
 */
export async function toyExperiment(
  options: ToyExperimentOptions = {},
): Promise<ToyExperimentResult> {
  const started = performance.now();
  const gridN = checkInteger('grid', options.grid ?? 41, 2);
  const range = options.range ?? [-4, 4];
  if (!(
    range.length === 2 &&
    Number.isFinite(range[0]) &&
    Number.isFinite(range[1]) &&
    range[1] > range[0]
  )) {
    throw new PacgenError(`range must be [lo, hi] with finite lo < hi, got [${range}]`);
  }
  const settings = {
    gamma: checkNonNegative('gamma', options.gamma ?? 0.1, true),
    epsilon: checkNonNegative('epsilon', options.epsilon ?? 0.1, true),
    delta: options.delta ?? 0.05,
    lattice: checkInteger('lattice', options.lattice ?? 5, 2),
    hessianStep: checkNonNegative('hessianStep', options.hessianStep ?? 1e-5, true),
  };
  if (!(settings.delta > 0 && settings.delta < 1)) {
    throw new PacgenError(`delta must be in (0, 1), got ${settings.delta}`);
  }
  const starts = checkInteger('starts', options.starts ?? 7, 1);
  const maxIterations = checkInteger('maxIterations', options.maxIterations ?? 300, 1);
  const tol = checkNonNegative('gradientTolerance', options.gradientTolerance ?? 1e-7, true);
  const mergeRadius = checkNonNegative('mergeRadius', options.mergeRadius ?? 0.05);
  const numDraws = checkInteger('samples', options.samples ?? 2000, 1);
  const inputN = checkInteger('inputGrid', options.inputGrid ?? 61, 2);
  const depth = options.depth ?? 5;
  const progress = options.onProgress;

  const data: ToyData = toyGaussianMixture({
    train: options.train ?? 100,
    test: options.test ?? 1000,
    seed: options.seed ?? 0,
    mixture: options.mixture,
  });
  const n = data.train.n;
  if (n < 2)
    throw new PacgenError(`the toy experiment needs at least 2 training samples, got ${n}`);
  const spec = toyNet({ depth });
  const net = await Network.create(spec, { precision: 'f64' });
  net.setData(data.train.x, data.train.y);
  const testNet = await Network.create(spec, { precision: 'f64' });
  testNet.setData(data.test.x, data.test.y);
  const cost = { lossEvaluations: 0, gradientEvaluations: 0 };
  const obj = counted(networkObjective(net, { params: [0, 0] }), cost);

  // 1. The grid.
  const w1 = linspace(range[0], range[1], gridN);
  const w2 = linspace(range[0], range[1], gridN);
  const size = gridN * gridN;
  const maps = {
    loss: new Float64Array(size),
    psi: new Float64Array(size),
    psiStar: new Float64Array(size),
    rho: new Float64Array(size),
    lambdaMax: new Float64Array(size),
    lambdaMin: new Float64Array(size),
    curvatureFraction: new Float64Array(size),
    bound: new Float64Array(size),
    boundStar: new Float64Array(size),
  };
  for (let j = 0; j < gridN; j++) {
    for (let i = 0; i < gridN; i++) {
      const c = j * gridN + i;
      const s = await scoreToyPoint(obj, [w1[i], w2[j]], n, settings);
      maps.loss[c] = s.loss;
      maps.psi[c] = s.psi;
      maps.psiStar[c] = s.psiStar;
      maps.rho[c] = s.rho;
      [maps.lambdaMax[c], maps.lambdaMin[c]] = s.eigenvalues;
      maps.curvatureFraction[c] = s.curvatureFraction;
      maps.bound[c] = s.bound;
      maps.boundStar[c] = s.boundStar;
      await progress?.('grid', c + 1, size);
    }
  }

  // 2. The minima.
  const found: { w: [number, number]; starts: number }[] = [];
  const descent = { starts: starts * starts, converged: 0, leftRange: 0, notConverged: 0 };
  const at = (k: number) => range[0] + ((range[1] - range[0]) * (k + 0.5)) / starts;
  for (let b = 0; b < starts; b++) {
    for (let a = 0; a < starts; a++) {
      const r = await descend(obj, [at(a), at(b)], {
        maxIterations,
        tol,
        step: settings.hessianStep,
        range,
      });
      if (!r.converged) descent.notConverged++;
      else if (!r.inRange) descent.leftRange++;
      else {
        descent.converged++;
        const same = found.find((f) => Math.hypot(f.w[0] - r.w[0], f.w[1] - r.w[1]) <= mergeRadius);
        if (same) same.starts++;
        else found.push({ w: r.w, starts: 1 });
      }
      await progress?.('minima', b * starts + a + 1, starts * starts);
    }
  }
  const minima: ToyMinimum[] = [];
  for (const f of found) {
    const s = await scoreToyPoint(obj, f.w, n, settings);
    if (!(s.eigenvalues[1] > 0)) continue; // a saddle or a degenerate point, not a strict minimum
    const { grad } = await obj.gradient(f.w);
    net.setParams(f.w);
    const trainAccuracy = net.evaluate().accuracy;
    testNet.setParams(f.w);
    const test = testNet.evaluate();
    minima.push({
      w: f.w,
      starts: f.starts,
      loss: s.loss,
      gradientNorm: Math.hypot(grad[0], grad[1]),
      hessian: s.hessian,
      eigenvalues: s.eigenvalues,
      rho: s.rho,
      psi: s.psi,
      psiStar: s.psiStar,
      curvatureFraction: s.curvatureFraction,
      bound: s.bound,
      boundStar: s.boundStar,
      trainAccuracy,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
    });
  }
  minima.sort((a, b) => a.loss - b.loss);
  const global = minima.length > 0 ? 0 : -1;
  let local = -1;
  for (let k = 1; k < minima.length; k++) {
    if (local < 0 || minima[k].psi < minima[local].psi) local = k;
  }
  const comparison =
    global >= 0 && local >= 0
      ? {
          lowerPsi: minima[local].psi < minima[global].psi,
          smallerTopEigenvalue: minima[local].eigenvalues[0] < minima[global].eigenvalues[0],
          lowerBound: minima[local].bound < minima[global].bound,
          lowerTestLoss: minima[local].testLoss < minima[global].testLoss,
        }
      : null;

  // 3. The reconstruction.
  const mixture = data.mixture;
  const x = sampleMixture(mixture, numDraws, options.sampleSeed ?? 1);
  const truth = Uint8Array.from({ length: numDraws }, (_, i) => data.label(x[2 * i], x[2 * i + 1]));
  let lo1 = Infinity,
    hi1 = -Infinity,
    lo2 = Infinity,
    hi2 = -Infinity;
  for (let i = 0; i < numDraws; i++) {
    lo1 = Math.min(lo1, x[2 * i]);
    hi1 = Math.max(hi1, x[2 * i]);
    lo2 = Math.min(lo2, x[2 * i + 1]);
    hi2 = Math.max(hi2, x[2 * i + 1]);
  }
  if (!(hi1 > lo1)) [lo1, hi1] = [lo1 - 1, hi1 + 1];
  if (!(hi2 > lo2)) [lo2, hi2] = [lo2 - 1, hi2 + 1];
  const x1 = linspace(lo1, hi1, inputN);
  const x2 = linspace(lo2, hi2, inputN);
  const gridX = new Float64Array(2 * inputN * inputN);
  const truthGrid = new Uint8Array(inputN * inputN);
  for (let j = 0; j < inputN; j++) {
    for (let i = 0; i < inputN; i++) {
      const c = j * inputN + i;
      gridX[2 * c] = x1[i];
      gridX[2 * c + 1] = x2[j];
      truthGrid[c] = data.label(x1[i], x2[j]);
    }
  }
  const predict = (k: number) =>
    k < 0 ? null : predictAt(net, k, minima[k].w, x, truth, gridX, inputN, inputN);
  const reconstruction = {
    x,
    truth,
    x1,
    x2,
    truthGrid,
    truthComplexity: boundaryComplexity(truthGrid, inputN, inputN),
    global: predict(global),
    local: predict(local),
  };
  await progress?.('reconstruction', 1, 1);

  return {
    n,
    depth,
    settings: { ...settings, starts, range: [range[0], range[1]] },
    grid: { w1, w2, ...maps },
    minima,
    descent,
    global,
    local,
    comparison,
    reconstruction,
    cost: { ...cost, seconds: (performance.now() - started) / 1000 },
  };
}
