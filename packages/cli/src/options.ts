// Option groups shared by several commands, built from the shared flags (vocabulary.ts) whose
// checks turn impossible values (negative epochs, zero probes, γ ≤ 0) into usage errors before
// any work is done.

import { availableParallelism } from 'node:os';
import { MAX_MONTE_CARLO_SAMPLES } from '@pacgen/metrics';
import type { Options } from 'yargs';
import { UsageError } from './errors.js';
import { choice, flags, intArg, num, numArg, str, withDefault } from './flag.js';
import { DATA_FORMS } from './resolve.js';
import { FLAG, samples, testSize, trainSize } from './vocabulary.js';

export { intArg, listArg, numArg } from './flag.js';

/**
 * Options of the data set to load (`--data`, subset sizes, normalisation); `withTest: false`
 * for commands that use only training samples.
 */
export function dataOptions(defaultData = 'mnist', withTest = true): Record<string, Options> {
  return flags({
    data: withDefault(FLAG.data, defaultData),
    'train-size': trainSize(),
    ...(withTest ? { 'test-size': testSize() } : {}),
    subset: FLAG.subset,
    normalize: FLAG.normalize,
  });
}

/** Options of the PACGen estimators, shared by `score`, `demo` and `landscape --psi`. */
export function estimatorOptions(): Record<string, Options> {
  return {
    ...flags({
      diagonal: choice(
        'Hessian diagonal: exact (2m+1 gradients), Hutchinson (2 per probe), hutchinson-cv (Hutchinson with the Gauss-Newton matrix as control variate: O + 1 + 4 per probe; core-wasm), ggn (exact Gauss-Newton diagonal, ~O gradients for O outputs; core-wasm) or hesscale (HesScale approximation, ~2 gradients; core-wasm); auto: exact up to 20,000 parameters',
        ['auto', 'exact', 'hutchinson', 'hutchinson-cv', 'ggn', 'hesscale'] as const,
        'auto',
      ),
      probes: FLAG.probes,
      'rho-probes': FLAG['rho-probes'],
      rho: num('use this ρ instead of estimating it (loss per parameter unit³, ≥ 0)', { ge: 0 }),
      gamma: FLAG.gamma,
      epsilon: FLAG.epsilon,
      delta: FLAG.delta,
    }),
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

/** `--seed` and `--precision` (the command's default arithmetic). */
export function runOptions(defaultPrecision: 'f32' | 'f64'): Record<string, Options> {
  return flags({ seed: FLAG.seed, precision: withDefault(FLAG.precision, defaultPrecision) });
}

/** Options of commands that draw figures: `--png` and `--png-width`. */
export function figureOptions(): Record<string, Options> {
  return flags({ png: FLAG.png, 'png-width': FLAG['png-width'] });
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
  return flags({
    data: str(
      `data set: ${DATA_FORMS.join(' | ')} (default: the model's, from the run.json beside it, else mnist)`,
    ),
    subset: choice(
      "which samples --train-size chose: the first, or seeded random ones (default: the model's run.json, else random)",
      ['first', 'random'] as const,
    ),
    normalize: choice(
      "pixel scaling: default the model's (from run.json beside it, written by pacgen train), else 'none' (v/255); 'standard': (v/255 − mean)/std with the training split's channel mean/std",
      ['none', 'standard'] as const,
    ),
    arch: FLAG.arch,
  });
}

/**
 * --samples (the training samples the loss is taken over, at least `minSamples`; default 1000)
 * and the model's data flags (modelDataOptions), shared by the commands that score a model.
 * Spread after dataOptions.
 */
export function modelLossOptions(minSamples: number): Record<string, Options> {
  return {
    ...flags({ samples: withDefault(samples(minSamples), 1000) }),
    ...modelDataOptions(),
  };
}
