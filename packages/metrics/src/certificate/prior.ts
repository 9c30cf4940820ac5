// The certificate's prior P = N(w₀, λI), chosen without the data: w₀ is the initialisation the
// run started from (recomputed from its seed), or 0; λ comes from a fixed geometric grid whose
// every point the bound pays for with a union bound (Dziugaite & Roy 2017). docs/method.md §9.

import { Network, PacgenError, type NetworkSpec, type Precision } from '@pacgen/core-wasm';

/** A fixed geometric grid of prior variances λ (parameter units²). */
export interface PriorVarianceGrid {
  /** Largest and smallest λ. */
  max: number;
  min: number;
  /** Number of grid points J: the bound spends ln J nats on choosing one. */
  points: number;
}

/**
 * [choice] λ from 1 down to 1e-12 at 10,001 points: adjacent variances differ by a factor
 * e^0.00276, so the chosen λ's KL exceeds the best continuous λ's by at most m·(0.00138)²/4
 * nats (0.23 for m = 477,010), and the union bound costs ln 10,001 = 9.2 nats.
 */
export const DEFAULT_PRIOR_GRID: PriorVarianceGrid = { max: 1, min: 1e-12, points: 10_001 };

/** The grid's values λ_j = max·(min/max)^(j/(J − 1)), j = 0 … J − 1. Cost: O(J). */
export function priorVariances(grid: PriorVarianceGrid = DEFAULT_PRIOR_GRID): number[] {
  const { max, min, points } = grid;
  if (!(min > 0 && max >= min && Number.isFinite(max))) {
    throw new PacgenError(`prior variance grid needs 0 < min ≤ max < ∞, got [${min}, ${max}]`);
  }
  if (!(Number.isInteger(points) && points >= 1)) {
    throw new PacgenError(
      `prior variance grid needs an integer number of points ≥ 1, got ${points}`,
    );
  }
  if (points === 1) return [max];
  const step = Math.log(min / max) / (points - 1);
  return Array.from({ length: points }, (_, j) => max * Math.exp(j * step));
}

/**
 * The prior mean w₀ of a model trained from a preset: the seeded initialisation the training
 * started from (`Network.initParams(seed)`, Glorot-uniform kernels and zero biases), in the
 * precision it was trained in (an f32 run rounds it to f32). Depends on the architecture and
 * the seed only, never on the data. Cost: builds one network, O(m).
 */
export async function initialisationPrior(
  spec: NetworkSpec,
  seed: number,
  precision: Precision = 'f32',
): Promise<Float64Array> {
  const net = await Network.create(spec, { precision });
  return Float64Array.from(net.initParams(seed));
}
