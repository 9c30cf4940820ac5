// Ψ during training: the PACGen report of the current parameters on the training set (or on a
// subset of it that keeps the set's size n for Ψ* and the bound), reduced to a history entry.

import type { Network } from '@pacgen/core-wasm';
import { networkObjective } from '../objective/network.js';
import { pacgen, type PacgenOptions } from '../pacgen/report.js';
import type { PsiRecord } from './history.js';

/**
 * Ψ, Ψ*, their curvature fractions, ρ, η and the bound at `w`. `subset`: training-set indices
 * the curvature is estimated on (null: all n). Cost: the PACGen report's, on |subset| samples.
 */
export async function psiRecord(
  net: Network,
  w: Float64Array,
  n: number,
  subset: Int32Array | null | undefined,
  options: PacgenOptions | undefined,
  seed: number,
): Promise<PsiRecord> {
  const obj = networkObjective(net, { samples: subset ?? { start: 0, count: n }, params: w });
  const scored = subset ? { ...obj, numSamples: n } : obj;
  const r = await pacgen(scored, w, { ...options, seed: options?.seed ?? seed });
  return {
    psi: r.psi,
    psiStar: r.psiStar,
    psiPerParameter: r.perParameter.psi,
    psiStarPerParameter: r.perParameter.psiStar,
    curvatureFraction: r.curvatureFraction,
    curvatureFractionStar: r.curvatureFractionStar,
    rho: r.rho.value,
    eta: r.eta,
    bound: r.bound.total,
    gradientEvaluations: r.cost.gradientEvaluations,
  };
}
