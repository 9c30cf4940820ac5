// How long a score will take, from a quick measurement: the gradient evaluations each estimator
// will spend (docs/method.md §6) times the seconds one gradient takes on this engine, model and
// data, timed before the long run starts.

import type { Objective } from '@pacgen/metrics';
import type { ScoreJob } from './protocol';

/** The engine's limit below which the 'auto' Hessian diagonal is exact (EXACT_DIAGONAL_LIMIT). */
const EXACT_UP_TO = 20000;

/** Gradient evaluations per part of a score, at most (Lanczos may converge in fewer steps). */
export interface ScoreCost {
  diagonal: number;
  rho: number;
  eigenvalues: number;
  density: number;
  total: number;
}

type CostSettings = Pick<
  ScoreJob,
  'diagonal' | 'probes' | 'rhoProbes' | 'eigenvalues' | 'densityRuns' | 'densitySteps'
>;

/**
 * The gradient evaluations a score with these settings spends on a model of m parameters, as
 * docs/method.md §6 counts them: the diagonal 2m + 1 (exact) or 2K + 1 (Hutchinson), ρ̂
 * 1 + 2·(2K + 1), the top k eigenvalues at most 1 + 2·(iterations + k) with the iterations the
 * worker asks for, the density 1 + 2·runs·steps. Cost: none (arithmetic).
 */
export function scoreCost(s: CostSettings, m: number): ScoreCost {
  const exact = s.diagonal === 'exact' || (s.diagonal === 'auto' && m <= EXACT_UP_TO);
  const diagonal = exact ? 2 * m + 1 : 2 * s.probes + 1;
  const rho = 1 + 2 * (2 * s.rhoProbes + 1);
  const k = Math.min(s.eigenvalues, m);
  const eigenvalues = k > 0 ? 1 + 2 * (eigenIterations(k, m) + k) : 0;
  const density = s.densityRuns > 0 ? 1 + 2 * s.densityRuns * Math.min(m, s.densitySteps) : 0;
  return { diagonal, rho, eigenvalues, density, total: diagonal + rho + eigenvalues + density };
}

/** The Lanczos iterations the worker gives topEigenvalues for the top k of m. */
export function eigenIterations(k: number, m: number): number {
  return Math.min(m, Math.max(30, 3 * k));
}

/**
 * Seconds one gradient evaluation takes on this objective at its own parameters: the median of
 * `reps` timed evaluations after one untimed warm-up (compilation, first-touch of memory).
 * Cost: reps + 1 gradient evaluations.
 */
export async function secondsPerGradient(obj: Objective, reps = 3): Promise<number> {
  const w = obj.params();
  await obj.gradient(w);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await obj.gradient(w);
    times.push((performance.now() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[reps >> 1];
}
