// The tensors of a PyTorch state_dict placed into our parameter vector and buffers: conv weights
// [cout, cin/groups, kh, kw] → [kh, kw, cin/groups, cout], linear weights [out, in] → [in, out]
// (rows permuted from CHW to HWC after a flatten), BatchNorm weight/bias → γ/β and its running
// statistics → buffers, LayerNorm weight/bias → γ/β. Browser-safe.

import { PacgenError, describeValue } from '@pacgen/core-wasm';
import { listNames, type compileFromFile } from './model.js';
import type { SafeTensor } from './safetensors.js';

type Compiled = ReturnType<typeof compileFromFile>;
type CompiledLayer = Compiled['layers'][number];

/** Conv weights [cout, cin, kh, kw] into our [kh, kw, cin, cout] at `k` (cin per group). */
function convToHwio(w: ArrayLike<number>, k: Float64Array, [C, KH, KW, CO]: number[]): void {
  for (let co = 0; co < CO; co++)
    for (let ci = 0; ci < C; ci++)
      for (let y = 0; y < KH; y++)
        for (let x = 0; x < KW; x++)
          k[((y * KW + x) * C + ci) * CO + co] = w[((co * C + ci) * KH + y) * KW + x];
}

/**
 * Linear weights [out, in] into our [in, out] at `k`; after a flatten of an H×W×C map, the
 * input rows permuted from PyTorch's CHW order to our HWC order.
 */
function linearToInOut(
  w: ArrayLike<number>,
  k: Float64Array,
  IN: number,
  OUT: number,
  flattened: number[] | null,
): void {
  if (flattened) {
    // Row r = (h·W + w)·C + c of ours is column c·H·W + h·W + w of PyTorch's.
    const [H, W, C] = flattened;
    for (let h = 0; h < H; h++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < C; c++) {
          const r = (h * W + x) * C + c;
          const t = (c * H + h) * W + x;
          for (let o = 0; o < OUT; o++) k[r * OUT + o] = w[o * IN + t];
        }
  } else {
    for (let i = 0; i < IN; i++) for (let o = 0; o < OUT; o++) k[i * OUT + o] = w[o * IN + i];
  }
}

/**
 * The feature map a dense layer's input was flattened from (so its rows need PyTorch's CHW
 * order undone), looking back through layers that keep the order (dropout, activations,
 * identity); null when the input is not a flattened map. O(depth of that chain).
 */
function flattenedMap(layers: readonly CompiledLayer[], l: CompiledLayer): number[] | null {
  let src = l.inputs[0] >= 0 ? layers[l.inputs[0]] : undefined;
  while (src && (src.type === 'dropout' || src.type === 'activation' || src.type === 'identity')) {
    src = src.inputs[0] >= 0 ? layers[src.inputs[0]] : undefined;
  }
  return src?.type === 'flatten' && src.inShape.length === 3 ? src.inShape : null;
}

/**
 * The parameters and buffers of the compiled network from the PyTorch tensors (`keys`: our
 * layer name → the PyTorch module key). Every tensor must be used (BatchNorm's
 * num_batches_tracked is read and ignored), every shape match, every value be finite.
 * O(parameters).
 */
export function torchParams(
  compiled: Compiled,
  keys: Map<string, string>,
  tensors: SafeTensor[],
  file: string,
  archFile: string,
): { params: Float64Array; buffers: Float64Array } {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const used = new Set<string>();
  const take = (k: string, shape: number[], layout: string): SafeTensor => {
    const t = byName.get(k);
    if (!t) {
      throw new PacgenError(
        `${file}: tensor ${describeValue(k)} is missing (the file has ${listNames([...byName.keys()]) || 'no tensors'})`,
      );
    }
    if (t.shape.join() !== shape.join()) {
      throw new PacgenError(
        `${file}: tensor ${describeValue(k)} has shape ${describeValue(t.shape)} but the architecture needs ${describeValue(shape)} (${layout})`,
      );
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) {
        throw new PacgenError(
          `${file}: tensor ${describeValue(k)} has a non-finite value at index ${i}`,
        );
      }
    }
    used.add(k);
    return t;
  };

  const params = new Float64Array(compiled.numParams);
  const buffers = new Float64Array(compiled.numBuffers);
  // Maps, not a search per layer: a list of 20,000 layers must load in linear time.
  const offsets = new Map(compiled.tensors.map((t) => [t.name, t.offset]));
  const bufferOffsets = new Map(compiled.buffers.map((t) => [t.name, t.offset]));
  const offsetOf = (n: string) => offsets.get(n)!;
  for (const l of compiled.layers) {
    const key = keys.get(l.name);
    if (key === undefined) continue;
    const biasKey = `${key}.bias`;
    if (l.type === 'batchnorm' || l.type === 'layernorm') {
      const C = [l.outShape[l.outShape.length - 1]];
      if (offsets.has(`${l.name}/gamma`))
        params.set(take(`${key}.weight`, C, 'weight').data, offsetOf(`${l.name}/gamma`));
      if (offsets.has(`${l.name}/beta`))
        params.set(take(biasKey, C, 'bias').data, offsetOf(`${l.name}/beta`));
      if (l.type === 'batchnorm') {
        const mean = take(`${key}.running_mean`, C, 'running_mean').data;
        buffers.set(mean, bufferOffsets.get(`${l.name}/moving_mean`)!);
        const variance = take(`${key}.running_var`, C, 'running_var').data;
        buffers.set(variance, bufferOffsets.get(`${l.name}/moving_variance`)!);
        // A step count PyTorch keeps for momentum=None; the statistics are what matters.
        if (byName.has(`${key}.num_batches_tracked`)) used.add(`${key}.num_batches_tracked`);
      }
      continue;
    }
    if (l.type !== 'dense' && l.type !== 'conv2d') continue;
    if (l.type === 'conv2d') {
      const [, , C, KH, KW, CO, , , , , , , G = 1] = l.ints;
      const w = take(
        `${key}.weight`,
        [CO, C / G, KH, KW],
        'PyTorch conv layout [out_channels, in_channels / groups, kh, kw]',
      ).data;
      convToHwio(w, params.subarray(offsetOf(`${l.name}/kernel`)), [C / G, KH, KW, CO]);
    } else {
      const w = take(
        `${key}.weight`,
        [l.outSize, l.inSize],
        'PyTorch linear layout [out_features, in_features]',
      ).data;
      const k = params.subarray(offsetOf(`${l.name}/kernel`));
      linearToInOut(w, k, l.inSize, l.outSize, flattenedMap(compiled.layers, l));
    }
    if (l.biasOffset >= 0) {
      const units = l.type === 'conv2d' ? l.ints[5] : l.outSize;
      params.set(take(biasKey, [units], 'bias').data, offsetOf(`${l.name}/bias`));
    } else if (byName.has(biasKey)) {
      throw new PacgenError(
        `${file}: tensor ${describeValue(biasKey)} exists but the architecture says bias: false`,
      );
    }
  }
  const unused = [...byName.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) {
    throw new PacgenError(
      `${file}: tensors not used by the architecture in ${archFile}: ${listNames(unused)} (a layer missing from the list, or misnumbered?)`,
    );
  }
  return { params, buffers };
}
