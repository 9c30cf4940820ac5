// A PACGen report as the CLI's `score --json` and the web app's Score page show it: the summary
// figures and one row per parameter tensor, without the per-coordinate arrays (h, σ*), which
// are m numbers each and are exported on their own.

import type { ParameterTensor } from '../objective/objective.js';
import { minMeanMax, summarizeVector, type Summary } from '../summary.js';
import type { PacgenReport } from './report.js';

/** One parameter tensor's share of Ψ and Ψ*, its curvature and its σ*. */
export interface LayerSummary {
  name: string;
  shape: number[];
  size: number;
  /** Σ over the tensor of the Ψ and Ψ* terms (nats), and per parameter. */
  psi: number;
  psiStar: number;
  psiPerParameter: number;
  psiStarPerParameter: number;
  /** Fractions of the tensor on the curvature branch of Ψ and of Ψ*. */
  curvatureFraction: number;
  curvatureFractionStar: number;
  /** The Hessian diagonal h and σ* over the tensor. */
  h: Summary;
  sigmaStar: Summary;
}

/** The report's figures without its per-coordinate arrays, and a row per parameter tensor. */
export interface ReportSummary {
  /** Literal Ψ_{γ,ε} and Ψ* at σ* (nats). */
  psi: number;
  psiStar: number;
  perParameter: { psi: number; psiStar: number };
  curvatureFraction: number;
  curvatureFractionStar: number;
  /** n of the bound: the training samples the model was trained on (ingredients.n). */
  trainSamples: number;
  trainLoss: number;
  numParams: number;
  numSamples: number;
  precision: 'f32' | 'f64';
  rho: PacgenReport['rho'];
  eta: number;
  localMinima: number;
  /** σ* over all coordinates, and the fraction of them at the cap κ. */
  sigmaStar: Summary & { fractionAtCap: number };
  bound: PacgenReport['bound'];
  diagonal: Omit<PacgenReport['diagonal'], 'values' | 'perTensor'>;
  ingredients: PacgenReport['ingredients'];
  monteCarlo: NonNullable<PacgenReport['monteCarlo']> | null;
  layers: LayerSummary[];
  cost: PacgenReport['cost'];
}

/**
 * The summary of a PACGen report: Ψ and Ψ*, their ingredients, σ* statistics, the bound, the
 * diagonal's method and statistics, per-tensor rows (shapes from `tensors`, the objective's)
 * and the cost. Cost: O(m), no gradient evaluations.
 */
export function summarizeReport(
  r: PacgenReport,
  tensors: readonly Pick<ParameterTensor, 'shape'>[],
): ReportSummary {
  return {
    psi: r.psi,
    psiStar: r.psiStar,
    perParameter: r.perParameter,
    curvatureFraction: r.curvatureFraction,
    curvatureFractionStar: r.curvatureFractionStar,
    trainSamples: r.ingredients.n,
    trainLoss: r.trainLoss,
    numParams: r.numParams,
    numSamples: r.numSamples,
    precision: r.precision,
    rho: r.rho,
    eta: r.eta,
    localMinima: r.localMinima,
    sigmaStar: {
      ...minMeanMax(summarizeVector(r.sigmaStar)),
      fractionAtCap: 1 - r.curvatureFractionStar,
    },
    bound: r.bound,
    diagonal: {
      method: r.diagonal.method,
      probes: r.diagonal.probes,
      summary: r.diagonal.summary,
      stdErr: r.diagonal.stdErr,
      cost: r.diagonal.cost,
      health: r.diagonal.health,
    },
    ingredients: r.ingredients,
    monteCarlo: r.monteCarlo ?? null,
    layers: layerSummaries(r, tensors),
    cost: r.cost,
  };
}

/** One row per tensor of the report's breakdown (none when it has no breakdown). */
function layerSummaries(
  r: PacgenReport,
  tensors: readonly Pick<ParameterTensor, 'shape'>[],
): LayerSummary[] {
  return (r.perTensor ?? []).map((t, i) => ({
    name: t.name,
    shape: [...(tensors[i]?.shape ?? [t.size])],
    size: t.size,
    psi: t.psi,
    psiStar: t.psiStar,
    psiPerParameter: t.perParameter.psi,
    psiStarPerParameter: t.perParameter.psiStar,
    curvatureFraction: t.curvatureFraction,
    curvatureFractionStar: t.curvatureFractionStar,
    h: t.h,
    sigmaStar: minMeanMax(summarizeVector(r.sigmaStar, t.name, t.offset, t.size)),
  }));
}
