import { Network, PacgenError, sampleCount, type Samples } from '@pacgen/core-wasm';
import type { HvpRequest, Objective } from './objective.js';

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

/** The mean training loss of a core-wasm Network as an Objective. */
export function networkObjective(net: Network, options: NetworkObjectiveOptions = {}): Objective {
  if (net.numSamples === 0) throw new PacgenError('the network has no data: call setData first');
  const w0 = Float64Array.from(options.params ?? net.params);
  if (w0.length !== net.numParams) {
    throw new PacgenError(`params have length ${w0.length}, the network has ${net.numParams}`);
  }
  const b0 = Float64Array.from(options.buffers ?? net.getBuffers());
  net.setBuffers(b0); // checked now, not at the first call
  const samples = options.samples;
  const numSamples = sampleCount(samples, net.numSamples);
  const load = (w: ArrayLike<number>) => {
    net.setParams(w);
    if (b0.length > 0) net.setBuffers(b0);
  };
  return {
    numParams: net.numParams,
    tensors: net.tensors,
    numSamples,
    precision: net.precision,
    params: () => Float64Array.from(w0),
    async loss(w) {
      load(w);
      return net.evaluate({ samples }).loss;
    },
    async gradient(w) {
      load(w);
      const r = net.gradient({ samples });
      return { loss: r.loss, grad: Float64Array.from(r.grad) };
    },
    async hvp(w, v, request: HvpRequest = {}) {
      load(w);
      return Float64Array.from(net.hvp(v, { samples, ...request }));
    },
    async diagonalPass(w, kind) {
      load(w);
      const diagonal = net.diagonal(kind, { samples });
      // GGN: one forward and backward pass per output (factor column); HesScale: a forward and
      // two backward passes, counted as 2.
      return { diagonal, cost: kind === 'ggn' ? net.compiled.outputSize : 2 };
    },
  };
}
