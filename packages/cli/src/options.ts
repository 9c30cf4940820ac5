// Option groups shared by several commands, and the validators that turn impossible values
// (negative epochs, zero probes, γ ≤ 0) into usage errors before any work is done.

import { availableParallelism } from 'node:os';
import { MAX_MONTE_CARLO_SAMPLES } from '@pacgen/metrics';
import type { Argv, Options } from 'yargs';
import { UsageError } from './errors.js';
import { DATA_FORMS } from './resolve.js';

/** A coerce function for an integer flag in [min, max]. */
export function intArg(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: unknown): number => {
    const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      const range =
        max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
      throw new UsageError(`--${flag} must be ${range}, got ${String(v)}`);
    }
    return x;
  };
}

/** A coerce function for a finite number flag with optional bounds (strict unless `…Eq`). */
export function numArg(
  flag: string,
  bounds: { gt?: number; ge?: number; lt?: number; le?: number } = {},
) {
  return (v: unknown): number => {
    const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    const fail = (what: string) => new UsageError(`--${flag} must be ${what}, got ${String(v)}`);
    if (typeof x !== 'number' || !Number.isFinite(x)) throw fail('a finite number');
    if (bounds.gt !== undefined && !(x > bounds.gt)) throw fail(`> ${bounds.gt}`);
    if (bounds.ge !== undefined && !(x >= bounds.ge)) throw fail(`≥ ${bounds.ge}`);
    if (bounds.lt !== undefined && !(x < bounds.lt)) throw fail(`< ${bounds.lt}`);
    if (bounds.le !== undefined && !(x <= bounds.le)) throw fail(`≤ ${bounds.le}`);
    return x;
  };
}

/** A coerce function for a comma-separated list, each item checked by `item`. */
export function listArg<T>(flag: string, item: (s: string) => T) {
  return (v: unknown): T[] => {
    const parts = String(v)
      .split(',')
      .map((s) => s.trim());
    if (parts.length === 0 || parts.some((p) => p === '')) {
      throw new UsageError(`--${flag} must be a comma-separated list, got '${String(v)}'`);
    }
    const values = parts.map(item);
    if (new Set(parts).size !== parts.length) {
      throw new UsageError(`--${flag} repeats a value: ${String(v)}`);
    }
    return values;
  };
}

/**
 * Options of the data set to load (`--data`, subset sizes, normalisation); `withTest: false`
 * for commands that use only training samples.
 */
export function dataOptions(defaultData?: string, withTest = true): Record<string, Options> {
  const options: Record<string, Options> = {
    data: {
      type: 'string',
      describe: `data set: ${DATA_FORMS.join(' | ')}`,
      default: defaultData,
      demandOption: defaultData === undefined,
    },
    'train-size': {
      type: 'number',
      describe: 'keep a subset of this many training samples (see --subset)',
      coerce: intArg('train-size', 1),
    },
    'test-size': {
      type: 'number',
      describe: 'keep a subset of this many test samples (0: no test set)',
      coerce: intArg('test-size', 0),
    },
    subset: {
      choices: ['first', 'random'] as const,
      default: 'random',
      describe: 'subsets are the first samples in file order, or seeded random ones (--seed)',
    },
    normalize: {
      choices: ['none', 'standard'] as const,
      default: 'none',
      describe:
        "pixel scaling: 'none' (v/255) or 'standard' ((v/255 − mean)/std, per channel, the mean/std of the training split)",
    },
  };
  if (!withTest) delete options['test-size'];
  return options;
}

/** Options of the PACGen estimators, shared by `score` and `demo`. */
export function estimatorOptions(): Record<string, Options> {
  return {
    diagonal: {
      choices: ['auto', 'exact', 'hutchinson'] as const,
      default: 'auto',
      describe:
        'Hessian diagonal: exact (2m+1 gradients) or Hutchinson; auto: exact up to 20,000 parameters',
    },
    probes: {
      type: 'number',
      default: 100,
      describe: 'Hutchinson probes for the diagonal (2 gradients each)',
      coerce: intArg('probes', 1),
    },
    'rho-probes': {
      type: 'number',
      default: 8,
      describe: 'random displacements of the ρ (Hessian Lipschitz) estimate',
      coerce: intArg('rho-probes', 1),
    },
    rho: {
      type: 'number',
      describe: 'use this ρ instead of estimating it (loss per parameter unit³, ≥ 0)',
      coerce: numArg('rho', { ge: 0 }),
    },
    gamma: {
      type: 'number',
      default: 0.1,
      describe: 'relative neighbourhood size γ (κ_i = γ|w_i| + ε), > 0',
      coerce: numArg('gamma', { gt: 0 }),
    },
    epsilon: {
      type: 'number',
      default: 0.1,
      describe: 'absolute neighbourhood size ε (parameter units), > 0',
      coerce: numArg('epsilon', { gt: 0 }),
    },
    delta: {
      type: 'number',
      default: 0.05,
      describe: 'PAC-Bayes confidence δ, in (0, 1)',
      coerce: numArg('delta', { gt: 0, lt: 1 }),
    },
    ...finiteDifferenceOptions(),
    'monte-carlo': {
      type: 'number',
      describe: 'check the expansion with N loss evaluations at σ* (even, ≥ 4)',
      coerce: (v: unknown) => {
        const n = intArg('monte-carlo', 4, MAX_MONTE_CARLO_SAMPLES)(v);
        if (n % 2 !== 0) throw new UsageError(`--monte-carlo must be even, got ${n}`);
        return n;
      },
    },
  };
}

/** The Hessian-vector products' flags (docs/method.md §5): `--step` and `--on-kink`. */
export function finiteDifferenceOptions(): Record<string, Options> {
  return {
    step: {
      type: 'number',
      describe:
        'finite-difference step: the length of each HVP’s move, relative to the parameters’ scale (default 1e-6 in f64, 1e-2 in f32)',
      coerce: numArg('step', { gt: 0 }),
    },
    'on-kink': {
      choices: ['shrink', 'report'],
      default: 'shrink',
      describe:
        'an HVP whose two points straddle a ReLU/max-pool kink: recompute it at smaller steps, or only report it (to compare with an engine that cannot see kinks)',
    },
  };
}

/** Options every command takes: `--seed` and `--precision`. */
export function runOptions(defaultPrecision: 'f32' | 'f64'): Record<string, Options> {
  return {
    seed: {
      type: 'number',
      default: 0,
      describe: 'seed of every random choice (subsets, initialisation, probes)',
      coerce: intArg('seed', 0, 2 ** 31 - 1),
    },
    precision: {
      choices: ['f32', 'f64'] as const,
      default: defaultPrecision,
      describe: 'engine arithmetic (f64 is advisable for curvature of ReLU networks)',
    },
  };
}

/** Options of commands that draw figures: `--png` and `--png-width`. */
export function figureOptions(): Record<string, Options> {
  return {
    png: { type: 'boolean', default: true, describe: 'also write PNGs (--no-png: SVG only)' },
    'png-width': {
      type: 'number',
      default: 1000,
      describe: 'PNG width in pixels',
      coerce: intArg('png-width', 100, 8000),
    },
  };
}

/**
 * Options choosing what computes the loss (`score`, `spectrum`): the core-wasm engine or
 * TensorFlow.js on a backend. Replaces runOptions' `precision` default: f64 on core-wasm, f32
 * (the only one) on tfjs.
 */
export function engineOptions(): Record<string, Options> {
  return {
    engine: {
      choices: ['core-wasm', 'tfjs'] as const,
      default: 'core-wasm',
      describe:
        'what computes the loss and its gradients: the core-wasm engine, or TensorFlow.js (f32)',
    },
    backend: {
      choices: ['auto', 'cpu', 'wasm', 'webgpu'] as const,
      describe:
        'TensorFlow.js backend of --engine tfjs; auto (default): webgpu on a hardware GPU adapter, else wasm. webgpu in Node runs on Dawn (npm package webgpu)',
    },
    precision: {
      choices: ['f32', 'f64'] as const,
      describe:
        'arithmetic (default f64 on core-wasm, f32 on tfjs; f64 is advisable for curvature of ReLU networks)',
    },
    ...threadsOption(),
  };
}

/**
 * --threads: core-wasm's threads per pass, 1..256, default every core (os.availableParallelism).
 * Results are bit-identical for any count (fixed chunks summed in order, docs/engine.md).
 */
export function threadsOption(): Record<string, Options> {
  return {
    threads: {
      // Not type 'number': yargs would turn 'two' into NaN before intArg could name it.
      type: 'string',
      describe: `threads of the core-wasm engine, 1 to 256 (default: all ${availableParallelism()} cores); results are bit-identical for any count`,
      coerce: intArg('threads', 1, 256),
    },
  };
}

/** Adds examples to a command's help (`$0` is the program name). */
export function withExamples<T>(y: Argv<T>, examples: [string, string][]): Argv<T> {
  for (const [cmd, what] of examples) y.example(cmd, what);
  return y;
}

/** The MODEL positional of the commands that read a trained model. */
export const MODEL_POSITIONAL = {
  type: 'string',
  demandOption: true,
  describe:
    'a TF.js model.json (or its folder), a .safetensors file, an ONNX .onnx file, or a preset name',
} as const;

/**
 * The data flags of the commands that evaluate a trained model, without defaults: the model's
 * run.json decides --data, --subset, --train-size and --normalize, and an explicit flag must
 * agree with it (training-set.ts); without one, mnist, random and none. Also --arch (the layer
 * list of a .safetensors model). Spread after dataOptions.
 */
export function modelDataOptions(): Record<string, Options> {
  return {
    data: {
      type: 'string',
      describe: `data set: ${DATA_FORMS.join(' | ')} (default: the model's, from the run.json beside it, else mnist)`,
    },
    subset: {
      choices: ['first', 'random'] as const,
      describe:
        "how --train-size chose its samples: the first, or seeded random ones (default: the model's run.json, else random)",
    },
    normalize: {
      choices: ['none', 'standard'] as const,
      describe:
        "pixel scaling: default the model's (from run.json beside it, written by pacgen train), else 'none' (v/255); 'standard': (v/255 − mean)/std with the training split's channel mean/std",
    },
    arch: {
      type: 'string',
      describe: 'layer-list JSON of a .safetensors model (default: beside it, .json)',
    },
  };
}

/**
 * --samples (the training samples the loss is taken over, at least `minSamples`) and the
 * model's data flags (modelDataOptions), shared by the commands that score a model. Spread
 * after dataOptions.
 */
export function modelLossOptions(minSamples: number): Record<string, Options> {
  return {
    samples: {
      type: 'number',
      default: 1000,
      describe:
        "training samples the loss and curvature are taken over (of the training set; chosen by --subset); the bound's n is the whole training set",
      coerce: intArg('samples', minSamples),
    },
    ...modelDataOptions(),
  };
}
