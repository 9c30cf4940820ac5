// A network and its parameters (and batch-norm buffers) as an ONNX model (opset 17), encoded by
// onnx-proto. The file takes PyTorch's NCHW input and gives the engine's logits: conv kernels
// HWIO are written OIHW, dense kernels [in, out] as Gemm weights [out, in] (transB = 1), with the
// columns of a dense layer after a flattened feature map in ONNX's CHW order; GELU is written
// in the tanh form torch.onnx.export uses. The importer (onnx-import.ts) reads it back, which is
// how it is checked. Browser-safe.

import onnxProto from 'onnx-proto';
import {
  PacgenError,
  describeName,
  type CompiledLayer,
  type NetworkSpec,
  type TensorInfo,
} from '@pacgen/core-wasm';
import { compileWithParams, initialBuffers } from './model.js';

const { onnx } = onnxProto;

/** The engine's activation codes (compiled.ts ACTIVATION_CODE), in code order. */
const ACTIVATIONS = ['linear', 'relu', 'leaky-relu', 'sigmoid', 'tanh', 'softplus', 'gelu'];

/** Metadata key holding the network's loss, read back by the importer. */
export const ONNX_LOSS_KEY = 'pacgen.loss';

type Node = onnxProto.onnx.INodeProto;
type Attr = onnxProto.onnx.IAttributeProto;

const ints = (name: string, v: number[]): Attr => ({ name, type: 7, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: 2, i: v });
const float = (name: string, v: number): Attr => ({ name, type: 1, f: v });

/** The graph being written: nodes, initializers, and what each engine node's output is called. */
class Writer {
  readonly nodes: Node[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private count = 0;

  constructor(private readonly f64: boolean) {}

  node(op: string, inputs: string[], attribute: Attr[] = [], output?: string): string {
    const out = output ?? `/${op}_${this.count}_output`;
    this.nodes.push({
      name: `/${op}_${this.count++}`,
      opType: op,
      input: inputs,
      output: [out],
      attribute,
    });
    return out;
  }

  tensor(name: string, dims: number[], values: ArrayLike<number>, int64 = false): string {
    const data = int64
      ? new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer)
      : new Uint8Array((this.f64 ? Float64Array : Float32Array).from(values).buffer);
    this.initializers.push({ name, dims, dataType: int64 ? 7 : this.f64 ? 11 : 1, rawData: data });
    return name;
  }

  scalar(v: number): string {
    return this.tensor(`/const_${this.count++}`, [], [v]);
  }
}

/** GELU's tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as torch writes it. */
function gelu(w: Writer, x: string): string {
  const cube = w.node('Mul', [x, w.node('Mul', [x, x])]);
  const inner = w.node('Add', [x, w.node('Mul', [w.scalar(0.044715), cube])]);
  const t = w.node('Tanh', [w.node('Mul', [w.scalar(Math.sqrt(2 / Math.PI)), inner])]);
  return w.node('Mul', [w.scalar(0.5), w.node('Mul', [x, w.node('Add', [w.scalar(1), t])])]);
}

function activation(w: Writer, l: CompiledLayer, x: string): string {
  const name = ACTIVATIONS[l.ints[0]];
  switch (name) {
    case 'relu':
      return w.node('Relu', [x]);
    case 'leaky-relu':
      return w.node('LeakyRelu', [x], [float('alpha', l.hyper)]);
    case 'sigmoid':
      return w.node('Sigmoid', [x]);
    case 'tanh':
      return w.node('Tanh', [x]);
    case 'softplus':
      return w.node('Softplus', [x]);
    case 'gelu':
      return gelu(w, x);
    default:
      return w.node('Identity', [x]);
  }
}

interface Context {
  w: Writer;
  weights: Float64Array;
  buffers: Float64Array;
  byName: Map<string, TensorInfo>;
  bufferByName: Map<string, TensorInfo>;
}

const slice = (v: Float64Array, t: TensorInfo) => v.subarray(t.offset, t.offset + t.size);

/** One engine layer as ONNX nodes; `chw` says its input is a flattened [C, H, W] map. */
function writeLayer(c: Context, l: CompiledLayer, xs: string[], chw: number[] | null): string {
  const { w } = c;
  const [x] = xs;
  const param = (suffix: string) => c.byName.get(`${l.name}/${suffix}`);
  switch (l.type) {
    case 'dense': {
      const [IN, OUT] = [l.inSize, l.outSize];
      const k = slice(c.weights, param('kernel')!);
      const out = new Float64Array(IN * OUT);
      for (let r = 0; r < IN; r++) {
        const t = chw ? (r % chw[0]) * chw[1] * chw[2] + Math.floor(r / chw[0]) : r;
        for (let o = 0; o < OUT; o++) out[o * IN + t] = k[r * OUT + o];
      }
      const inputs = [x, w.tensor(`${l.name}.weight`, [OUT, IN], out)];
      const b = param('bias');
      if (b) inputs.push(w.tensor(`${l.name}.bias`, [OUT], slice(c.weights, b)));
      return w.node('Gemm', inputs, [float('alpha', 1), float('beta', 1), int('transB', 1)]);
    }
    case 'conv2d': {
      const [H, W, C, KH, KW, CO, sh, sw, pt, pl, OH, OW, G] = l.ints;
      const CG = C / (G || 1);
      const k = slice(c.weights, param('kernel')!);
      const out = new Float64Array(k.length);
      for (let y = 0, i = 0; y < KH; y++)
        for (let xx = 0; xx < KW; xx++)
          for (let ci = 0; ci < CG; ci++)
            for (let co = 0; co < CO; co++) out[((co * CG + ci) * KH + y) * KW + xx] = k[i++];
      const inputs = [x, w.tensor(`${l.name}.weight`, [CO, CG, KH, KW], out)];
      const b = param('bias');
      if (b) inputs.push(w.tensor(`${l.name}.bias`, [CO], slice(c.weights, b)));
      // Rows a stride leaves over at the end are dropped by the output size, never padded.
      const pb = Math.max(0, (OH - 1) * sh + KH - H - pt);
      const pr = Math.max(0, (OW - 1) * sw + KW - W - pl);
      return w.node('Conv', inputs, [
        ints('kernel_shape', [KH, KW]),
        ints('strides', [sh, sw]),
        ints('pads', [pt, pl, pb, pr]),
        ints('dilations', [1, 1]),
        int('group', G || 1),
      ]);
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const [, , , KH, KW, , sh, sw] = l.ints;
      const op = l.type === 'maxpool2d' ? 'MaxPool' : 'AveragePool';
      return w.node(op, [x], [ints('kernel_shape', [KH, KW]), ints('strides', [sh, sw])]);
    }
    case 'flatten':
      return w.node('Flatten', [x], [int('axis', 1)]);
    case 'dropout':
      return w.node('Dropout', [x, w.scalar(l.hyper)]);
    case 'activation':
      return activation(w, l, x);
    case 'add':
      return xs.slice(1).reduce((a, b) => w.node('Add', [a, b]), x);
    case 'concat':
      return w.node('Concat', xs, [int('axis', 1)]);
    case 'identity':
      return w.node('Identity', [x]);
    case 'global-avgpool':
      return w.node('Flatten', [w.node('GlobalAveragePool', [x])], [int('axis', 1)]);
    case 'batchnorm': {
      const [g, b] = [param('gamma'), param('beta')];
      if (!g || !b) {
        throw new PacgenError(
          `layer ${describeName(l.name)}: a batchnorm without γ or β cannot be written as ONNX`,
        );
      }
      const buf = (s: string) => slice(c.buffers, c.bufferByName.get(`${l.name}/${s}`)!);
      const C = l.ints[1];
      return w.node(
        'BatchNormalization',
        [
          x,
          w.tensor(`${l.name}.weight`, [C], slice(c.weights, g)),
          w.tensor(`${l.name}.bias`, [C], slice(c.weights, b)),
          w.tensor(`${l.name}.running_mean`, [C], buf('moving_mean')),
          w.tensor(`${l.name}.running_var`, [C], buf('moving_variance')),
        ],
        [float('epsilon', l.hyper), float('momentum', 1 - l.hyper2)],
      );
    }
    default:
      throw new PacgenError(
        `layer ${describeName(l.name)}: ${l.type} cannot be written as ONNX yet (supported: dense, conv2d, pools, flatten, dropout, activations, add, concat, batchnorm, global-avgpool, identity)`,
      );
  }
}

/**
 * Encodes a network with its parameters (and buffers, for batch norm) as an ONNX model, opset
 * 17, float32 initializers (float64 with `precision: 'f64'`); without `buffers`, the state a
 * network starts in (running means 0, running variances 1). Input 'x' is [N, C, H, W] (or
 * [N, features]), output 'logits'; the loss is kept in the metadata. Cost: O(parameters).
 */
export function toOnnx(
  spec: NetworkSpec,
  params: ArrayLike<number>,
  opts: { buffers?: ArrayLike<number>; precision?: 'f32' | 'f64' } = {},
): Uint8Array {
  const { compiled, weights } = compileWithParams(spec, params);
  if (compiled.map)
    throw new PacgenError('networks with shared parameters cannot be written as ONNX');
  const buffers = Float64Array.from(opts.buffers ?? initialBuffers(compiled));
  if (buffers.length !== compiled.numBuffers) {
    throw new PacgenError(
      `buffers have length ${buffers.length}, the network has ${compiled.numBuffers}`,
    );
  }
  const w = new Writer(opts.precision === 'f64');
  const c: Context = {
    w,
    weights,
    buffers,
    byName: new Map(compiled.tensors.map((t) => [t.name, t])),
    bufferByName: new Map(compiled.buffers.map((t) => [t.name, t])),
  };
  const outputs: string[] = [];
  const chwOf: (number[] | null)[] = [];
  compiled.layers.forEach((l, i) => {
    const xs = l.inputs.map((j) => (j < 0 ? 'x' : outputs[j]));
    const chw = l.inputs[0] < 0 ? null : chwOf[l.inputs[0]];
    outputs.push(writeLayer(c, l, xs, l.type === 'dense' ? chw : null));
    const map = l.inShape.length === 3 ? [l.inShape[2], l.inShape[0], l.inShape[1]] : null;
    chwOf[i] =
      l.type === 'flatten' && map && map[1] * map[2] > 1
        ? map
        : l.type === 'activation' || l.type === 'dropout' || l.type === 'identity'
          ? chw
          : null;
  });
  const last = w.node('Identity', [outputs[outputs.length - 1]], [], 'logits');
  const shape =
    spec.inputShape.length === 3
      ? [spec.inputShape[2], spec.inputShape[0], spec.inputShape[1]]
      : spec.inputShape;
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'pacgen',
    metadataProps: [{ key: ONNX_LOSS_KEY, value: spec.loss }],
    graph: {
      name: 'pacgen',
      node: w.nodes,
      initializer: w.initializers,
      input: [
        {
          name: 'x',
          type: {
            tensorType: {
              elemType: opts.precision === 'f64' ? 11 : 1,
              shape: { dim: [{ dimParam: 'N' }, ...shape.map((d) => ({ dimValue: d }))] },
            },
          },
        },
      ],
      output: [
        { name: last, type: { tensorType: { elemType: opts.precision === 'f64' ? 11 : 1 } } },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
