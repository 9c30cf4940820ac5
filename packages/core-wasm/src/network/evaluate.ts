// One pass of the engine over the selected samples: the mean loss and accuracy, and with a
// gradient buffer the gradient of the mean loss (training mode turns dropout on).

import type { EngineBuffers } from './buffers.js';
import type { EngineData } from './data.js';
import type { Samples } from './samples.js';

export interface PassOptions {
  samples?: Samples;
  /** Training mode: dropout on (seeded by `seed`). Default false. */
  training?: boolean;
  seed?: number;
}

export interface EvalResult {
  /** Mean loss over the samples (nats). */
  loss: number;
  /** Fraction correct (NaN for mse). */
  accuracy: number;
  count: number;
}

/**
 * Runs a pass at the current parameters, writing the gradient of the mean loss at `gradPtr`
 * unless it is 0. Cost: a forward pass over the samples, and a backward one with a gradient.
 */
export function runPass(
  buf: EngineBuffers,
  data: EngineData,
  gradPtr: number,
  opts: PassOptions,
): EvalResult {
  const m = buf.compiled.numParams;
  buf.checkFinite(buf.ptr.params, m, 'parameters');
  const { idx, start, count } = data.select(opts.samples);
  if (gradPtr) buf.view(gradPtr, m).fill(0);
  const sum = buf.ex.evaluate(
    buf.ptr.params,
    gradPtr,
    idx,
    start,
    count,
    1 / count,
    opts.training ? 1 : 0,
    (opts.seed ?? 0) >>> 0,
  );
  const accuracy = buf.compiled.loss === 'mse' ? NaN : buf.ex.lastCorrect() / count;
  return { loss: sum / count, accuracy, count };
}
