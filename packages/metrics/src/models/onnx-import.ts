// An ONNX model (as torch.onnx.export writes it, opsets 13–18) as an engine network: the nodes
// walked in order, constants folded, decomposed GELUs recognised, each remaining op converted
// (onnx-ops.ts), then the parameters and batch-norm buffers read from the initializers in the
// engine's NHWC layout. The mapping back to the initializers is kept, so that per-parameter
// results can be written named and shaped as the file has them (onnx-layout.ts).
// Browser-safe.

import { PacgenError, describeName, type Loss, type NetworkSpec } from '@pacgen/core-wasm';
import { compileFromFile } from './model.js';
import { ELEMENTWISE, FOLDABLE, describeRegion, foldNode, regionActivation } from './onnx-fold.js';
import { ImportState } from './onnx-graph.js';
import type { OnnxModel } from './onnx-model.js';
import { CONVERTERS } from './onnx-ops.js';
import { readOnnx, type OnnxNode } from './onnx-read.js';
import { ONNX_LOSS_KEY } from './onnx-write.js';

export type { OnnxModel } from './onnx-model.js';

/** The ops the importer reads, for messages and docs. */
export const ONNX_SUPPORTED_OPS = [
  ...CONVERTERS.keys(),
  'GELU (tanh form)',
  'Identity',
  'Constant',
  'Softmax (last)',
  'Shape/Gather/Unsqueeze/Concat on constants',
];

/** At most this many nodes after an elementwise op may belong to its decomposed activation. */
const REGION_NODES = 16;

/**
 * The elementwise nodes from `start` on that compute a function of one activation `x` (inputs:
 * x, scalars, earlier region outputs), if they compute GELU; the region and its last node.
 */
function decomposedActivation(s: ImportState, start: number, x: string) {
  const nodes = s.graph.nodes;
  const region: OnnxNode[] = [];
  const inside = new Set([x]);
  const isScalar = (i: string) => {
    const v = s.values.get(i);
    return v?.kind === 'const' && v.tensor.data.length === 1;
  };
  for (let k = start; k < nodes.length && k < start + REGION_NODES; k++) {
    const m = nodes[k];
    if (!ELEMENTWISE.has(m.opType) || s.done.has(m)) continue;
    if (!m.inputs.some((i) => inside.has(i))) continue;
    if (!m.inputs.every((i) => inside.has(i) || isScalar(i))) break;
    region.push(m);
    inside.add(m.outputs[0]);
    const kind = regionActivation(region, x, m.outputs[0], (name) => {
      const v = s.values.get(name);
      return v?.kind === 'const' ? v.tensor : undefined;
    });
    // Its intermediate values must not be read outside it.
    const own = (o: string) => region.filter((r) => r.inputs.includes(o)).length;
    const closed = region
      .slice(0, -1)
      .every((r) => s.readers.get(r.outputs[0]) === own(r.outputs[0]));
    if (kind && closed) return { region, kind };
  }
  return { region, kind: null };
}

/** Converts one node, or refuses it naming the op, the node and what is supported. */
function convertNode(s: ImportState, n: OnnxNode, index: number, softmaxLast: () => void): void {
  if (n.domain && n.domain !== 'ai.onnx') {
    throw new PacgenError(
      `${s.where(n)}: operator domain ${describeName(n.domain)} is not supported`,
    );
  }
  // Every named input must be computed already (s.value refuses a dangling one).
  const args = n.inputs.flatMap((name, k) => (name ? [s.value(n, k)] : []));
  const allConst = args.every((v) => v?.kind === 'const');
  if (FOLDABLE.has(n.opType) && (allConst || n.opType === 'Shape')) {
    const x = args[0];
    const shape = x?.kind === 'act' ? x.shape : undefined;
    const inputs = args.map((v) => (v?.kind === 'const' ? v.tensor : undefined!));
    s.setOutput(n, { kind: 'const', tensor: foldNode(n, inputs, s.where(n), shape) });
    return;
  }
  if (n.opType === 'Identity') {
    s.setOutput(n, s.value(n, 0));
    return;
  }
  if ((n.opType === 'Softmax' || n.opType === 'LogSoftmax') && n.outputs[0] === s.graph.output) {
    s.setOutput(n, s.act(n));
    softmaxLast();
    return;
  }
  const x = args.find((v) => v?.kind === 'act');
  if (ELEMENTWISE.has(n.opType) && x?.kind === 'act') {
    const xName = n.inputs.find((i) => s.values.get(i) === x)!;
    const { region, kind } = decomposedActivation(s, index, xName);
    if (kind === 'gelu-erf') {
      throw new PacgenError(
        `${s.where(n)}: the exact (erf) GELU is not supported; the engine computes GELU's tanh approximation (use nn.GELU(approximate='tanh'))`,
      );
    }
    if (kind === 'gelu') {
      const last = region[region.length - 1];
      const name = s.addLayer({ type: 'activation', activation: 'gelu' }, 'gelu', [x]);
      region.forEach((m) => s.done.add(m));
      s.values.set(last.outputs[0], { ...x, node: name });
      return;
    }
    if (!CONVERTERS.has(n.opType)) {
      throw new PacgenError(
        `${s.where(n)}: elementwise ${describeName(n.opType)} on activations is supported only inside a GELU (nodes ${describeRegion(region)})`,
      );
    }
  }
  const convert = CONVERTERS.get(n.opType);
  if (!convert) {
    throw new PacgenError(
      `${s.where(n)}: operator not supported (supported: ${ONNX_SUPPORTED_OPS.join(', ')})`,
    );
  }
  convert(s, n);
}

const LOSSES: Loss[] = ['softmax-cross-entropy', 'sigmoid-bce', 'mse'];

/**
 * The loss: given, else the one pacgen's exporter kept in the metadata, else softmax
 * cross-entropy after a final softmax or for ≥ 2 outputs, else MSE.
 */
function lossOf(
  given: Loss | undefined,
  kept: string | undefined,
  softmax: boolean,
  outputs: number,
): Loss {
  const stored = LOSSES.find((l) => l === kept);
  return given ?? stored ?? (softmax || outputs >= 2 ? 'softmax-cross-entropy' : 'mse');
}

/**
 * Reads an ONNX model (bytes of a .onnx file) as an engine network with its parameters and
 * batch-norm buffers. NCHW is handled here: the network's input is the per-sample image in
 * NHWC (use `chwToHwc` on PyTorch-ordered data) and its logits are the file's. Errors name
 * `file`, the node and the problem; an unsupported op lists the supported ones. Cost: O(file
 * size + parameters); no network pass.
 */
export function onnxToModel(
  bytes: Uint8Array,
  opts: { file?: string; loss?: Loss } = {},
): OnnxModel {
  const file = opts.file ?? 'ONNX model';
  const graph = readOnnx(bytes, file);
  const s = new ImportState(graph, file);
  let softmax = false;
  // Constants first: a decomposed GELU reads scalars that torch writes between its pieces.
  for (const n of graph.nodes) {
    if (n.opType === 'Constant') {
      convertNode(s, n, 0, () => undefined);
      s.done.add(n);
    }
  }
  graph.nodes.forEach((n, i) => {
    if (!s.done.has(n)) convertNode(s, n, i, () => (softmax = true));
  });
  const out = s.values.get(graph.output);
  if (out?.kind !== 'act' || (out.shape.length !== 1 && !out.squeezed) || out.chw) {
    throw new PacgenError(
      `${file}: the output ${describeName(graph.output)} must be one vector of logits per sample`,
    );
  }
  const last = s.layers[s.layers.length - 1];
  if (!last || last.name !== out.node) s.addLayer({ type: 'identity' }, 'output', [out]);
  const [C, ...hw] = graph.input.shape;
  const spec: NetworkSpec = {
    inputShape: hw.length === 2 ? [...hw, C] : [...graph.input.shape],
    layers: s.layers,
    loss: lossOf(opts.loss, graph.metadata.get(ONNX_LOSS_KEY), softmax, out.shape[0]),
  };
  const compiled = compileFromFile(spec, file);
  const params = new Float64Array(compiled.numParams);
  const buffers = new Float64Array(compiled.numBuffers ?? 0);
  const where = new Map([
    ...compiled.tensors.map((t) => [t.name, { t, into: params }] as const),
    ...(compiled.buffers ?? []).map((t) => [t.name, { t, into: buffers }] as const),
  ]);
  for (const m of s.mappings) {
    const target = where.get(m.tensor);
    const source = s.sources.get(m)!;
    if (!target || target.t.size !== source.data.length) {
      throw new PacgenError(
        `${file}: initializer ${describeName(m.onnx)} does not fit the network's ${describeName(m.tensor)}`,
      );
    }
    const { t, into } = target;
    for (let i = 0; i < t.size; i++) {
      const v = source.data[m.index ? m.index[i] : i];
      if (!Number.isFinite(v)) {
        throw new PacgenError(
          `${file}: initializer ${describeName(m.onnx)} has a non-finite value`,
        );
      }
      into[t.offset + i] = v;
    }
    where.delete(m.tensor);
  }
  if (where.size > 0) {
    throw new PacgenError(
      `${file}: no initializer for ${[...where.keys()].map((k) => describeName(k)).join(', ')}`,
    );
  }
  return {
    spec,
    params,
    ...(buffers.length > 0 ? { buffers } : {}),
    onnx: { opset: graph.opset, producer: graph.producer, mappings: s.mappings },
  };
}
