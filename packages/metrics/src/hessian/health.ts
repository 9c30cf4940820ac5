// The finite-difference health of a curvature estimate: how many of its Hessian-vector products
// differenced across a kink of a piecewise-linear unit (ReLU, leaky ReLU, max-pool), what was
// done about it, and the one-line warning the CLI and the web app show (docs/method.md §5).

/** Kink crossings seen by an estimator's Hessian-vector products, and the step shrinks they caused. */
export interface FiniteDifferenceHealth {
  /** Hessian-vector products the estimate used (retries at smaller steps not counted). */
  hvps: number;
  /** Of these, the products whose difference at the requested step crossed at least one kink. */
  hvpsWithCrossings: number;
  /** (sample, unit) kink crossings of those products at the requested step, summed. */
  unitCrossings: number;
  /** Products recomputed at a tenth of the step (2 gradient evaluations each, 4 with Richardson). */
  stepShrinks: number;
  /**
   * Products that still crossed a kink at the step finally used (the floor `minimumHvpStep`, a
   * step where shrinking stopped helping, or the requested one with `onKink` 'report'): their
   * values include gradient jumps divided by the step.
   */
  unresolved: number;
  /** Whether the backend counts crossings (core-wasm does; TF.js and custom objectives do not). */
  counted: boolean;
}

/** The health of an estimate that used no product yet. */
export function emptyHealth(): FiniteDifferenceHealth {
  return {
    hvps: 0,
    hvpsWithCrossings: 0,
    unitCrossings: 0,
    stepShrinks: 0,
    unresolved: 0,
    counted: true,
  };
}

/** The health of products spent in several parts of one estimate (ρ's shifted points). */
export function combineHealth(parts: readonly FiniteDifferenceHealth[]): FiniteDifferenceHealth {
  const total = emptyHealth();
  for (const h of parts) {
    total.hvps += h.hvps;
    total.hvpsWithCrossings += h.hvpsWithCrossings;
    total.unitCrossings += h.unitCrossings;
    total.stepShrinks += h.stepShrinks;
    total.unresolved += h.unresolved;
    total.counted &&= h.counted;
  }
  return total;
}

/**
 * One line for a person, or null when there is nothing to say: how many products crossed kinks
 * and what was done. `unreliable` when some still crossed at the step finally used: the
 * estimate then includes gradient jumps divided by the step. `what` names the estimate, e.g.
 * 'Hessian diagonal'.
 */
export function healthWarning(
  what: string,
  h: FiniteDifferenceHealth,
): { text: string; unreliable: boolean } | null {
  if (h.hvpsWithCrossings === 0) return null;
  const crossed = `${h.hvpsWithCrossings} of ${h.hvps} Hessian-vector products of the ${what} crossed ReLU/max-pool kinks (${h.unitCrossings} unit crossings) at the requested step`;
  if (h.unresolved === 0) {
    const text = `${crossed}; recomputed at smaller steps (${h.stepShrinks} shrinks), none crossed there`;
    return { text, unreliable: false };
  }
  const text = `${crossed}; ${h.unresolved} still crossed at the step finally used (${h.stepShrinks} shrinks), so the estimate includes gradient jumps and may be far off: check it at a smaller step, or in f64 (docs/method.md §5)`;
  return { text, unreliable: true };
}
