// Timing the calls of an objective (the library's networkObjective, parallelObjective or
// tfjsObjective) for the bench.

import { wrapObjective, type Objective } from '@pacgen/metrics';

/** Durations (ms) of an objective's calls, by kind. */
export interface CallTimes {
  loss: number[];
  gradient: number[];
  hvp: number[];
  /** Engine diagonal passes (GGN, HesScale), where the objective has them. */
  diagonal: number[];
}

/**
 * Wraps an objective so that each call first waits for its turn (`turn`, e.g. a TurnRing's
 * yield) and is then timed into `times`.
 */
export function timedObjective(
  obj: Objective,
  turn: () => Promise<void>,
): { objective: Objective; times: CallTimes } {
  const times: CallTimes = { loss: [], gradient: [], hvp: [], diagonal: [] };
  const objective = wrapObjective(obj, async (kind, call) => {
    await turn();
    const t0 = performance.now();
    const r = await call();
    times[kind].push(performance.now() - t0);
    return r;
  });
  return { times, objective };
}
