// A network as a Keras functional topology (TF.js Layers' 'Model' spelling): one Keras layer per
// layer of the spec, each with the inbound node of the layers it reads, and the weights each
// carries (parameters first, then the BatchNorm moving statistics, as TF.js saves them). The
// writing half for graphs; Sequential chains keep keras-writer.ts's output.

import {
  PacgenError,
  type CompiledNetwork,
  type LayerSpec,
  type NetworkSpec,
} from '@pacgen/core-wasm';
import { kerasActivation, type KerasLayer } from './keras-layers.js';
import { isSamePadding, poolLayer, type WrittenWeight } from './keras-writer.js';
import { uniqueNames } from './naming.js';

/** A weight of the written model and where its values are: the parameters or the buffers. */
export interface GraphWeight extends WrittenWeight {
  from: 'weights' | 'buffers';
}

/** Layer types that make a spec a graph even without `inputs` (Sequential has none of them). */
const GRAPH_TYPES = new Set<LayerSpec['type']>([
  'add',
  'concat',
  'batchnorm',
  'layernorm',
  'global-avgpool',
  'identity',
  'reshape',
]);

/** Whether a spec needs the functional writer (a graph, or a layer only it writes). */
export function needsFunctional(spec: NetworkSpec): boolean {
  return spec.layers.some(
    (l) =>
      l.inputs !== undefined ||
      GRAPH_TYPES.has(l.type) ||
      (l.type === 'conv2d' && (l.groups ?? 1) !== 1),
  );
}

type Compiled = CompiledNetwork['layers'][number];

/** One layer being written: the spec layer, its compiled node, its Keras name. */
interface Writing {
  l: LayerSpec;
  c: Compiled;
  name: string;
  weights: GraphWeight[];
  tensor: (suffix: string) => number;
}

/** The Keras class and config of one spec layer; pushes the weights it carries. */
function kerasLayer({ l, c, name, weights, tensor }: Writing): KerasLayer {
  const act = (a: LayerSpec & { activation?: string }) =>
    a.activation && a.activation !== 'linear'
      ? kerasActivation(a.activation as Parameters<typeof kerasActivation>[0], name)
      : 'linear';
  switch (l.type) {
    case 'dense':
      weights.push({
        name: `${name}/kernel`,
        shape: [c.inSize, c.outSize],
        offset: c.weightOffset,
        from: 'weights',
      });
      if (c.biasOffset >= 0)
        weights.push({
          name: `${name}/bias`,
          shape: [c.outSize],
          offset: c.biasOffset,
          from: 'weights',
        });
      return {
        class_name: 'Dense',
        config: { name, units: c.outSize, activation: act(l), use_bias: c.biasOffset >= 0 },
      };
    case 'conv2d':
      return convLayer({ l, c, name, weights, tensor }, act(l));
    case 'maxpool2d':
    case 'avgpool2d':
      return poolLayer(c, name);
    case 'flatten':
      return { class_name: 'Flatten', config: { name } };
    case 'dropout':
      return { class_name: 'Dropout', config: { name, rate: l.rate } };
    case 'activation':
      if (l.activation === 'leaky-relu')
        return { class_name: 'LeakyReLU', config: { name, alpha: l.alpha ?? 0.01 } };
      return { class_name: 'Activation', config: { name, activation: act(l) } };
    case 'identity':
      return { class_name: 'Activation', config: { name, activation: 'linear' } };
    case 'add':
      return { class_name: 'Add', config: { name } };
    case 'concat':
      return { class_name: 'Concatenate', config: { name, axis: -1 } };
    case 'reshape':
      return { class_name: 'Reshape', config: { name, target_shape: [...l.targetShape] } };
    case 'global-avgpool':
      return {
        class_name: 'GlobalAveragePooling2D',
        config: { name, data_format: 'channels_last' },
      };
    case 'batchnorm':
    case 'layernorm': {
      const C = [c.outShape[c.outShape.length - 1]];
      const bn = l.type === 'batchnorm';
      const scale = !bn || l.scale !== false;
      const center = !bn || l.center !== false;
      const spec = l.name!;
      if (scale)
        weights.push({
          name: `${name}/gamma`,
          shape: C,
          offset: tensor(`${spec}/gamma`),
          from: 'weights',
        });
      if (center)
        weights.push({
          name: `${name}/beta`,
          shape: C,
          offset: tensor(`${spec}/beta`),
          from: 'weights',
        });
      const config = { name, axis: -1, epsilon: l.epsilon ?? 1e-5, center, scale };
      if (!bn) return { class_name: 'LayerNormalization', config };
      return {
        class_name: 'BatchNormalization',
        config: { ...config, momentum: 1 - (l.momentum ?? 0.1) },
      };
    }
  }
}

/** A Conv2D (groups 1) or DepthwiseConv2D (one group per input channel) and its weights. */
function convLayer({ c, name, weights }: Writing, activation: string): KerasLayer {
  const [, , C, KH, KW, CO, sh, sw, , , , , G = 1] = c.ints;
  // Explicit padding that is not Keras' 'same' was written as a ZeroPadding2D before this.
  const [H, W, , , , , , , pt, pl, OH, OW] = c.ints;
  const valid = OH === Math.floor((H - KH) / sh) + 1 && OW === Math.floor((W - KW) / sw) + 1;
  const padding = (pt === 0 && pl === 0 && valid) || explicitPad(c) > 0 ? 'valid' : 'same';
  const common = {
    name,
    kernel_size: [KH, KW],
    strides: [sh, sw],
    padding,
    data_format: 'channels_last',
    dilation_rate: [1, 1],
    activation,
    use_bias: c.biasOffset >= 0,
  };
  let layer: KerasLayer;
  if (G === 1) {
    layer = { class_name: 'Conv2D', config: { ...common, filters: CO } };
    weights.push({
      name: `${name}/kernel`,
      shape: [KH, KW, C, CO],
      offset: c.weightOffset,
      from: 'weights',
    });
  } else if (G === C) {
    // Our kernel [kh, kw, 1, C·k] holds Keras' depthwise kernel [kh, kw, C, k] in its order.
    layer = { class_name: 'DepthwiseConv2D', config: { ...common, depth_multiplier: CO / C } };
    weights.push({
      name: `${name}/depthwise_kernel`,
      shape: [KH, KW, C, CO / C],
      offset: c.weightOffset,
      from: 'weights',
    });
  } else {
    throw new PacgenError(
      `layer '${c.name}': a convolution with ${G} groups of ${C / G} channels has no TF.js layer (only groups 1 or depthwise, groups = channels)`,
    );
  }
  if (c.biasOffset >= 0)
    weights.push({ name: `${name}/bias`, shape: [CO], offset: c.biasOffset, from: 'weights' });
  return layer;
}

/** A conv's explicit padding that needs a ZeroPadding2D layer before it (0: none). */
function explicitPad(c: Compiled): number {
  const [, , , , , , , , pt, pl] = c.ints;
  if ((pt === 0 && pl === 0) || isSamePadding(c.ints)) return 0;
  if (pt !== pl) throw new PacgenError(`internal: conv '${c.name}' pads ${pt}×${pl}`);
  return pt;
}

/**
 * The functional topology of a compiled spec and its weights in the order they are written.
 * Parameter offsets are into the expanded weights (compileWithParams); buffer offsets into the
 * buffer vector. The fused output activation is put back on the output layer. O(layers).
 */
export function kerasGraphOf(
  spec: NetworkSpec,
  compiled: CompiledNetwork,
  modelName: string,
): { topology: Record<string, unknown>; weights: GraphWeight[] } {
  if (spec.shared) {
    throw new PacgenError('a graph model with shared parameters cannot be written as TF.js Layers');
  }
  const byName = new Map(compiled.layers.map((c) => [c.name, c]));
  const tensorOffset = new Map(compiled.tensors.map((t) => [t.name, t.offset]));
  const names = uniqueNames();
  const input = names.take('input');
  const keras = new Map<string, string>([['input', input]]);
  const layers: Record<string, unknown>[] = [
    {
      name: input,
      class_name: 'InputLayer',
      config: {
        name: input,
        batch_input_shape: [null, ...compiled.inputShape],
        dtype: 'float32',
        sparse: false,
      },
      inbound_nodes: [],
    },
  ];
  const weights: GraphWeight[] = [];
  let previous = 'input';
  spec.layers.forEach((raw, i) => {
    const l = { ...raw, name: raw.name ?? `${raw.type}_${i}` } as LayerSpec;
    const c = byName.get(l.name!);
    const name = names.take(l.name!.replace(/[^A-Za-z0-9_.-]/g, '_') || 'layer');
    let ins = (l.inputs ?? [previous]).map((n) => keras.get(n)!);
    const pad = l.type === 'conv2d' && c ? explicitPad(c) : 0;
    if (pad > 0) {
      const padName = names.take(`${name}_pad`);
      const padding = [
        [pad, pad],
        [pad, pad],
      ];
      layers.push({
        name: padName,
        class_name: 'ZeroPadding2D',
        config: { name: padName, padding, data_format: 'channels_last' },
        inbound_nodes: [ins.map((n) => [n, 0, 0, {}])],
      });
      ins = [padName];
    }
    // A trailing activation the loss fuses was not compiled: write it as it stands.
    const layer = c
      ? kerasLayer({ l, c, name, weights, tensor: (t) => tensorOffset.get(t)! })
      : {
          class_name: 'Activation',
          config: {
            name,
            activation: kerasActivation((l as { activation: 'softmax' }).activation, name),
          },
        };
    layers.push({ ...layer, name, inbound_nodes: [ins.map((n) => [n, 0, 0, {}])] });
    keras.set(l.name!, name);
    previous = l.name!;
  });
  for (const b of compiled.buffers) {
    weights.push({
      name: `${keras.get(b.name.slice(0, b.name.lastIndexOf('/')))!}${b.name.slice(b.name.lastIndexOf('/'))}`,
      shape: [...b.shape],
      offset: b.offset,
      from: 'buffers',
    });
  }
  const out = compiled.outputActivation;
  let last = layers[layers.length - 1] as KerasLayer & { name: string };
  if (out && last.config.activation !== out) {
    if (
      (last.class_name === 'Dense' || last.class_name === 'Conv2D') &&
      last.config.activation === 'linear'
    ) {
      last.config.activation = out;
    } else {
      const name = names.take(`output_${out}`);
      last = {
        class_name: 'Activation',
        config: { name, activation: out },
        name,
        inbound_nodes: [[[last.name, 0, 0, {}]]],
      } as never;
      layers.push(last);
    }
  }
  return {
    topology: {
      class_name: 'Model',
      config: {
        name: modelName,
        layers,
        input_layers: [[input, 0, 0]],
        output_layers: [[last.name, 0, 0]],
      },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weights,
  };
}
