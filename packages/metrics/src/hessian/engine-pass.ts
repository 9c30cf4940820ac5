// The engine's diagonal passes as estimators (docs/method.md §5): what ggn.ts and hesscale.ts
// share — the check that the objective has the pass, the call, and the result's shape.

import { PacgenError } from '@pacgen/core-wasm';
import type { DiagonalPassKind, Objective } from '../objective/objective.js';
import { checkPoint } from '../checks.js';
import { emptyHealth, type FiniteDifferenceHealth } from './health.js';

export interface EnginePassResult {
  /** The diagonal, in loss units per squared parameter unit. */
  diagonal: Float64Array;
  /** Never a standard error: the pass is deterministic. */
  stdErr: null;
  method: DiagonalPassKind;
  /** No probes. */
  probes: 0;
  /** Gradient-evaluation equivalents of the pass (see the estimator's cost). */
  cost: number;
  /** No finite differences, hence no kinks crossed. */
  health: FiniteDifferenceHealth;
}

const LABEL: Record<DiagonalPassKind, string> = { ggn: 'GGN', hesscale: 'HesScale' };

/** Runs the objective's engine pass at w; refuses objectives without one in a line. Cost: the pass's. */
export async function enginePass(
  obj: Objective,
  w: ArrayLike<number>,
  kind: DiagonalPassKind,
): Promise<EnginePassResult> {
  checkPoint(obj, w);
  if (!obj.diagonalPass) {
    throw new PacgenError(
      `the ${LABEL[kind]} diagonal ('${kind}') needs the core-wasm engine (a single-thread Network objective); this objective has no engine pass: use 'exact' or 'hutchinson'`,
    );
  }
  const { diagonal, cost } = await obj.diagonalPass(w, kind);
  return { diagonal, stdErr: null, method: kind, probes: 0, cost, health: emptyHealth() };
}
