// Does each measure rank a sweep's generalization gaps? Kendall's τ of every measure against the
// final gap (all runs, and those at the target loss), Jiang et al.'s granulated τ over the
// varied axes, and τ of Ψ (Ψ*) against the gap over every epoch. Browser-safe.

import { granulatedTau, kendallTau, type GranulatedResult, type KendallResult } from './kendall.js';
import { MEASURE_NAMES, type MeasureName } from './measures.js';
import type { SweepRunResult } from './sweep-run.js';

/** τ of one measure against the final gap. */
export interface MeasureCorrelation {
  measure: MeasureName;
  /** Over every run that did not diverge (runs stopped by the cap included). */
  all: KendallResult;
  /** Over the runs that reached the target loss only. */
  atTarget: KendallResult;
  /** Jiang et al.'s granulated τ over the varied axes (the seed groups, never varies). */
  granulated: GranulatedResult;
}

/** τ of every measure at the end of training, and τ of Ψ and Ψ* over the epochs. */
export interface SweepCorrelations {
  final: MeasureCorrelation[];
  /** τ between Ψ (and Ψ*) and the gap over every (run, epoch ≥ 1) with Ψ computed. */
  epochwise: { measure: 'psi' | 'psiStar'; tau: KendallResult }[];
}

/**
 * Kendall's τ between each measure and the final gap (over all non-diverged runs, and over those
 * that reached the target), the granulated τ over the axes that vary (optimizer, learning rate,
 * batch size; the seed only groups), and τ between Ψ (Ψ*) and the gap over every epoch with Ψ.
 * Cost: O(N log N) per measure for N runs.
 */
export function sweepCorrelations(runs: readonly SweepRunResult[]): SweepCorrelations {
  const ok = runs.filter((r) => r.stopReason !== 'diverged' && r.measures !== null);
  const atTarget = ok.filter((r) => r.reachedTarget);
  const valueOf = (r: SweepRunResult, m: MeasureName) => r.measures?.values[m]?.value ?? NaN;
  const varied = (['optimizer', 'learningRate', 'batchSize'] as const).filter(
    (k) => new Set(ok.map((r) => String(r.point[k]))).size > 1,
  );
  const final = MEASURE_NAMES.filter((m) =>
    ok.some((r) => r.measures?.values[m] !== undefined),
  ).map((measure): MeasureCorrelation => ({
    measure,
    all: kendallTau(
      ok.map((r) => valueOf(r, measure)),
      ok.map((r) => r.final.gap),
    ),
    atTarget: kendallTau(
      atTarget.map((r) => valueOf(r, measure)),
      atTarget.map((r) => r.final.gap),
    ),
    granulated: granulatedTau(
      ok.map((r) => ({
        hyper: { ...r.point },
        measure: valueOf(r, measure),
        gap: r.final.gap,
      })),
      varied,
    ),
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
  return { final, epochwise };
}
