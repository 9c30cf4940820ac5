// perturbedOPT (METHOD.md §5): the inner optimizer steps w with the gradient taken at a random
// point w + u of the PAC-Bayes posterior, u_i of half-width σ_i = min(s/√a_i, κ_i), so the noise
// is larger along flat directions. Minimising this in expectation minimises E_u[L̂(w+u)].

import { defaultHvpStep, PacgenError, Random } from '@pacgen/core-wasm';
import { hessianLipschitz } from '../hessian/lipschitz.js';
import { noiseModel, type NoiseKind } from '../pacgen/noise.js';
import { optimalPerturbation } from '../pacgen/optimal-perturbation.js';
import { at, checkInt, checkLength, checkRange } from './checks.js';
import { oracleHvp, oracleObjective } from './oracle-objective.js';
import { mixSeed } from './seeds.js';
import type { GradientTransformation, Optimizer, Schedule, StepContext } from './types.js';

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
  /** Largest coordinate move of the finite-difference HVP (default defaultHvpStep(precision)). */
  step?: number;
}

/** No curvature: ĥ = 0, so a_i = ρ̂·√m·κ_i (σ_i = κ_i when ρ̂ = 0). */
export interface NoCurvature {
  method: 'none';
}

export type CurvatureEstimator = SecantCurvature | ProbeCurvature | NoCurvature;

/** The global noise scale s from the PAC-Bayes bound: s = √η of METHOD.md §3, so σ = σ*. */
export interface BoundScale {
  bound: {
    /** Training-set size n (default: the step context's `trainSamples`). */
    n?: number;
    /** Confidence δ (default 0.05). */
    delta?: number;
    /** Steps between recomputations of η (default 10; O(m log m) each). */
    every?: number;
  };
}

export interface PerturbedOptions {
  /** The optimizer that steps w with the perturbed gradient (e.g. `sgd`, `adam`). */
  inner: GradientTransformation<unknown>;
  /** Relative neighbourhood size γ: κ_i = γ|w_i| + ε (default 0.1). */
  gamma?: number;
  /** Absolute neighbourhood size ε (parameter units, default 0.1). */
  epsilon?: number;
  /** Perturbation family (default 'uniform'). */
  noise?: NoiseKind;
  /**
   * Global noise scale s (√(loss units)): a number, a schedule over steps, or from the bound.
   * Default 1 (the posterior of the literal Ψ, η = 1). s = 0 turns the noise off.
   */
  scale?: number | Schedule | BoundScale;
  /** Curvature estimator of ĥ (default 'secant'). */
  curvature?: CurvatureEstimator | CurvatureEstimator['method'];
  /**
   * ρ̂ (loss units per parameter unit³): given (default 0), or estimated every `every` steps on
   * the current minibatch by `hessianLipschitz` (a lower estimate; the latest one is used;
   * `probes` default 4, `refine` default 0, `step` the HVP's largest coordinate move).
   */
  rho?: number | { every: number; probes?: number; refine?: number; step?: number };
  /** Noise-free steps at the start (the secant estimate still accumulates). Default 0. */
  warmup?: number;
  /** Seed of the perturbations and probes (default 0). */
  seed?: number;
}

/** State of perturbedOPT; everything needed to continue exactly. */
export interface PerturbedState {
  /** Steps done. */
  count: number;
  inner: unknown;
  /** EMA numerator of ĥ_i and its weight (bias correction): ĥ_i = hSum_i / hWeight_i. */
  hSum: Float64Array;
  hWeight: Float64Array;
  /** Current ρ̂. */
  rho: number;
  /** Cached η of the bound-based scale (null until computed). */
  eta: number | null;
  /** Last perturbed point and its gradient (secant only). */
  prevPoint: Float64Array | null;
  prevGrad: Float64Array | null;
}

/** Statistics of the σ used in the last step (parameter units). */
export interface SigmaStats {
  mean: number;
  median: number;
  min: number;
  max: number;
  /** Fraction of coordinates with σ_i = κ_i (noise at the neighbourhood cap). */
  fractionAtCap: number;
  /** The noise scale s of the step (0 during warm-up). */
  scale: number;
  /** ρ̂ used. */
  rho: number;
  /** Mean of ĥ (loss units per parameter unit²). */
  curvatureMean: number;
}

export interface PerturbedOptimizer extends Optimizer<PerturbedState> {
  /** σ statistics of the last step, or null before the first. Cost O(m log m). */
  sigmaStats(): SigmaStats | null;
}

/**
 * Per-coordinate noise half-widths: κ_i = γ|w_i| + ε, a_i = max(0, h_i + ρ√m·κ_i),
 * σ_i = min(s/√a_i, κ_i) (κ_i where a_i = 0; all 0 when s = 0). Cost O(m).
 */
export function perturbationWidths(input: {
  w: ArrayLike<number>;
  h: ArrayLike<number>;
  rho: number;
  gamma: number;
  epsilon: number;
  scale: number;
}): { sigma: Float64Array; kappa: Float64Array; a: Float64Array } {
  const { w, h, rho, gamma, epsilon, scale } = input;
  const m = w.length;
  const r = rho * Math.sqrt(m);
  const sigma = new Float64Array(m);
  const kappa = new Float64Array(m);
  const a = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    kappa[i] = gamma * Math.abs(w[i]) + epsilon;
    a[i] = Math.max(0, h[i] + r * kappa[i]);
    if (scale > 0) sigma[i] = a[i] > 0 ? Math.min(scale / Math.sqrt(a[i]), kappa[i]) : kappa[i];
  }
  return { sigma, kappa, a };
}

/**
 * perturbedOPT (METHOD.md §5). Each step on minibatch B: σ from the current curvature estimate,
 * u_i ~ noise(σ_i), g = ∇L̂_B(w + u), w ← inner(w, g) (u discarded), ĥ updated. Report and
 * evaluate the unperturbed w. With s = 0 (or during warm-up) it is exactly the inner optimizer.
 *
 * Cost in gradient evaluations per step: secant or none, 1; probes, 1 + 2K/T on average
 * (2K every T steps); an estimated ρ̂ adds (1 + 2·(2P(1 + refine) + 1))/N on average
 * (hessianLipschitz with P probes every N steps). The bound-based scale adds O(m log m)
 * arithmetic every `every` steps.
 *
 * The secant ratio |Δg_i|/|Δp_i| mixes two minibatches, so minibatch noise biases ĥ upwards
 * (more so for small noise); the probes estimator avoids that at the price of 2K gradients.
 * The optimizer object keeps the last σ for `sigmaStats` (not in the state): use one instance
 * per run.
 */
export function perturbedOpt(options: PerturbedOptions): PerturbedOptimizer {
  const { inner } = options;
  if (!inner || typeof inner.update !== 'function') {
    throw new PacgenError('perturbedOpt needs an inner gradient transformation (e.g. sgd or adam)');
  }
  const gamma = checkRange('gamma', options.gamma ?? 0.1, 0);
  const epsilon = checkRange('epsilon', options.epsilon ?? 0.1, 0);
  const noise = noiseModel(options.noise ?? 'uniform');
  const warmup = checkInt('warmup', options.warmup ?? 0, 0);
  const seed = options.seed ?? 0;
  checkRange('seed', seed, -Infinity);

  const cRaw = options.curvature ?? 'secant';
  const curvature: CurvatureEstimator =
    typeof cRaw === 'string' ? ({ method: cRaw } as CurvatureEstimator) : cRaw;
  let secant: Required<Omit<SecantCurvature, 'method'>> | null = null;
  let probes: { every: number; probes: number; beta: number; step?: number } | null = null;
  if (curvature.method === 'secant') {
    secant = {
      beta: checkRange('secant beta', curvature.beta ?? 0.999, 0, 1, { max: true }),
      maxCurvature: checkRange('maxCurvature', curvature.maxCurvature ?? 1e4, 0, Infinity, {
        min: true,
      }),
    };
  } else if (curvature.method === 'probes') {
    probes = {
      every: checkInt('probe interval', curvature.every ?? 10),
      probes: checkInt('probes', curvature.probes ?? 2),
      beta: checkRange('probe beta', curvature.beta ?? 0.9, 0, 1, { max: true }),
      step:
        curvature.step === undefined
          ? undefined
          : checkRange('probe step', curvature.step, 0, Infinity, { min: true }),
    };
  } else if (curvature.method !== 'none') {
    throw new PacgenError(
      `curvature must be 'secant', 'probes' or 'none', got '${String((curvature as { method: unknown }).method)}'`,
    );
  }

  const rhoOpt = options.rho ?? 0;
  const rhoEst =
    typeof rhoOpt === 'number'
      ? null
      : {
          every: checkInt('rho interval', rhoOpt.every),
          probes: checkInt('rho probes', rhoOpt.probes ?? 4),
          refine: checkInt('rho refine', rhoOpt.refine ?? 0, 0),
          step: rhoOpt.step,
        };
  const rho0 = typeof rhoOpt === 'number' ? checkRange('rho', rhoOpt, 0) : 0;

  const scaleOpt = options.scale ?? 1;
  let scaleAt: Schedule | null = null;
  let bound: { n?: number; delta: number; every: number } | null = null;
  if (typeof scaleOpt === 'number') {
    checkRange('noise scale', scaleOpt, 0);
    scaleAt = () => scaleOpt;
  } else if (typeof scaleOpt === 'function') {
    scaleAt = scaleOpt;
  } else if (scaleOpt && typeof scaleOpt === 'object' && 'bound' in scaleOpt) {
    const b = scaleOpt.bound;
    if (b.n !== undefined) checkInt('bound n', b.n, 2);
    bound = {
      n: b.n,
      delta: checkRange('bound delta', b.delta ?? 0.05, 0, 1, { min: true, max: true }),
      every: checkInt('bound interval', b.every ?? 10),
    };
  } else {
    throw new PacgenError('scale must be a number, a schedule or { bound: {...} }');
  }

  let perStep = 1;
  if (probes) perStep += (2 * probes.probes) / probes.every;
  if (rhoEst) perStep += (1 + 2 * (2 * rhoEst.probes * (1 + rhoEst.refine) + 1)) / rhoEst.every;

  let last: {
    sigma: Float64Array;
    kappa: Float64Array;
    s: number;
    rho: number;
    hMean: number;
  } | null = null;

  const stats = (): SigmaStats | null =>
    last && sigmaStatistics(last.sigma, last.kappa, last.s, last.rho, last.hMean);

  const name =
    `perturbed(${curvature.method}, ${bound ? 'bound' : typeof scaleOpt === 'number' ? `s=${scaleOpt}` : 's=schedule'}` +
    `, gamma=${gamma}, epsilon=${epsilon}, ${noise.kind}, ${inner.name})`;

  return {
    name,
    gradientsPerStep: perStep,
    init(p) {
      const m = p.length;
      return {
        count: 0,
        inner: inner.init(p),
        hSum: new Float64Array(m),
        hWeight: new Float64Array(m),
        rho: rho0,
        eta: null,
        prevPoint: null,
        prevGrad: null,
      };
    },

    async step(w, state, gradAt, context: StepContext = {}) {
      const m = w.length;
      checkLength('perturbedOpt state', state.hSum, m);
      const count = state.count;
      const precision = context.precision ?? 'f64';
      let evaluations = 0;
      let rho = state.rho;
      let hSum = state.hSum;
      let hWeight = state.hWeight;

      if (rhoEst && count % rhoEst.every === 0) {
        const obj = oracleObjective(gradAt, w, { precision, numSamples: context.batchSize });
        const est = await hessianLipschitz(obj, w, {
          gamma,
          epsilon,
          probes: rhoEst.probes,
          refine: rhoEst.refine,
          step: rhoEst.step,
          seed: mixSeed(seed, count, 2),
        });
        rho = est.rho;
        evaluations += est.cost;
      }

      if (probes && count % probes.every === 0) {
        // Hutchinson: ĥ ≈ mean_k v_k ⊙ H v_k on this minibatch, then an EMA across estimates.
        const rng = new Random(mixSeed(seed, count, 3));
        const est = new Float64Array(m);
        const v = new Float64Array(m);
        const t = probes.step ?? defaultHvpStep(precision);
        for (let k = 0; k < probes.probes; k++) {
          rng.rademacher(v);
          const hv = await oracleHvp(gradAt, w, v, precision, { step: t });
          for (let i = 0; i < m; i++) est[i] += (v[i] * hv[i]) / probes.probes;
        }
        evaluations += 2 * probes.probes;
        const b = probes.beta;
        hSum = hSum.map((x, i) => b * x + (1 - b) * est[i]);
        hWeight = hWeight.map((x) => b * x + (1 - b));
      }

      const h = new Float64Array(m);
      let hMean = 0;
      for (let i = 0; i < m; i++) {
        h[i] = hWeight[i] > 0 ? hSum[i] / hWeight[i] : 0;
        hMean += h[i] / m;
      }

      let s = 0;
      let eta = state.eta;
      if (count >= warmup) {
        if (bound) {
          if (eta === null || count % bound.every === 0) {
            const n = bound.n ?? context.trainSamples;
            if (n === undefined || !(n >= 2)) {
              throw new PacgenError(
                'the bound-based noise scale needs the training-set size n ≥ 2 (scale.bound.n or the step context)',
              );
            }
            const { kappa, a } = perturbationWidths({ w, h, rho, gamma, epsilon, scale: 1 });
            const tau = Float64Array.from(w, (x, i) => Math.abs(x) + kappa[i]);
            eta = optimalPerturbation({ a, kappa, tau, n, delta: bound.delta, noise }).eta;
          }
          s = Math.sqrt(eta);
        } else {
          s = at('noise scale', scaleAt as Schedule, count);
          if (s < 0) throw new PacgenError(`noise scale must be ≥ 0, got ${s} at step ${count}`);
        }
      }

      const { sigma, kappa } = perturbationWidths({ w, h, rho, gamma, epsilon, scale: s });
      const point = Float64Array.from(w);
      if (s > 0) {
        const rng = new Random(mixSeed(seed, count, 1));
        for (let i = 0; i < m; i++) if (sigma[i] > 0) point[i] += noise.sample(rng, sigma[i]);
      }
      const r = await gradAt(point);
      checkLength('gradient', r.grad, m);
      evaluations++;
      const g = Float64Array.from(r.grad);

      let prevPoint: Float64Array | null = null;
      let prevGrad: Float64Array | null = null;
      if (secant) {
        if (state.prevPoint && state.prevGrad) {
          // Coordinates that did not move (beyond rounding) carry no curvature information.
          const tol = 64 * (precision === 'f32' ? 2 ** -23 : 2 ** -52);
          const b = secant.beta;
          hSum = Float64Array.from(hSum);
          hWeight = Float64Array.from(hWeight);
          for (let i = 0; i < m; i++) {
            const dp = point[i] - state.prevPoint[i];
            const scaleP = Math.max(Math.abs(point[i]), Math.abs(state.prevPoint[i]));
            if (!(Math.abs(dp) > tol * scaleP)) continue;
            const ratio = Math.min(
              Math.abs(g[i] - state.prevGrad[i]) / Math.abs(dp),
              secant.maxCurvature,
            );
            hSum[i] = b * hSum[i] + (1 - b) * ratio;
            hWeight[i] = b * hWeight[i] + (1 - b);
          }
        }
        prevPoint = point;
        prevGrad = g;
      }

      const u = inner.update(g, state.inner, w);
      last = { sigma, kappa, s, rho, hMean };
      return {
        updates: u.updates,
        state: { count: count + 1, inner: u.state, hSum, hWeight, rho, eta, prevPoint, prevGrad },
        loss: r.loss,
        accuracy: r.accuracy ?? NaN,
        gradientEvaluations: evaluations,
      };
    },

    sigmaStats: stats,

    diagnostics(): Record<string, number> {
      const st = stats();
      if (!st) return {};
      return {
        sigmaMean: st.mean,
        sigmaMedian: st.median,
        sigmaMin: st.min,
        sigmaMax: st.max,
        sigmaFractionAtCap: st.fractionAtCap,
        noiseScale: st.scale,
        rho: st.rho,
        curvatureMean: st.curvatureMean,
      };
    },
  };
}

/** Mean, median, min, max of σ and the fraction at the cap σ_i = κ_i. Cost O(m log m). */
export function sigmaStatistics(
  sigma: Float64Array,
  kappa: ArrayLike<number>,
  scale = NaN,
  rho = NaN,
  curvatureMean = NaN,
): SigmaStats {
  const m = sigma.length;
  const sorted = Float64Array.from(sigma).sort();
  let sum = 0;
  let capped = 0;
  for (let i = 0; i < m; i++) {
    sum += sigma[i];
    if (sigma[i] > 0 && sigma[i] === kappa[i]) capped++;
  }
  const median =
    m === 0 ? NaN : m % 2 ? sorted[(m - 1) / 2] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]);
  return {
    mean: sum / m,
    median,
    min: sorted[0] ?? NaN,
    max: sorted[m - 1] ?? NaN,
    fractionAtCap: capped / m,
    scale,
    rho,
    curvatureMean,
  };
}
