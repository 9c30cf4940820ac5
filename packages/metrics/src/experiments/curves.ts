// The per-epoch curves an experiment keeps of a training run: its history as columns (one array
// per quantity, null where the epoch was not evaluated), ready for JSON, CSV and plots; and the
// run's final fit, its last epoch's row.

import type { EpochRecord } from '../train/train.js';

/** Per-epoch curves of a run (null where not evaluated). */
export interface RunCurves {
  epoch: number[];
  trainLoss: (number | null)[];
  testLoss: (number | null)[];
  gap: (number | null)[];
  trainAccuracy: (number | null)[];
  testAccuracy: (number | null)[];
  psi: (number | null)[];
  psiStar: (number | null)[];
  curvatureFraction: (number | null)[];
  curvatureFractionStar: (number | null)[];
}

/** One column of `history`: `f` of each epoch's record, null where it is absent. Cost O(epochs). */
export function historyColumn(
  history: readonly EpochRecord[],
  f: (r: EpochRecord) => number | null | undefined,
): (number | null)[] {
  return history.map((r) => f(r) ?? null);
}

/** The curves of a training history: fit, gap and Ψ per epoch. Cost O(epochs). */
export function historyCurves(history: readonly EpochRecord[]): RunCurves {
  const col = (f: (r: EpochRecord) => number | null | undefined) => historyColumn(history, f);
  return {
    epoch: history.map((r) => r.epoch),
    trainLoss: col((r) => r.trainLoss),
    testLoss: col((r) => r.testLoss),
    gap: col((r) => r.gap),
    trainAccuracy: col((r) => r.trainAccuracy),
    testAccuracy: col((r) => r.testAccuracy),
    psi: col((r) => r.psi?.psi),
    psiStar: col((r) => r.psi?.psiStar),
    curvatureFraction: col((r) => r.psi?.curvatureFraction),
    curvatureFractionStar: col((r) => r.psi?.curvatureFractionStar),
  };
}

/** The fit at the end of a run: its last epoch's losses, gap and accuracies. */
export interface FinalFit {
  trainLoss: number;
  testLoss: number;
  gap: number;
  trainAccuracy: number;
  testAccuracy: number;
}

/** The last epoch's fit of `history` (NaN where it was not evaluated, or no epoch ran). */
export function finalFit(history: readonly EpochRecord[]): FinalFit {
  const last = history[history.length - 1];
  return {
    trainLoss: last?.trainLoss ?? NaN,
    testLoss: last?.testLoss ?? NaN,
    gap: last?.gap ?? NaN,
    trainAccuracy: last?.trainAccuracy ?? NaN,
    testAccuracy: last?.testAccuracy ?? NaN,
  };
}
