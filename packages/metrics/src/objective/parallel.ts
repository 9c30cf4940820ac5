// core-wasm's data-parallel ParallelNetwork as an Objective: the same contract as
// networkObjective (objective/network.ts, both built by engine-objective.ts), with every pass
// split over worker threads.

import type { ParallelNetwork, Samples } from '@pacgen/core-wasm';
import { engineObjective } from './engine-objective.js';
import type { Objective } from './objective.js';

/** An Objective that holds resources (workers, tensors) until disposed. */
export interface DisposableObjective extends Objective {
  dispose(): void | Promise<void>;
}

/**
 * The mean training loss of a ParallelNetwork as an Objective: each call writes the point
 * (sent on to the workers with the pass) and awaits the pass split over the threads; results
 * are the same for any thread count (fixed chunks summed in order, docs/engine.md) and equal a
 * single Network's up to that order. Set batch-norm buffers on the network first (they stay:
 * every pass runs in evaluation mode). Dispose ends the workers.
 * Cost per call: one pass of the network over `samples`, divided among the threads.
 */
export function parallelObjective(
  net: ParallelNetwork,
  options: { samples?: Samples; params?: ArrayLike<number> } = {},
): DisposableObjective {
  const w0 = Float64Array.from(options.params ?? net.params());
  const obj = engineObjective(net, w0, options.samples, (w) => net.setParams(w));
  return { ...obj, dispose: () => net.terminate() };
}
