// The state of an ONNX import while its nodes are walked: what each ONNX value is (a constant,
// or an activation computed by an engine layer), the engine layers so far, and where each
// engine tensor's values come from in the ONNX initializers (the layout mapping, kept for the
// curvature export). Browser-safe.

import { PacgenError, describeName, type LayerSpec } from '@pacgen/core-wasm';
import { uniqueNames } from './naming.js';
import type { OnnxTensorMapping } from './onnx-model.js';
import type { OnnxGraph, OnnxNode, OnnxTensor } from './onnx-read.js';

/**
 * An activation: the output of engine layer `node` ('input' for the network's input). `shape`
 * is ONNX's per-sample shape ([C, H, W] for a feature map, which the engine holds as
 * [H, W, C]; [C, 1, 1] may be held as [C]). `chw` marks a vector that is the engine's (NHWC)
 * flattening of a [C, H, W] map: ONNX's element (c·H + h)·W + w is the engine's (h·W + w)·C + c.
 */
export interface Act {
  kind: 'act';
  node: string;
  shape: number[];
  chw: [number, number, number] | null;
  /** A [C, 1, 1] map the engine holds as the vector [C] (after global average pooling). */
  squeezed?: boolean;
}

export type Value = Act | { kind: 'const'; tensor: OnnxTensor };

export type { OnnxTensorMapping } from './onnx-model.js';

/** The import's working state; op converters (onnx-ops.ts) read values and add layers. */
export class ImportState {
  readonly layers: LayerSpec[] = [];
  readonly mappings: OnnxTensorMapping[] = [];
  readonly values = new Map<string, Value>();
  /** How many nodes read each value (a MatMul's output read once may take the next Add's bias). */
  readonly readers = new Map<string, number>();
  /** Nodes already converted as part of another (a MatMul's bias Add, a GELU's pieces). */
  readonly done = new Set<OnnxNode>();
  private readonly names = uniqueNames();
  private readonly trainable = new Set<string>();
  /** The tensor each mapping reads its values from. */
  readonly sources = new Map<OnnxTensorMapping, OnnxTensor>();

  constructor(
    readonly graph: OnnxGraph,
    readonly file: string,
  ) {
    for (const [name, t] of graph.initializers) this.values.set(name, { kind: 'const', tensor: t });
    this.values.set(graph.input.name, {
      kind: 'act',
      node: 'input',
      shape: graph.input.shape,
      chw: null,
    });
    for (const n of graph.nodes) {
      for (const i of n.inputs) this.readers.set(i, (this.readers.get(i) ?? 0) + 1);
    }
    this.readers.set(graph.output, (this.readers.get(graph.output) ?? 0) + 1);
    this.names.take('input');
  }

  where(n: OnnxNode): string {
    return `${this.file}: node ${describeName(n.name)} (${describeName(n.opType)})`;
  }

  value(n: OnnxNode, k: number): Value {
    const v = this.values.get(n.inputs[k] ?? '');
    if (!v) {
      throw new PacgenError(
        `${this.where(n)}: input ${describeName(n.inputs[k] ?? '')} is not computed by an earlier node (not in topological order, or dangling)`,
      );
    }
    return v;
  }

  act(n: OnnxNode, k = 0): Act {
    const v = this.value(n, k);
    if (v.kind !== 'act') {
      throw new PacgenError(
        `${this.where(n)}: input ${k + 1} must be computed from the model's input, not a constant`,
      );
    }
    return v;
  }

  constant(n: OnnxNode, k: number): OnnxTensor {
    const v = this.value(n, k);
    if (v.kind !== 'const') {
      throw new PacgenError(
        `${this.where(n)}: input ${k + 1} (${describeName(n.inputs[k])}) must be a constant (an initializer)`,
      );
    }
    return v.tensor;
  }

  /**
   * An initializer that becomes trainable parameters; read by a second layer it is a separate
   * parameter there, named `${name}@${node}` (the exporter merged two equal tensors).
   */
  parameter(n: OnnxNode, k: number, shape: number[], what: string): OnnxTensor {
    const t = this.constant(n, k);
    if (t.dims.join() !== shape.join()) {
      throw new PacgenError(
        `${this.where(n)}: ${what} ${describeName(t.name)} has shape [${t.dims.join(', ')}], expected [${shape.join(', ')}]`,
      );
    }
    if (!this.trainable.has(t.name)) {
      this.trainable.add(t.name);
      return t;
    }
    let alias = `${t.name}@${n.name}`;
    for (let i = 2; this.trainable.has(alias); i++) alias = `${t.name}@${n.name}#${i}`;
    this.trainable.add(alias);
    return { ...t, name: alias };
  }

  /** Appends an engine layer reading `inputs`; returns its unique name. */
  addLayer(layer: LayerSpec, base: string, inputs: Act[]): string {
    const name = this.names.take(base);
    this.layers.push({ ...layer, name, inputs: inputs.map((a) => a.node) } as LayerSpec);
    return name;
  }

  map(tensor: string, source: OnnxTensor, index: Int32Array | null, buffer = false): void {
    const m = { tensor, onnx: source.name, shape: source.dims, index, buffer };
    this.mappings.push(m);
    this.sources.set(m, source);
  }

  setOutput(n: OnnxNode, value: Value, k = 0): void {
    this.values.set(n.outputs[k], value);
  }
}
