// The objective the bench runs the PACGen orchestrator over besides core-wasm's own
// `networkObjective` and the library's TF.js `tfjsObjective`: core-wasm's data-parallel
// `ParallelNetwork`.

import { PacgenError, sampleCount, type ParallelNetwork, type Samples } from '@pacgen/core-wasm';
import type { HvpRequest, Objective } from '@pacgen/metrics';

/** An Objective that holds resources (tensors, workers) until disposed. */
export interface DisposableObjective extends Objective {
  dispose(): void | Promise<void>;
}

/**
 * core-wasm's data-parallel network as an Objective, like `networkObjective` for `Network`:
 * every call writes the point (`setParams`, sent on to the workers with the pass) and awaits
 * the pass split over the threads. Dispose terminates the workers.
 */
export function parallelObjective(
  net: ParallelNetwork,
  options: { samples?: Samples; params?: ArrayLike<number> } = {},
): DisposableObjective {
  if (net.numSamples === 0) throw new PacgenError('the network has no data: call setData first');
  const w0 = Float64Array.from(options.params ?? net.params());
  const samples = options.samples;
  const numSamples = sampleCount(samples, net.numSamples);
  return {
    numParams: net.numParams,
    tensors: net.tensors,
    numSamples,
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
