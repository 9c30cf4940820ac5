// The one builder of engine-backed Objectives: networkObjective (a core-wasm Network) and
// parallelObjective (a ParallelNetwork) differ only in how a point is loaded and whether the
// passes are awaited, so both wrap their network here.

import type {
  DiagonalPassOptions,
  EngineDiagonalKind,
  EvalResult,
  HvpOptions,
  PassOptions,
  RealArray,
  Samples,
} from '@pacgen/core-wasm';
import { PacgenError, sampleCount } from '@pacgen/core-wasm';
import type { HvpRequest, Objective, ParameterTensor } from './objective.js';

/** What both Network and ParallelNetwork offer (the passes sync or async). */
export interface EngineNetwork {
  readonly numParams: number;
  readonly numSamples: number;
  readonly tensors: readonly ParameterTensor[];
  readonly precision: 'f32' | 'f64';
  evaluate(opts?: PassOptions): EvalResult | Promise<EvalResult>;
  gradient(
    opts?: PassOptions,
  ): (EvalResult & { grad: RealArray }) | Promise<EvalResult & { grad: RealArray }>;
  hvp(v: ArrayLike<number>, opts?: HvpOptions): RealArray | Promise<RealArray>;
  /** The engine's GGN / HesScale diagonal pass (docs/method.md §5). */
  diagonal(
    kind: EngineDiagonalKind,
    opts?: DiagonalPassOptions,
  ): Float64Array | Promise<Float64Array>;
  readonly compiled: { readonly outputSize: number };
}

/**
 * The mean loss of `net` over `samples` as an Objective at `w0`: every call first runs `load(w)`
 * (which writes the point, and whatever else a call must find in place), then one pass.
 * Checks that the network has data and that `w0` fits it.
 */
export function engineObjective(
  net: EngineNetwork,
  w0: Float64Array,
  samples: Samples | undefined,
  load: (w: ArrayLike<number>) => void,
): Objective {
  if (net.numSamples === 0) throw new PacgenError('the network has no data: call setData first');
  if (w0.length !== net.numParams) {
    throw new PacgenError(`params have length ${w0.length}, the network has ${net.numParams}`);
  }
  return {
    numParams: net.numParams,
    tensors: net.tensors,
    numSamples: sampleCount(samples, net.numSamples),
    precision: net.precision,
    params: () => Float64Array.from(w0),
    async loss(w) {
      load(w);
      return (await net.evaluate({ samples })).loss;
    },
    async gradient(w) {
      load(w);
      const r = await net.gradient({ samples });
      return { loss: r.loss, grad: Float64Array.from(r.grad) };
    },
    async hvp(w, v, request: HvpRequest = {}) {
      load(w);
      return Float64Array.from(await net.hvp(v, { samples, ...request }));
    },
    async gaussNewtonProduct(w, v, request: HvpRequest = {}) {
      load(w);
      return Float64Array.from(await net.hvp(v, { samples, ...request, gaussNewton: true }));
    },
    async diagonalPass(w, kind) {
      load(w);
      const diagonal = await net.diagonal(kind, { samples });
      // GGN: one forward and backward pass per output (factor column); HesScale: a forward and
      // two backward passes, counted as 2.
      return { diagonal, cost: kind === 'ggn' ? net.compiled.outputSize : 2 };
    },
  };
}
