// perturbedOPT (docs/method.md §5): the inner optimizer steps w with the gradient taken at a random
// point w + u of the PAC-Bayes posterior, u_i of half-width σ_i = min(s/√a_i, κ_i), so the noise
// is larger along flat directions. Minimising this in expectation minimises E_u[L̂(w+u)].

import { PacgenError, Random } from '@pacgen/core-wasm';
import { noiseModel, type NoiseKind } from '../pacgen/noise.js';
import { checkInteger, checkLength, checkRange } from '../checks.js';
import {
  curvatureEstimate,
  curvatureTracker,
  type CurvatureEstimator,
  type CurvatureState,
} from './perturbed-curvature.js';
import { noiseScaleRule, rhoRule, type BoundScale, type RhoOption } from './perturbed-scale.js';
import { mixSeed } from './seeds.js';
import { runProgram, type StepProgram } from './step-program.js';
import type {
  GradientOracle,
  GradientTransformation,
  Optimizer,
  Schedule,
  StepContext,
  StepResult,
} from './types.js';

export type {
  CurvatureEstimator,
  NoCurvature,
  ProbeCurvature,
  SecantCurvature,
} from './perturbed-curvature.js';
export type { BoundScale } from './perturbed-scale.js';

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
   * `probes` default 4, `refine` default 0, `step` the HVP's move, docs/method.md §5).
   */
  rho?: RhoOption;
  /** Noise-free steps at the start (the secant estimate still accumulates). Default 0. */
  warmup?: number;
  /** Seed of the perturbations and probes (default 0). */
  seed?: number;
}

/**
 * State of perturbedOPT; everything needed to continue exactly: the step count, the inner
 * optimizer's state, the curvature tracker's sums (hSum, hWeight, prevPoint, prevGrad), ρ̂ and
 * the cached η of the bound-based scale (null until computed).
 */
export interface PerturbedState extends CurvatureState {
  /** Steps done. */
  count: number;
  inner: unknown;
  /** Current ρ̂. */
  rho: number;
  /** Cached η of the bound-based scale (null until computed). */
  eta: number | null;
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

/** A step of perturbedOPT: the step result with the σ statistics of the step. */
export interface PerturbedStepResult extends StepResult<PerturbedState> {
  /** σ statistics of this step. Cost O(m log m), paid only when called. */
  sigmaStats(): SigmaStats;
  diagnostics(): Record<string, number>;
}

/** perturbedOPT: an Optimizer whose steps also report their σ statistics. */
export interface PerturbedOptimizer extends Optimizer<PerturbedState> {
  step(
    params: Float64Array,
    state: PerturbedState,
    gradAt: GradientOracle,
    context?: StepContext,
  ): Promise<PerturbedStepResult>;
  /** The step as a program (a synchronous oracle); throws for an estimated ρ̂. */
  program(
    params: Float64Array,
    state: PerturbedState,
    context?: StepContext,
  ): StepProgram<PerturbedStepResult>;
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
 * perturbedOPT (docs/method.md §5). Each step on minibatch B: σ from the current curvature estimate,
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
 * Each step's result carries its σ statistics (`sigmaStats`, `diagnostics`); the optimizer object
 * itself holds no state, so one instance may serve many runs.
 */
export function perturbedOpt(options: PerturbedOptions): PerturbedOptimizer {
  const { inner } = options;
  if (!inner || typeof inner.update !== 'function') {
    throw new PacgenError('perturbedOpt needs an inner gradient transformation (e.g. sgd or adam)');
  }
  const gamma = checkRange('gamma', options.gamma ?? 0.1, 0);
  const epsilon = checkRange('epsilon', options.epsilon ?? 0.1, 0);
  const noise = noiseModel(options.noise ?? 'uniform');
  const warmup = checkInteger('warmup', options.warmup ?? 0, 0);
  const seed = options.seed ?? 0;
  checkRange('seed', seed, -Infinity);
  const tracker = curvatureTracker(options.curvature);
  const rhoAt = rhoRule(options.rho ?? 0, gamma, epsilon, seed);
  const scaleAt = noiseScaleRule(options.scale ?? 1, noise);

  /** One step after ρ̂ is known (`r0`): a program over the minibatch gradients. */
  function* stepAfterRho(
    w: Float64Array,
    state: PerturbedState,
    context: StepContext,
    r0: { rho: number; evaluations: number },
  ): StepProgram<PerturbedStepResult> {
    const m = w.length;
    const { count } = state;
    const at = { count, precision: context.precision ?? 'f64', seed };
    const rho = r0.rho;
    const { hSum, hWeight, prevPoint, prevGrad } = state;
    const c0 = yield* tracker.before(w, { hSum, hWeight, prevPoint, prevGrad }, at);
    const { h, mean: hMean } = curvatureEstimate(c0.state);

    let s = 0;
    let eta = state.eta;
    if (count >= warmup) {
      const widths = () => perturbationWidths({ w, h, rho, gamma, epsilon, scale: 1 });
      ({ s, eta } = scaleAt.scale(count, { w, widths, eta, trainSamples: context.trainSamples }));
    }
    const { sigma, kappa } = perturbationWidths({ w, h, rho, gamma, epsilon, scale: s });
    const point = Float64Array.from(w);
    if (s > 0) {
      const rng = new Random(mixSeed(seed, count, 1));
      for (let i = 0; i < m; i++) if (sigma[i] > 0) point[i] += noise.sample(rng, sigma[i]);
    }
    const r = yield point;
    checkLength('gradient', r.grad, m);
    const g = Float64Array.from(r.grad);
    const curvature = tracker.after(point, g, c0.state, at);

    const u = inner.update(g, state.inner, w);
    const stats = () => sigmaStatistics(sigma, kappa, s, rho, hMean);
    return {
      updates: u.updates,
      state: { ...curvature, count: count + 1, inner: u.state, rho, eta },
      loss: r.loss,
      accuracy: r.accuracy ?? NaN,
      gradientEvaluations: r0.evaluations + c0.evaluations + 1,
      sigmaStats: stats,
      diagnostics: () => sigmaDiagnostics(stats()),
    };
  }

  return {
    name: `perturbed(${tracker.method}, ${scaleAt.label}, gamma=${gamma}, epsilon=${epsilon}, ${noise.kind}, ${inner.name})`,
    gradientsPerStep: 1 + tracker.gradientsPerStep + rhoAt.gradientsPerStep,
    init(p) {
      return {
        count: 0,
        inner: inner.init(p),
        ...tracker.init(p.length),
        rho: rhoAt.initial,
        eta: null,
      };
    },

    async step(w, state, gradAt, context: StepContext = {}) {
      checkLength('perturbedOpt state', state.hSum, w.length);
      const at = { count: state.count, gradAt, precision: context.precision ?? 'f64' };
      const r0 = await rhoAt.update(w, state.rho, { ...at, batchSize: context.batchSize });
      return runProgram(stepAfterRho(w, state, context, r0), gradAt);
    },

    program(w, state, context: StepContext = {}) {
      if (rhoAt.gradientsPerStep > 0) {
        throw new PacgenError(
          'perturbedOpt with an estimated rho ({ every }) runs hessianLipschitz, which cannot step synchronously: give rho as a number',
        );
      }
      checkLength('perturbedOpt state', state.hSum, w.length);
      return stepAfterRho(w, state, context, { rho: state.rho, evaluations: 0 });
    },
  };
}

/** σ statistics as the flat record of a history row's `optimizer` field. */
function sigmaDiagnostics(st: SigmaStats): Record<string, number> {
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
