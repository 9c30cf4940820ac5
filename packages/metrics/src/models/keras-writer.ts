// The engine's compiled layers as Keras layer configs (TF.js Layers' Sequential spelling), with
// the weight tensors each one carries: the writing half of the TF.js Layers format.

import {
  PacgenError,
  type Activation,
  type NetworkSpec,
  type compileNetwork,
} from '@pacgen/core-wasm';
import { kerasActivation, type KerasLayer } from './keras-layers.js';
import { uniqueNames } from './naming.js';

/** A weight of the written model: its manifest name and shape, its offset in the parameters. */
export interface WrittenWeight {
  name: string;
  shape: number[];
  offset: number;
}

type CompiledLayer = ReturnType<typeof compileNetwork>['layers'][number];

/** Activation names by layer name, as compileNetwork expands them. */
function activationsByLayer(spec: NetworkSpec): Map<string, { act: Activation; alpha: number }> {
  const acts = new Map<string, { act: Activation; alpha: number }>();
  spec.layers.forEach((l, i) => {
    const name = l.name ?? `${l.type}_${i}`;
    if ((l.type === 'dense' || l.type === 'conv2d') && l.activation && l.activation !== 'linear') {
      acts.set(`${name}_act`, { act: l.activation, alpha: 0.01 });
    } else if (l.type === 'activation') {
      acts.set(name, { act: l.activation, alpha: l.alpha ?? 0.01 });
    }
  });
  return acts;
}

/** Whether Keras computes a conv with this explicit padding as padding 'same'. */
export function isSamePadding(ints: readonly number[]): boolean {
  const [H, W, , KH, KW, , sh, sw, pt, pl, OH, OW] = ints;
  const sameH = Math.ceil(H / sh);
  const sameW = Math.ceil(W / sw);
  return (
    OH === sameH &&
    OW === sameW &&
    pt === Math.floor(Math.max((sameH - 1) * sh + KH - H, 0) / 2) &&
    pl === Math.floor(Math.max((sameW - 1) * sw + KW - W, 0) / 2)
  );
}

/** A compiled max or average pool as a Keras MaxPooling2D / AveragePooling2D. */
export function poolLayer(l: CompiledLayer, name: string): KerasLayer {
  const [, , , KH, KW, , sh, sw] = l.ints;
  return {
    class_name: l.type === 'maxpool2d' ? 'MaxPooling2D' : 'AveragePooling2D',
    config: {
      name,
      pool_size: [KH, KW],
      strides: [sh, sw],
      padding: 'valid',
      data_format: 'channels_last',
    },
  };
}

/**
 * The Keras layers of a compiled network and the weights they carry, in order. An activation
 * layer folds into the Dense or Conv2D before it when that one is linear; explicit conv padding
 * becomes a ZeroPadding2D layer.
 */
export function kerasLayersOf(
  spec: NetworkSpec,
  compiledLayers: readonly CompiledLayer[],
): { layers: KerasLayer[]; specs: WrittenWeight[]; unique: (base: string) => string } {
  const acts = activationsByLayer(spec);
  const layers: KerasLayer[] = [];
  const specs: WrittenWeight[] = [];
  const names = uniqueNames();
  const unique = (base: string) => names.take(base.replace(/[^A-Za-z0-9_.-]/g, '_') || 'layer');
  for (const l of compiledLayers) {
    const name = unique(l.name);
    const last = layers[layers.length - 1];
    switch (l.type) {
      case 'dense': {
        layers.push({
          class_name: 'Dense',
          config: { name, units: l.outSize, activation: 'linear', use_bias: l.biasOffset >= 0 },
        });
        specs.push({
          name: `${name}/kernel`,
          shape: [l.inSize, l.outSize],
          offset: l.weightOffset,
        });
        if (l.biasOffset >= 0)
          specs.push({ name: `${name}/bias`, shape: [l.outSize], offset: l.biasOffset });
        break;
      }
      case 'conv2d': {
        const [, , C, KH, KW, CO, sh, sw, pt, pl] = l.ints;
        const isSame = isSamePadding(l.ints);
        let padding = 'valid';
        if (pt > 0 || pl > 0) {
          if (isSame) padding = 'same';
          else {
            // Explicit padding: Keras has no such Conv2D option, so pad first.
            layers.push({
              class_name: 'ZeroPadding2D',
              config: {
                name: unique(`${name}_pad`),
                padding: [
                  [pt, pt],
                  [pl, pl],
                ],
                data_format: 'channels_last',
              },
            });
          }
        }
        layers.push({
          class_name: 'Conv2D',
          config: {
            name,
            filters: CO,
            kernel_size: [KH, KW],
            strides: [sh, sw],
            padding,
            data_format: 'channels_last',
            dilation_rate: [1, 1],
            activation: 'linear',
            use_bias: l.biasOffset >= 0,
          },
        });
        specs.push({ name: `${name}/kernel`, shape: [KH, KW, C, CO], offset: l.weightOffset });
        if (l.biasOffset >= 0)
          specs.push({ name: `${name}/bias`, shape: [CO], offset: l.biasOffset });
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        layers.push(poolLayer(l, name));
        break;
      }
      case 'flatten':
        layers.push({ class_name: 'Flatten', config: { name } });
        break;
      case 'dropout':
        layers.push({ class_name: 'Dropout', config: { name, rate: l.hyper } });
        break;
      case 'activation': {
        const a = acts.get(l.name);
        if (!a) throw new PacgenError(`internal: activation layer '${l.name}' has no activation`);
        if (a.act === 'leaky-relu') {
          layers.push({ class_name: 'LeakyReLU', config: { name, alpha: a.alpha } });
        } else if (
          (last?.class_name === 'Dense' || last?.class_name === 'Conv2D') &&
          last.config.activation === 'linear'
        ) {
          last.config.activation = kerasActivation(a.act, l.name);
          names.release(name);
        } else {
          layers.push({
            class_name: 'Activation',
            config: { name, activation: kerasActivation(a.act, l.name) },
          });
        }
        break;
      }
    }
  }
  return { layers, specs, unique };
}
