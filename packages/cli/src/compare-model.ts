// The networks `pacgen compare` trains: a preset built without dropout for every method, and with
// --dropout for the dropout method. Only a preset can be varied so (a model file fixes its
// architecture), so --model must name one.

import { presetByName } from '@pacgen/metrics/models';
import type { NetworkSpec } from '@pacgen/core-wasm';
import { UsageError } from './errors.js';
import { checkCompatible, resolveModel, type ResolvedData } from './resolve.js';

/** The presets the comparison can build with and without dropout. */
const COMPARE_MODELS = ['mnist-cnn', 'cifar-cnn', 'mlp'] as const;
const MODEL_HINT =
  'give mnist-cnn, cifar-cnn or mlp[:W1,W2]: the comparison builds the dropout-free network and its --dropout variant from the preset';

/** A preset the comparison can build with and without dropout, and its ':' argument. */
export interface ComparisonPreset {
  name: (typeof COMPARE_MODELS)[number];
  arg?: string;
}

/** The preset name and its ':' argument of --model, checked to be one the comparison can vary. */
export function comparisonPreset(model: string): ComparisonPreset {
  const [name, arg] = model.split(/:(.*)/s, 2);
  if (!(COMPARE_MODELS as readonly string[]).includes(name)) {
    throw new UsageError(
      `--model ${model}: compare trains a preset from scratch, not ${/[/\\.]/.test(model) ? 'a model file' : `'${name}'`}`,
      MODEL_HINT,
    );
  }
  if (name !== 'mlp' && arg !== undefined) {
    throw new UsageError(
      `--model ${model}: give ${name} without ':' (the comparison sets its dropout: 0, and --dropout for the dropout method)`,
      MODEL_HINT,
    );
  }
  return { name: name as ComparisonPreset['name'], arg };
}

/**
 * The network of each dropout rate: the preset without dropout (checked against the data) for 0,
 * else the preset with that dropout. `model` is --model as given (an MLP keeps its widths).
 */
export async function comparisonSpecs(
  preset: ComparisonPreset,
  model: string,
  data: ResolvedData,
): Promise<(dropout: number) => NetworkSpec> {
  const shape = { inputShape: data.train.inputShape, numClasses: data.train.numClasses };
  const base = await resolveModel(preset.name === 'mlp' ? model : `${preset.name}:dropout=0`, {
    data: shape,
  });
  checkCompatible(base, data);
  const hidden = preset.arg === undefined ? undefined : preset.arg.split(',').map(Number);
  const classes = shape.numClasses ? { numClasses: shape.numClasses } : {};
  return (dropout) => {
    if (dropout === 0) return base.spec;
    return preset.name === 'mlp'
      ? presetByName('mlp', { inputShape: shape.inputShape, hidden, ...classes, dropout })
      : presetByName(preset.name, { ...classes, dropout });
  };
}
