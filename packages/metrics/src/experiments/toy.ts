// The toy experiment of the paper (docs/method.md §6): a two-parameter network whose weights (w1, w2)
// are shared by every layer, trained on 100 draws of a 2-D Gaussian mixture. With m = 2 the
// Hessian is computed exactly (up to rounding) and Ψ can be mapped over the whole (w1, w2) plane,
// together with the loss, the bound, the minima and the decision boundaries they give.

import { Network, PacgenError } from '@pacgen/core-wasm';
import { toyGaussianMixture, type GaussianMixture, type ToyData } from '../data/synthetic.js';
import { checkConfidence, checkInteger, checkNonNegative, checkPositive } from '../checks.js';
import { toyNet } from '../models/presets.js';
import type { Objective } from '../objective/objective.js';
import { networkObjective } from '../objective/network.js';
import { confidenceTerm } from '../pacgen/bound.js';
import { pacgenFromCurvature } from '../pacgen/from-curvature.js';
import { eigen2, lipschitzOnBox2, type Sym2 } from './toy-hessian.js';
import { findMinima } from './toy-minima.js';
import {
  boundaryComplexity,
  linspace,
  predictAt,
  reconstructionInputs,
} from './toy-reconstruction.js';

export { eigen2, exactHessian2, lipschitzOnBox2, type Sym2 } from './toy-hessian.js';
export { boundaryComplexity } from './toy-reconstruction.js';

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
  /** The bound of docs/method.md §3 at σ* (pacgenFromCurvature's total). */
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
    /** docs/method.md §3's bound at σ*. */
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

/** The settings of a toy point's scores. */
type ToyPointSettings = Required<
  Pick<ToyExperimentOptions, 'gamma' | 'epsilon' | 'delta' | 'lattice' | 'hessianStep'>
>;

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
  s: ToyPointSettings,
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

/** The experiment's settings with their defaults, checked (PacgenError naming a bad one). */
function toySettings(options: ToyExperimentOptions) {
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
    gamma: checkPositive('gamma', options.gamma ?? 0.1),
    epsilon: checkPositive('epsilon', options.epsilon ?? 0.1),
    delta: options.delta ?? 0.05,
    lattice: checkInteger('lattice', options.lattice ?? 5, 2),
    hessianStep: checkPositive('hessianStep', options.hessianStep ?? 1e-5),
  };
  checkConfidence(settings.delta);
  const starts = checkInteger('starts', options.starts ?? 7, 1);
  const maxIterations = checkInteger('maxIterations', options.maxIterations ?? 300, 1);
  const tol = checkPositive('gradientTolerance', options.gradientTolerance ?? 1e-7);
  const mergeRadius = checkNonNegative('mergeRadius', options.mergeRadius ?? 0.05);
  const numDraws = checkInteger('samples', options.samples ?? 2000, 1);
  const inputN = checkInteger('inputGrid', options.inputGrid ?? 61, 2);

  return { gridN, range, settings, starts, maxIterations, tol, mergeRadius, numDraws, inputN };
}

/** Every score of `scoreToyPoint` at each point of the w1 × w2 grid, as row-major maps. */
async function scoreGrid(
  obj: Objective,
  w1: Float64Array,
  w2: Float64Array,
  n: number,
  settings: ToyPointSettings,
  progress: ToyExperimentOptions['onProgress'],
) {
  const gridN = w1.length;
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
  return maps;
}

/**
 * Runs the toy experiment of docs/method.md §6 in f64:
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
  const { gridN, range, settings, starts, maxIterations, tol, mergeRadius, numDraws, inputN } =
    toySettings(options);
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
  const maps = await scoreGrid(obj, w1, w2, n, settings, progress);

  // 2. The minima.
  const { found, descent } = await findMinima(obj, {
    starts,
    range,
    maxIterations,
    tol,
    step: settings.hessianStep,
    mergeRadius,
    onStart: (done, total) => progress?.('minima', done, total),
  });
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
  const { x, truth, x1, x2, gridX, truthGrid } = reconstructionInputs(
    data,
    numDraws,
    inputN,
    options.sampleSeed ?? 1,
  );
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
