// Outputs of a network for new inputs (not the data set): logits, or probabilities through the
// softmax/sigmoid that the loss fused.

import type { CompiledNetwork } from '../compile/compiled.js';
import { PacgenError } from '../errors.js';
import type { EngineBuffers, RealArray } from './buffers.js';

/** The input and output buffers of `predict`, grown to the largest call so far. */
export class Predictor {
  private input = 0;
  private output = 0;
  private cap = 0;

  constructor(private readonly buf: EngineBuffers) {}

  /**
   * Outputs for n = x.length / inputSize inputs at the current parameters. Cost: a forward
   * pass over the n inputs. Returns a fresh array (n × outputs).
   */
  run(x: ArrayLike<number>, probabilities: boolean | undefined): RealArray {
    const { buf } = this;
    const c = buf.compiled;
    if (x.length === 0 || x.length % c.inputSize !== 0) {
      throw new PacgenError(`inputs have ${x.length} values, not a multiple of ${c.inputSize}`);
    }
    const n = x.length / c.inputSize;
    if (n > this.cap) {
      this.input = buf.ex.allocate(n * c.inputSize * buf.bytes);
      this.output = buf.ex.allocate(n * c.outputSize * buf.bytes);
      this.cap = n;
    }
    buf.view(this.input, n * c.inputSize).set(x);
    const bad = buf.ex.firstNonFinite(this.input, n * c.inputSize);
    if (bad >= 0) throw new PacgenError(`input value at index ${bad} is not finite`);
    buf.checkFinite(buf.ptr.params, c.numParams, 'parameters');
    buf.ex.infer(buf.ptr.params, this.input, n, this.output);
    const out = new buf.realCtor(buf.view(this.output, n * c.outputSize));
    if (probabilities) applyOutputActivation(out, c.outputSize, c.outputActivation);
    return out;
  }
}

/** In place: softmax over each row of `cols`, or elementwise sigmoid. Cost: O(out.length). */
export function applyOutputActivation(
  out: RealArray,
  cols: number,
  act: CompiledNetwork['outputActivation'],
): void {
  if (act === 'sigmoid') {
    for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-out[i]));
  } else if (act === 'softmax') {
    for (let r = 0; r < out.length; r += cols) {
      let m = -Infinity;
      for (let j = 0; j < cols; j++) m = Math.max(m, out[r + j]);
      let s = 0;
      for (let j = 0; j < cols; j++) s += out[r + j] = Math.exp(out[r + j] - m);
      for (let j = 0; j < cols; j++) out[r + j] /= s;
    }
  }
}
