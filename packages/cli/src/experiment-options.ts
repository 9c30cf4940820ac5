// Option blocks of the grid experiments (`pacgen sweep`, `pacgen compare`): the data set and the
// model, the grid's seeds, the seeded subsets, Ψ's estimator budget, the seed and precision, and
// the output folder, from the shared flags (vocabulary.ts); each command passes its own budget
// defaults and spreads the blocks in the order its --help lists them.

import type { PsiSchedule } from '@pacgen/metrics/train';
import type { Options } from 'yargs';
import { CAPS, bool, flags, intArg, list, str, withDefault } from './flag.js';
import { FLAG, out, samples, seedItem, testSize, trainSize } from './vocabulary.js';

/** The flags of these blocks, as parsed (`psi-every` is the command's: its default differs). */
export interface ExperimentArgs {
  data: string;
  normalize: 'none' | 'standard';
  model: string;
  seeds: number[];
  'train-size': number;
  'test-size': number;
  samples: number;
  probes: number;
  'rho-probes': number;
  seed: number;
  precision: 'f32' | 'f64';
  out: string;
  force: boolean;
  png: boolean;
  'png-width': number;
}

/** `--data`, `--normalize` and `--model` (a preset, default mnist-cnn; its help per command). */
export function dataModelOptions(describeModel: string): Record<string, Options> {
  return flags({
    data: FLAG.data,
    normalize: FLAG.normalize,
    model: str(describeModel, 'mnist-cnn'),
  });
}

/** `--seeds`: the seeds of the grid, a comma-separated list of integers in [0, 2³¹). */
export function seedsOption(defaultSeeds: string, describe: string): Record<string, Options> {
  return flags({ seeds: list(describe, seedItem, defaultSeeds) });
}

/** `--train-size` and `--test-size`: the seeded subsets every run trains and tests on. */
export function subsetOptions(defaults: { train: number; test: number }): Record<string, Options> {
  return flags({
    'train-size': withDefault(trainSize(2), defaults.train),
    'test-size': withDefault(testSize(1), defaults.test),
  });
}

/**
 * Ψ's estimator budget: `--samples`, `--probes`, `--rho-probes` (the command's defaults) and
 * `--psi-every` (the epochs Ψ is estimated at: every k, at least `minEvery`, or 'log').
 */
export function psiBudgetOptions(o: {
  samples: number;
  probes: number;
  rhoProbes: number;
  psiEvery: { default?: string; describe: string; minEvery: number };
}): Record<string, Options> {
  return {
    ...flags({
      samples: withDefault(samples(1), o.samples),
      probes: withDefault(FLAG.probes, o.probes),
      'rho-probes': withDefault(FLAG['rho-probes'], o.rhoProbes),
    }),
    'psi-every': {
      type: 'string',
      ...(o.psiEvery.default === undefined ? {} : { default: o.psiEvery.default }),
      describe: o.psiEvery.describe,
      coerce: (v: unknown): PsiSchedule =>
        String(v) === 'log' ? 'log' : intArg('psi-every', o.psiEvery.minEvery, CAPS.epochs)(v),
    },
  };
}

/**
 * `--seed`, `--precision` (default f32), `--out` (the results folder, `outDefault`) and
 * `--force` (what it does to results already there: `describeForce`).
 */
export function runOutOptions(
  outDefault: string,
  describeOut: string,
  describeForce: string,
): Record<string, Options> {
  return flags({
    seed: FLAG.seed,
    precision: FLAG.precision,
    out: out(outDefault, describeOut),
    force: bool(describeForce),
  });
}
