import { Network, type Samples } from '@pacgen/core-wasm';
import { engineObjective } from './engine-objective.js';
import type { Objective } from './objective.js';

export interface NetworkObjectiveOptions {
  /** The samples the mean loss is taken over (default: all the data set on the network). */
  samples?: Samples;
  /** Parameters to score (default: the network's current parameters, copied now). */
  params?: ArrayLike<number>;
  /**
   * Buffers (batch-norm running statistics) the loss is taken at (default: the network's
   * current ones, copied now). Every call runs in evaluation mode, so the loss is a fixed
   * function of the parameters; the buffers are set again before each call.
   */
  buffers?: ArrayLike<number>;
}

/**
 * The mean training loss of a core-wasm Network as an Objective. Cost per call: one pass of
 * the network over `samples` on the calling thread.
 */
export function networkObjective(net: Network, options: NetworkObjectiveOptions = {}): Objective {
  const w0 = Float64Array.from(options.params ?? net.params);
  const b0 = Float64Array.from(options.buffers ?? net.getBuffers());
  const obj = engineObjective(net, w0, options.samples, (w) => {
    net.setParams(w);
    if (b0.length > 0) net.setBuffers(b0);
  });
  net.setBuffers(b0); // checked now, not at the first call
  return obj;
}
