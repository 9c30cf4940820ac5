// The one-line notes `score` and `spectrum` print about finite-difference health: products that
// crossed ReLU/max-pool kinks (docs/method.md §5). Shrunk-away crossings are a note on the log;
// crossings left at the smallest step are a warning, since the estimate includes their jumps.

import { healthWarning, type FiniteDifferenceHealth } from '@pacgen/metrics';
import type { Context } from './context.js';

/** Logs or warns, once per estimate, what its Hessian-vector products met at kinks. */
export function reportHealth(
  ctx: Context,
  estimates: readonly [what: string, health: FiniteDifferenceHealth | null | undefined][],
): void {
  for (const [what, health] of estimates) {
    const note = health && healthWarning(what, health);
    if (!note) continue;
    if (note.unreliable) ctx.warn(note.text);
    else ctx.log(note.text);
  }
}
