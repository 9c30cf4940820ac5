// PACGen from given curvature (docs/method.md §2–3): pure arithmetic over typed arrays, no Objective.

import type { ParameterTensor } from '../objective/objective.js';
import { pacBayesBound, type BoundTerms } from './bound.js';
import { effectiveCurvature, neighbourhoodRadius, priorRadius } from './neighbourhood.js';
import { noiseModel, type NoiseKind } from './noise.js';
import { optimalPerturbation } from './optimal-perturbation.js';
import { belowCap, curvatureBranch, logRatioTerms, psiTerms, sumRange } from './psi.js';
import { fraction, summarize, type Summary } from '../summary.js';
import {
  checkConfidence,
  checkFinite,
  checkFiniteVector,
  checkNonNegative,
  checkPositive,
  checkSampleCount,
  checkTensors,
} from '../checks.js';

export interface PacgenCurvatureInput {
  /** The point being scored, w (parameter units), length m. */
  w: ArrayLike<number>;
  /** Hessian diagonal h_i = ∂²L̂/∂w_i² at w (loss units per parameter unit²), length m. */
  h: ArrayLike<number>;
  /** Hessian Lipschitz constant ρ on the box (loss units per parameter unit³), ≥ 0. */
  rho: number;
  /** Number of training samples n (≥ 2). */
  n: number;
  /** Relative neighbourhood size γ (default 0.1). */
  gamma?: number;
  /** Absolute neighbourhood size ε (parameter units, default 0.1). */
  epsilon?: number;
  /** PAC-Bayes confidence δ ∈ (0, 1) (default 0.05). */
  delta?: number;
  /** Posterior family (default 'uniform'); see noise.ts for the truncated Gaussian. */
  noise?: NoiseKind;
  /** L̂(w), to include in the bound's total (loss units). */
  trainLoss?: number;
  /** Parameter blocks for the per-tensor breakdown. */
  tensors?: readonly ParameterTensor[];
}

/** Ψ, Ψ* and the fractions for one parameter tensor (or any block of coordinates). */
export interface PacgenTensorBreakdown {
  name: string;
  offset: number;
  size: number;
  /** Σ over the block of ln(τ_i · max(√a_i, 1/κ_i)) (nats). */
  psi: number;
  /** Σ over the block of ln(τ_i/σ*_i) (nats). */
  psiStar: number;
  /** psi/size and psiStar/size (nats per parameter). */
  perParameter: { psi: number; psiStar: number };
  /** Fraction of the block with √a_i > 1/κ_i. */
  curvatureFraction: number;
  /** Fraction of the block with σ*_i < κ_i. */
  curvatureFractionStar: number;
  /** Statistics of h over the block (loss units per parameter unit²). */
  h: Summary;
}

export interface PacgenCurvatureResult {
  /** Literal Ψ_{γ,ε} = Σ ln(τ_i · max(√a_i, 1/κ_i)) (nats). Lower: better expected generalization. */
  psi: number;
  /** Ψ* = Σ ln(τ_i/σ*_i) at the bound-optimal σ* (nats). */
  psiStar: number;
  /** Fraction of coordinates where the curvature enters Ψ (√a_i > 1/κ_i); the rest score |w|. */
  curvatureFraction: number;
  /** Fraction of coordinates where σ*_i < κ_i (curvature enters Ψ*). */
  curvatureFractionStar: number;
  /** σ* (parameter units). */
  sigmaStar: Float64Array;
  /** η of the fixed point σ*_i = min(√(η/a_i), κ_i) (loss units). */
  eta: number;
  /** Local minima of the bound along σ(η); more than 1 means η's fixed point is not unique. */
  localMinima: number;
  /** Ψ and Ψ* divided by m (nats per parameter). */
  perParameter: { psi: number; psiStar: number };
  /** The ingredients: κ, τ, h and a statistics, ρ and the fraction of h clamped to a = 0. */
  ingredients: {
    gamma: number;
    epsilon: number;
    delta: number;
    noise: NoiseKind;
    rho: number;
    m: number;
    n: number;
    kappa: Summary;
    tau: Summary;
    h: Summary;
    a: Summary;
    /** Fraction of coordinates with h_i + ρ√m κ_i ≤ 0 (a_i = 0). */
    clampedFraction: number;
  };
  /** Per-tensor breakdown, in the order of `tensors`, when tensors were given. */
  perTensor?: PacgenTensorBreakdown[];
  /**
   * The PAC-Bayes bound at σ*. It assumes a loss in [0, 1]: for cross-entropy the total is a
   * score on the loss scale, not a guarantee.
   */
  bound: BoundTerms;
}

/**
 * PACGen Ψ, Ψ*, the optimal perturbation σ* and the PAC-Bayes bound from a Hessian diagonal
 * and a Lipschitz constant (docs/method.md §2–3). The bound assumes a loss in [0, 1]; for
 * cross-entropy it is a score, not a guarantee. Throws PacgenError on invalid input.
 * Cost: O(m log m) arithmetic, no gradient evaluations.
 */
export function pacgenFromCurvature(input: PacgenCurvatureInput): PacgenCurvatureResult {
  const { w, h, rho, n } = input;
  const gamma = input.gamma ?? 0.1;
  const epsilon = input.epsilon ?? 0.1;
  const delta = input.delta ?? 0.05;
  const kind = input.noise ?? 'uniform';
  checkPositive('gamma', gamma);
  checkPositive('epsilon', epsilon);
  checkConfidence(delta);
  checkSampleCount(n);
  checkFiniteVector('w', w);
  const m = w.length;
  checkFiniteVector('h', h, m);
  checkNonNegative('rho', rho, '>=');
  if (input.trainLoss !== undefined) checkFinite('trainLoss', input.trainLoss);
  if (input.tensors) checkTensors(input.tensors, m);
  const noise = noiseModel(kind);

  const kappa = neighbourhoodRadius(w, gamma, epsilon);
  const tau = priorRadius(w, kappa);
  const a = effectiveCurvature(h, rho, kappa);
  const terms = psiTerms(a, kappa, tau);
  const branch = curvatureBranch(a, kappa);
  const opt = optimalPerturbation({ a, kappa, tau, n, delta, noise });
  const starTerms = logRatioTerms(tau, opt.sigma);
  const below = belowCap(opt.sigma, kappa);
  const psi = sumRange(terms);
  const psiStar = sumRange(starTerms);
  let clamped = 0;
  for (let i = 0; i < m; i++) if (a[i] === 0) clamped++;

  const perTensor = input.tensors?.map((t): PacgenTensorBreakdown => {
    const end = t.offset + t.size;
    const tp = sumRange(terms, t.offset, end);
    const ts = sumRange(starTerms, t.offset, end);
    return {
      name: t.name,
      offset: t.offset,
      size: t.size,
      psi: tp,
      psiStar: ts,
      perParameter: { psi: tp / t.size, psiStar: ts / t.size },
      curvatureFraction: fraction(branch, t.offset, end),
      curvatureFractionStar: fraction(below, t.offset, end),
      h: summarize(h, t.offset, end),
    };
  });

  const result: PacgenCurvatureResult = {
    psi,
    psiStar,
    curvatureFraction: fraction(branch),
    curvatureFractionStar: fraction(below),
    sigmaStar: opt.sigma,
    eta: opt.eta,
    localMinima: opt.localMinima,
    perParameter: { psi: psi / m, psiStar: psiStar / m },
    ingredients: {
      gamma,
      epsilon,
      delta,
      noise: kind,
      rho,
      m,
      n,
      kappa: summarize(kappa),
      tau: summarize(tau),
      h: summarize(h),
      a: summarize(a),
      clampedFraction: clamped / m,
    },
    bound: pacBayesBound({
      a,
      sigma: opt.sigma,
      tau,
      n,
      delta,
      noise,
      trainLoss: input.trainLoss,
    }),
  };
  if (perTensor) result.perTensor = perTensor;
  return result;
}
