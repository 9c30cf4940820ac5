// The posterior perturbation families of docs/method.md §3. Both are parameterised by a half-width
// σ_i (support [−σ_i, σ_i], inside the neighbourhood box when σ_i ≤ κ_i) and scored against the
// same prior Uniform(−τ_i, τ_i), so the bound has one shape for both:
//   curvature term  ½·v·Σ a_i σ_i²        (v = Var(u_i)/σ_i²)
//   KL              Σ ln(τ_i/σ_i) + m·k   (k = KL(q_σ ‖ U(−τ,τ)) − ln(τ/σ), a constant)

import { PacgenError, describeValue, type Random } from '@pacgen/core-wasm';
import { erf } from '../stats.js';

export type NoiseKind = 'uniform' | 'truncated-gaussian';

/** A perturbation family with half-width σ: the constants the bound needs, and a sampler. */
export interface NoiseModel {
  readonly kind: NoiseKind;
  /** v = Var(u)/σ² (dimensionless). */
  readonly varianceFactor: number;
  /** k = KL(q_σ ‖ Uniform(−τ, τ)) − ln(τ/σ) per coordinate (nats, independent of σ and τ). */
  readonly klOffset: number;
  /** One draw of u with half-width σ. */
  sample(rng: Random, sigma: number): number;
}

/**
 * [choice] The truncated Gaussian is N(0, s²) truncated to ±c·s with c = 2, scaled so that
 * its support is the half-width: s = σ/2.
 */
export const TRUNCATION = 2;

/** Constants of N(0,1) truncated to [−c, c]: mass Z, variance, entropy (nats). */
export function truncatedNormalMoments(c: number): {
  mass: number;
  variance: number;
  entropy: number;
} {
  const phi = Math.exp(-0.5 * c * c) / Math.sqrt(2 * Math.PI);
  const mass = erf(c / Math.SQRT2);
  return {
    mass,
    variance: 1 - (2 * c * phi) / mass,
    entropy: 0.5 * Math.log(2 * Math.PI * Math.E) + Math.log(mass) - (c * phi) / mass,
  };
}

const uniform: NoiseModel = {
  kind: 'uniform',
  varianceFactor: 1 / 3,
  klOffset: 0,
  sample: (rng, sigma) => (2 * rng.uniform() - 1) * sigma,
};

const truncated = truncatedNormalMoments(TRUNCATION);

const truncatedGaussian: NoiseModel = {
  kind: 'truncated-gaussian',
  // u = (σ/c)·z with z standard normal truncated to [−c, c].
  varianceFactor: truncated.variance / (TRUNCATION * TRUNCATION),
  // KL = ln(2τ) − H(u), H(u) = H(z) + ln(σ/c)  ⇒  KL − ln(τ/σ) = ln(2c) − H(z).
  klOffset: Math.log(2 * TRUNCATION) - truncated.entropy,
  sample(rng, sigma) {
    // Rejection from the untruncated normal: accepts 95.4% of draws at c = 2.
    for (;;) {
      const z = rng.normal();
      if (Math.abs(z) <= TRUNCATION) return (z * sigma) / TRUNCATION;
    }
  },
};

/** The noise model for a kind (throws on an unknown kind). */
export function noiseModel(kind: NoiseKind): NoiseModel {
  if (kind === 'uniform') return uniform;
  if (kind === 'truncated-gaussian') return truncatedGaussian;
  throw new PacgenError(
    `noise must be 'uniform' or 'truncated-gaussian', got ${describeValue(kind)}`,
  );
}
