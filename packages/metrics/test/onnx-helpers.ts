// Hand-built ONNX models for the tests, encoded with onnx-proto (the same schema the importer
// decodes with): a node list, float initializers and one input of a given per-sample shape.

import onnxProto from 'onnx-proto';
import { compileNetwork, type LayerSpec } from '@pacgen/core-wasm';

const { onnx } = onnxProto;

export interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  ints?: Record<string, number[]>;
  int?: Record<string, number>;
  float?: Record<string, number>;
}

/** A float initializer (row-major values). */
export const init = (name: string, dims: number[], values: ArrayLike<number>) =>
  onnx.TensorProto.create({
    name,
    dims,
    dataType: 1,
    rawData: new Uint8Array(Float32Array.from(values).buffer),
  });

/** The bytes of a model: opset 17 (or `opset`), input 'x' of [N, ...shape], output `output`. */
export function onnxBytes(
  nodes: NodeDef[],
  initializers: ReturnType<typeof init>[],
  shape: number[],
  output: string,
  opset = 17,
): Uint8Array {
  const attr = (n: NodeDef) => [
    ...Object.entries(n.ints ?? {}).map(([name, ints]) => ({ name, type: 7, ints })),
    ...Object.entries(n.int ?? {}).map(([name, i]) => ({ name, type: 2, i })),
    ...Object.entries(n.float ?? {}).map(([name, f]) => ({ name, type: 1, f })),
  ];
  const dims = [{ dimParam: 'N' }, ...shape.map((d) => ({ dimValue: d }))];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'test',
    graph: {
      name: 'g',
      node: nodes.map((n, i) => ({
        name: n.name ?? `n${i}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: attr(n),
      })),
      initializer: initializers,
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: dims } } } }],
      output: [{ name: output, type: { tensorType: { elemType: 1 } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Whether the engine compiles a layer (the graph ops land one by one, issue 15). */
export function engineHas(layer: LayerSpec, inputShape = [4, 4, 2]): boolean {
  try {
    compileNetwork({
      inputShape,
      layers: [layer, { type: 'flatten' }, { type: 'dense', units: 2 }],
      loss: 'mse',
    });
    return true;
  } catch {
    return false;
  }
}
