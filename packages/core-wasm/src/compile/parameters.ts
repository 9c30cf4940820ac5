// The parameter layout: where each layer's kernel and bias lie in the flat weight vector (in
// layer order, a tied layer reusing its target's), and the free parameters a `shared` spec
// gathers those weights from.

import { describeValue } from '../describe.js';
import { PacgenError } from '../errors.js';
import type { SharedParameters } from '../spec.js';
import type { CompiledLayer, TensorInfo } from './compiled.js';
import { positiveInt, prod } from './values.js';

/** The free parameters of a network: its tensors, and the map from weights to them. */
export interface FreeParameters {
  tensors: TensorInfo[];
  /** weight j = params[map[j]], or null when the weights are the parameters. */
  map: Int32Array | null;
  numParams: number;
}

/**
 * The weight vector as the layers claim it, one layer at a time. Remembers every compiled
 * layer, so that a later one can tie to it and a repeated name is found.
 */
export class ParameterLayout {
  /** The kernels and biases so far, in layer order. */
  readonly tensors: TensorInfo[] = [];
  numWeights = 0;
  /** Largest kernel, for the engine's transpose scratch. */
  maxMatrix = 1;
  /** The buffers (state that is not a parameter: batch-norm statistics), in layer order. */
  readonly buffers: TensorInfo[] = [];
  numBuffers = 0;
  private readonly layers = new Map<string, CompiledLayer>();
  /** Kernels by the layer that owns them (a tied layer owns none). */
  private readonly kernels = new Map<string, TensorInfo>();

  /** Whether a layer of this name has been compiled. */
  has(name: string): boolean {
    return this.layers.has(name);
  }

  /** Records a compiled layer as a tie target for the layers after it. */
  add(layer: CompiledLayer): void {
    this.layers.set(layer.name, layer);
  }

  /**
   * Offsets of a layer's kernel and bias (−1 for no bias; a bias has the kernel's last
   * dimension): new tensors at the end of the weight vector, or the tied layer's when `tie`
   * names one. `where` opens error messages. Cost: O(1).
   */
  place(
    name: string,
    kernel: number[],
    { useBias, tie }: { useBias?: boolean; tie?: string },
    where: string,
  ): { w: number; b: number } {
    const bias = useBias === false ? null : kernel[kernel.length - 1];
    if (tie !== undefined) return this.tied(kernel, bias, tie, where);
    const w = this.numWeights;
    const k = { name: `${name}/kernel`, shape: kernel, offset: w, size: prod(kernel) };
    this.tensors.push(k);
    this.kernels.set(name, k);
    this.numWeights += prod(kernel);
    let b = -1;
    if (bias !== null) {
      b = this.numWeights;
      this.tensors.push({ name: `${name}/bias`, shape: [bias], offset: b, size: bias });
      this.numWeights += bias;
    }
    this.maxMatrix = Math.max(this.maxMatrix, prod(kernel));
    return { w, b };
  }

  /** A new parameter vector of `size` values at the end of the weights; returns its offset. O(1). */
  placeVector(tensorName: string, size: number): number {
    const offset = this.numWeights;
    this.tensors.push({ name: tensorName, shape: [size], offset, size });
    this.numWeights += size;
    return offset;
  }

  /** A new buffer of `size` values at the end of the state vector; returns its offset. O(1). */
  placeBuffer(tensorName: string, size: number): number {
    const offset = this.numBuffers;
    this.buffers.push({ name: tensorName, shape: [size], offset, size });
    this.numBuffers += size;
    return offset;
  }

  /** The offsets of an earlier layer whose parameters have the same shapes. */
  private tied(
    kernel: number[],
    bias: number | null,
    tie: string,
    where: string,
  ): { w: number; b: number } {
    const t = typeof tie === 'string' ? this.layers.get(tie) : undefined;
    if (!t) {
      throw new PacgenError(`${where}: tie target ${describeValue(tie)} is not an earlier layer`);
    }
    const tk = this.kernels.get(t.name);
    if (!tk || tk.shape.join() !== kernel.join() || t.biasOffset >= 0 !== (bias !== null)) {
      throw new PacgenError(
        `${where}: cannot tie to ${describeValue(tie)}: parameter shapes differ (${tk?.shape.join('x') ?? 'none'} vs ${kernel.join('x')})`,
      );
    }
    return { w: t.weightOffset, b: t.biasOffset };
  }
}

/**
 * Checks a spec's `shared` parameters against the layers' `numWeights` weights and lays out
 * its tensors. Throws PacgenError naming the problem. Cost: O(numWeights).
 */
export function sharedParameters(shared: SharedParameters, numWeights: number): FreeParameters {
  const { tensors: st, map: m } = shared;
  if (!Array.isArray(st) || m === null || typeof m !== 'object' || !Number.isInteger(m.length)) {
    throw new PacgenError('shared needs a tensors list and a map of weight indices');
  }
  let off = 0;
  const tensors = st.map((t, k) => {
    if (typeof t?.name !== 'string' || !Array.isArray(t.shape)) {
      throw new PacgenError(`shared tensor ${k} needs a name and a shape`);
    }
    t.shape.forEach((d, i) => positiveInt(d, `shared tensor ${describeValue(t.name)} shape[${i}]`));
    const info = { name: t.name, shape: [...t.shape], offset: off, size: prod(t.shape) };
    off += info.size;
    return info;
  });
  const numParams = off;
  if (m.length !== numWeights) {
    throw new PacgenError(
      `shared.map has ${m.length} entries but the layers have ${numWeights} weights`,
    );
  }
  // Checked before the Int32Array conversion, which would wrap or truncate a bad index.
  for (let j = 0; j < m.length; j++) {
    const v = m[j];
    if (!Number.isInteger(v) || v < 0 || v >= numParams) {
      throw new PacgenError(
        `shared.map[${j}] = ${describeValue(v)} is outside the ${numParams} free parameters`,
      );
    }
  }
  return { tensors, map: Int32Array.from(m), numParams };
}
