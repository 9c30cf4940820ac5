// What the model readers return, and helpers they share. Browser-safe.

import {
  PacgenError,
  compileNetwork,
  describeName,
  describeValue,
  type CompiledNetwork,
  type NetworkSpec,
  type TensorInfo,
} from '@pacgen/core-wasm';

/** A network spec with its parameter vector (laid out as compileNetwork(spec).tensors). */
export interface LoadedModel {
  spec: NetworkSpec;
  params: Float64Array;
  /**
   * The model's buffers — state that is not a parameter (each batchnorm layer's moving mean
   * and variance) — laid out as compileNetwork(spec).buffers; absent when it has none.
   */
  buffers?: Float64Array;
}

/** A named tensor for the writers (row-major). */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** Compiles a spec read from `file`, prefixing any spec error with the file's name. */
export function compileFromFile(spec: NetworkSpec, file: string): CompiledNetwork {
  try {
    return compileNetwork(spec);
  } catch (e) {
    throw e instanceof PacgenError ? new PacgenError(`${file}: ${e.message}`) : e;
  }
}

/** Compiles a spec and checks a parameter vector against it. */
export function compileWithParams(
  spec: NetworkSpec,
  params: ArrayLike<number>,
): { compiled: CompiledNetwork; weights: Float64Array } {
  const compiled = compileNetwork(spec);
  if (params.length !== compiled.numParams) {
    throw new PacgenError(
      `parameter vector has length ${params.length}, the network has ${compiled.numParams} parameters`,
    );
  }
  // With shared parameters the layers see weight j = params[map[j]].
  const weights = new Float64Array(compiled.numWeights);
  if (compiled.map) compiled.map.forEach((p, j) => (weights[j] = params[p]));
  else for (let j = 0; j < weights.length; j++) weights[j] = params[j];
  return { compiled, weights };
}

/**
 * Splits a flat per-parameter vector (parameters, a Hessian diagonal, …) into the network's
 * named tensors, e.g. for `writeSafetensors`.
 */
export function splitByTensors(
  tensors: TensorInfo[],
  vector: Float32Array | Float64Array,
): NamedTensor[] {
  const total = tensors.reduce((a, t) => a + t.size, 0);
  if (vector.length !== total) {
    throw new PacgenError(`vector has length ${vector.length}, the tensors hold ${total} values`);
  }
  return tensors.map((t) => ({
    name: t.name,
    shape: [...t.shape],
    data: vector.slice(t.offset, t.offset + t.size),
  }));
}

/**
 * Checks that a path from a manifest stays inside the model's folder: relative, no '..'
 * segment, no scheme or drive letter (also after percent-decoding). Returns it normalised
 * with '/' separators.
 */
export function checkRelativePath(p: unknown, file: string): string {
  if (typeof p !== 'string' || p.length === 0) {
    throw new PacgenError(`${file}: weight path ${describeValue(p)} is not a file name`);
  }
  let decoded = p;
  try {
    decoded = decodeURIComponent(p);
  } catch {
    // Not percent-encoded: check the raw string.
  }
  for (const s of new Set([p, decoded])) {
    const segments = s.split(/[\\/]/);
    if (
      s.includes('\0') ||
      /^[\\/]/.test(s) ||
      /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) ||
      segments.includes('..')
    ) {
      throw new PacgenError(
        `${file}: weight path ${describeValue(p)} escapes the model's folder (only relative paths inside it are allowed)`,
      );
    }
  }
  return p
    .split(/[\\/]/)
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

export const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** The most dimensions a stored tensor may have (NumPy's limit; PyTorch's is lower). */
export const MAX_TENSOR_RANK = 64;

/** At most five names, then how many more: a list in a message stays short. */
export function listNames(names: string[]): string {
  const shown = names.slice(0, 5).map((n) => describeName(n));
  return names.length > 5 ? `${shown.join(', ')} and ${names.length - 5} more` : shown.join(', ');
}

/** The state a network starts in: each moving variance 1, everything else 0. O(buffers). */
export function initialBuffers(compiled: CompiledNetwork): Float64Array {
  const out = new Float64Array(compiled.numBuffers);
  for (const b of compiled.buffers) {
    if (b.name.endsWith('/moving_variance')) out.fill(1, b.offset, b.offset + b.size);
  }
  return out;
}
