// core-wasm's data-parallel ParallelNetwork as an Objective: the same contract as
// networkObjective (objective/network.ts), with every pass split over worker threads.

import { PacgenError, sampleCount, type ParallelNetwork, type Samples } from '@pacgen/core-wasm';
import type { HvpRequest, Objective } from './objective.js';

/** An Objective that holds resources (workers, tensors) until disposed. */
export interface DisposableObjective extends Objective {
  dispose(): void | Promise<void>;
}

/**
 * The mean training loss of a ParallelNetwork as an Objective: each call writes the point
 * (sent on to the workers with the pass) and awaits the pass split over the threads; results
 * equal a single Network's up to the order of the per-thread sums. Dispose ends the workers.
 * Cost per call: one pass of the network over `samples`, divided among the threads.
 */
export function parallelObjective(
  net: ParallelNetwork,
  options: { samples?: Samples; params?: ArrayLike<number> } = {},
): DisposableObjective {
  if (net.numSamples === 0) throw new PacgenError('the network has no data: call setData first');
  const w0 = Float64Array.from(options.params ?? net.params());
  if (w0.length !== net.numParams) {
    throw new PacgenError(`params have length ${w0.length}, the network has ${net.numParams}`);
  }
  const samples = options.samples;
  return {
    numParams: net.numParams,
    tensors: net.tensors,
    numSamples: sampleCount(samples, net.numSamples),
    precision: net.precision,
    params: () => Float64Array.from(w0),
    async loss(w) {
      net.setParams(w);
      return (await net.evaluate({ samples })).loss;
    },
    async gradient(w) {
      net.setParams(w);
      const r = await net.gradient({ samples });
      return { loss: r.loss, grad: Float64Array.from(r.grad) };
    },
    async hvp(w, v, request: HvpRequest = {}) {
      net.setParams(w);
      return Float64Array.from(await net.hvp(v, { samples, ...request }));
    },
    dispose: () => net.terminate(),
  };
}
