// The curvature ĥ that shapes perturbedOPT's noise (docs/method.md §5), as a small transformation
// whose state holds its sums: a tracker sees the unperturbed point before the step (the probes
// estimator spends its Hessian-vector products there) and the perturbed point with its gradient
// after it (the secant estimator reads the change of gradient). ĥ_i = hSum_i / hWeight_i, an
// exponential moving average with bias correction.

import { hvpStep, PacgenError, Random } from '@pacgen/core-wasm';
import { checkInteger, checkRange } from '../checks.js';
import { hvpProgram } from './oracle-objective.js';
import { mixSeed } from './seeds.js';
import { finished, type StepProgram } from './step-program.js';

/** Secant curvature: free, from consecutive perturbed points. */
export interface SecantCurvature {
  method: 'secant';
  /** EMA decay of the per-coordinate ratios (default 0.999; bias-corrected). */
  beta?: number;
  /** Ratios are clipped to [0, maxCurvature] (loss units per parameter unit², default 1e4). */
  maxCurvature?: number;
}

/** Hutchinson probes on the current minibatch every `every` steps. */
export interface ProbeCurvature {
  method: 'probes';
  /** T: steps between estimates (default 10; the first is at step 0). */
  every?: number;
  /** K: Rademacher probes per estimate (default 2). */
  probes?: number;
  /** EMA decay across estimates (default 0.9; bias-corrected). */
  beta?: number;
  /** Length of the finite-difference HVP's move (core-wasm's hvpStep; default defaultHvpStep(precision)). */
  step?: number;
}

/** No curvature: ĥ = 0, so a_i = ρ̂·√m·κ_i (σ_i = κ_i when ρ̂ = 0). */
export interface NoCurvature {
  method: 'none';
}

export type CurvatureEstimator = SecantCurvature | ProbeCurvature | NoCurvature;

/** The tracker's part of perturbedOPT's state (checkpointed with it). */
export interface CurvatureState {
  /** EMA numerator of ĥ_i and its weight (bias correction): ĥ_i = hSum_i / hWeight_i. */
  hSum: Float64Array;
  hWeight: Float64Array;
  /** Last perturbed point and its gradient (secant only; null otherwise). */
  prevPoint: Float64Array | null;
  prevGrad: Float64Array | null;
}

/** What a tracker needs to know about the step. */
export interface CurvatureStep {
  /** Steps done before this one. */
  count: number;
  precision: 'f32' | 'f64';
  /** perturbedOPT's seed. */
  seed: number;
}

/** Estimates ĥ along training; a transformation with its own state. */
export interface CurvatureTracker {
  readonly method: CurvatureEstimator['method'];
  /** Gradient evaluations it adds per step, on average. */
  readonly gradientsPerStep: number;
  init(m: number): CurvatureState;
  /**
   * At the unperturbed point w, before the step's gradient: a program over the step's minibatch
   * gradients. Returns the state and the evaluations spent.
   */
  before(
    w: Float64Array,
    state: CurvatureState,
    step: CurvatureStep,
  ): StepProgram<{ state: CurvatureState; evaluations: number }>;
  /** With the perturbed point and its gradient, after the step's gradient. */
  after(
    point: Float64Array,
    grad: Float64Array,
    state: CurvatureState,
    step: CurvatureStep,
  ): CurvatureState;
}

/** ĥ (loss units per parameter unit²) from the tracker's state, and its mean. Cost O(m). */
export function curvatureEstimate(state: CurvatureState): { h: Float64Array; mean: number } {
  const m = state.hSum.length;
  const h = new Float64Array(m);
  let mean = 0;
  for (let i = 0; i < m; i++) {
    h[i] = state.hWeight[i] > 0 ? state.hSum[i] / state.hWeight[i] : 0;
    mean += h[i] / m;
  }
  return { h, mean };
}

const emptyState = (m: number): CurvatureState => ({
  hSum: new Float64Array(m),
  hWeight: new Float64Array(m),
  prevPoint: null,
  prevGrad: null,
});

const unchanged = (_w: Float64Array, state: CurvatureState) => finished({ state, evaluations: 0 });
const forgetPoint = (_p: Float64Array, _g: Float64Array, state: CurvatureState) => ({
  ...state,
  prevPoint: null,
  prevGrad: null,
});

/** The secant estimator: |Δg_i|/|Δp_i| between consecutive perturbed points, clipped, EMA. */
export function secantTracker(options: Omit<SecantCurvature, 'method'> = {}): CurvatureTracker {
  const beta = checkRange('secant beta', options.beta ?? 0.999, 0, 1, { max: true });
  const maxCurvature = checkRange('maxCurvature', options.maxCurvature ?? 1e4, 0, Infinity, {
    min: true,
  });
  return {
    method: 'secant',
    gradientsPerStep: 0,
    init: emptyState,
    before: unchanged,
    after(point, g, state, { precision }) {
      let { hSum, hWeight } = state;
      const { prevPoint, prevGrad } = state;
      if (prevPoint && prevGrad) {
        // Coordinates that did not move (beyond rounding) carry no curvature information.
        const tol = 64 * (precision === 'f32' ? 2 ** -23 : 2 ** -52);
        hSum = Float64Array.from(hSum);
        hWeight = Float64Array.from(hWeight);
        for (let i = 0; i < point.length; i++) {
          const dp = point[i] - prevPoint[i];
          const scaleP = Math.max(Math.abs(point[i]), Math.abs(prevPoint[i]));
          if (!(Math.abs(dp) > tol * scaleP)) continue;
          const ratio = Math.min(Math.abs(g[i] - prevGrad[i]) / Math.abs(dp), maxCurvature);
          hSum[i] = beta * hSum[i] + (1 - beta) * ratio;
          hWeight[i] = beta * hWeight[i] + (1 - beta);
        }
      }
      return { hSum, hWeight, prevPoint: point, prevGrad: g };
    },
  };
}

/** The probes estimator: Hutchinson ĥ ≈ mean_k v_k ⊙ H v_k on the minibatch every T steps, EMA. */
export function probeTracker(options: Omit<ProbeCurvature, 'method'> = {}): CurvatureTracker {
  const every = checkInteger('probe interval', options.every ?? 10, 1);
  const probes = checkInteger('probes', options.probes ?? 2, 1);
  const beta = checkRange('probe beta', options.beta ?? 0.9, 0, 1, { max: true });
  const step =
    options.step === undefined
      ? undefined
      : checkRange('probe step', options.step, 0, Infinity, { min: true });
  return {
    method: 'probes',
    gradientsPerStep: (2 * probes) / every,
    init: emptyState,
    *before(w, state, { count, precision, seed }) {
      if (count % every !== 0) return { state, evaluations: 0 };
      const m = w.length;
      const rng = new Random(mixSeed(seed, count, 3));
      const est = new Float64Array(m);
      const v = new Float64Array(m);
      for (let k = 0; k < probes; k++) {
        rng.rademacher(v);
        // The step rule of every HVP (docs/method.md §5): the move's length, not each coordinate's.
        const hv = yield* hvpProgram(w, v, precision, { step: hvpStep(precision, v, w, step) });
        for (let i = 0; i < m; i++) est[i] += (v[i] * hv[i]) / probes;
      }
      return {
        state: {
          ...state,
          hSum: state.hSum.map((x, i) => beta * x + (1 - beta) * est[i]),
          hWeight: state.hWeight.map((x) => beta * x + (1 - beta)),
        },
        evaluations: 2 * probes,
      };
    },
    after: forgetPoint,
  };
}

/** No curvature: ĥ stays 0. */
export function noCurvatureTracker(): CurvatureTracker {
  return {
    method: 'none',
    gradientsPerStep: 0,
    init: emptyState,
    before: unchanged,
    after: forgetPoint,
  };
}

/** The tracker an option names (default 'secant'). */
export function curvatureTracker(
  option: CurvatureEstimator | CurvatureEstimator['method'] = 'secant',
): CurvatureTracker {
  const c: CurvatureEstimator =
    typeof option === 'string' ? ({ method: option } as CurvatureEstimator) : option;
  if (c.method === 'secant') return secantTracker(c);
  if (c.method === 'probes') return probeTracker(c);
  if (c.method === 'none') return noCurvatureTracker();
  throw new PacgenError(
    `curvature must be 'secant', 'probes' or 'none', got '${String((c as { method: unknown }).method)}'`,
  );
}
