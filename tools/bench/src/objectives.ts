// Timing the calls of an objective (the library's networkObjective, parallelObjective or
// tfjsObjective) for the bench.

import type { HvpRequest, Objective } from '@pacgen/metrics';

/** Durations (ms) of an objective's calls, by kind. */
export interface CallTimes {
  loss: number[];
  gradient: number[];
  hvp: number[];
}

/**
 * Wraps an objective so that each call first waits for its turn (`turn`, e.g. a TurnRing's
 * yield) and is then timed into `times`.
 */
export function timedObjective(
  obj: Objective,
  turn: () => Promise<void>,
): { objective: Objective; times: CallTimes } {
  const times: CallTimes = { loss: [], gradient: [], hvp: [] };
  const timed =
    <A extends unknown[], R>(kind: keyof CallTimes, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      await turn();
      const t0 = performance.now();
      const r = await f(...a);
      times[kind].push(performance.now() - t0);
      return r;
    };
  return {
    times,
    objective: {
      numParams: obj.numParams,
      tensors: obj.tensors,
      numSamples: obj.numSamples,
      precision: obj.precision,
      params: () => obj.params(),
      loss: timed('loss', (w) => obj.loss(w)),
      gradient: timed('gradient', (w) => obj.gradient(w)),
      hvp: timed('hvp', (w, v, r?: HvpRequest) => obj.hvp(w, v, r)),
    },
  };
}
