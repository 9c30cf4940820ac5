// Does each measure rank a sweep's generalization gaps? Kendall's τ of every measure against the
// final cross-entropy gap and the final 0-1 error gap (all runs, and those at the target loss),
// Jiang et al.'s granulated τ over the varied axes, each with a bootstrap interval over
// resampled runs, and τ of Ψ (Ψ*) against the gap over every epoch. Browser-safe.

import {
  BOOTSTRAP_DEFAULTS,
  bootstrapInterval,
  kendallTauInterval,
  type BootstrapInterval,
  type BootstrapOptions,
} from './kendall-bootstrap.js';
import { granulatedTau, kendallTau, type GranulatedResult, type KendallResult } from './kendall.js';
import { MEASURE_NAMES, type MeasureName } from './measures.js';
import type { SweepRunResult } from './sweep-run.js';

/** The generalization gaps a measure is ranked against. */
export type GapKind = 'crossEntropy' | 'error';

/**
 * τ of one measure against one gap: over all runs, over the runs at the target loss, and
 * granulated, each with a percentile bootstrap interval over resampled runs.
 */
export interface GapRanking {
  /** Over every run that did not diverge (runs stopped by the cap included). */
  all: KendallResult;
  /** Over the runs that reached the target loss only. */
  atTarget: KendallResult;
  /** Jiang et al.'s granulated τ over the varied axes (the seed groups, never varies). */
  granulated: GranulatedResult;
  /** Bootstrap intervals of all.tau, atTarget.tau and granulated.mean (runs resampled). */
  intervals: { all: BootstrapInterval; atTarget: BootstrapInterval; granulated: BootstrapInterval };
}

/**
 * τ of one measure against the final gaps: the cross-entropy gap (test − train loss, nats) at
 * the top level, as before, and the 0-1 error gap (test error − training error, as Jiang et al.
 * 2020 rank measures) under `errorGap`.
 */
export interface MeasureCorrelation extends GapRanking {
  measure: MeasureName;
  errorGap: GapRanking;
}

/** τ of every measure at the end of training, and τ of Ψ and Ψ* over the epochs. */
export interface SweepCorrelations {
  final: MeasureCorrelation[];
  /** τ between Ψ (and Ψ*) and the cross-entropy gap over every (run, epoch ≥ 1) with Ψ computed. */
  epochwise: { measure: 'psi' | 'psiStar'; tau: KendallResult }[];
  /** How the intervals were drawn (the same resamples for every measure and gap). */
  bootstrap: Required<BootstrapOptions>;
}

/** A run's final 0-1 error gap: test error − training error = train accuracy − test accuracy. */
export function errorGap(r: SweepRunResult): number {
  return r.final.trainAccuracy - r.final.testAccuracy;
}

/**
 * τ of `value` against `gap` over `runs`: all, at target and granulated over `varied`, each
 * with its bootstrap interval. Cost: (1 + resamples)·O(N log N) per statistic for N runs.
 */
function rankAgainstGap(
  runs: readonly SweepRunResult[],
  value: (r: SweepRunResult) => number,
  gap: (r: SweepRunResult) => number,
  varied: readonly string[],
  bootstrap: Required<BootstrapOptions>,
): GapRanking {
  const atTarget = runs.filter((r) => r.reachedTarget);
  const points = runs.map((r) => ({ hyper: { ...r.point }, measure: value(r), gap: gap(r) }));
  return {
    all: kendallTau(runs.map(value), runs.map(gap)),
    atTarget: kendallTau(atTarget.map(value), atTarget.map(gap)),
    granulated: granulatedTau(points, varied),
    intervals: {
      all: kendallTauInterval(runs.map(value), runs.map(gap), bootstrap),
      atTarget: kendallTauInterval(atTarget.map(value), atTarget.map(gap), bootstrap),
      granulated: bootstrapInterval(
        points.length,
        (idx) =>
          granulatedTau(
            Array.from(idx, (i) => points[i]),
            varied,
          ).mean,
        bootstrap,
      ),
    },
  };
}

/**
 * Kendall's τ between each measure and the final gaps (cross-entropy and 0-1 error; over all
 * non-diverged runs, and over those that reached the target), the granulated τ over the axes
 * that vary (optimizer, learning rate, batch size; the seed only groups), each with a seeded
 * percentile bootstrap interval (runs resampled with replacement; default 1,000 resamples,
 * 95%), and τ between Ψ (Ψ*) and the cross-entropy gap over every epoch with Ψ.
 * Cost: 6·(1 + resamples) rank statistics per measure, each O(N log N) for N runs.
 */
export function sweepCorrelations(
  runs: readonly SweepRunResult[],
  bootstrapOptions: BootstrapOptions = {},
): SweepCorrelations {
  const bootstrap = { ...BOOTSTRAP_DEFAULTS, ...bootstrapOptions };
  const ok = runs.filter((r) => r.stopReason !== 'diverged' && r.measures !== null);
  const valueOf = (m: MeasureName) => (r: SweepRunResult) => r.measures?.values[m]?.value ?? NaN;
  const varied = (['optimizer', 'learningRate', 'batchSize'] as const).filter(
    (k) => new Set(ok.map((r) => String(r.point[k]))).size > 1,
  );
  const final = MEASURE_NAMES.filter((m) =>
    ok.some((r) => r.measures?.values[m] !== undefined),
  ).map((measure): MeasureCorrelation => ({
    measure,
    ...rankAgainstGap(ok, valueOf(measure), (r) => r.final.gap, varied, bootstrap),
    errorGap: rankAgainstGap(ok, valueOf(measure), errorGap, varied, bootstrap),
  }));
  const epochwise = (['psi', 'psiStar'] as const).map((measure) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const r of ok) {
      r.curves.epoch.forEach((e, i) => {
        const v = r.curves[measure][i];
        const g = r.curves.gap[i];
        if (e >= 1 && v !== null && g !== null) {
          xs.push(v);
          ys.push(g);
        }
      });
    }
    return { measure, tau: kendallTau(xs, ys) };
  });
  return { final, epochwise, bootstrap };
}
