// Option blocks of the grid experiments (`pacgen sweep`, `pacgen compare`): the data set and the
// model, the grid's seeds, the seeded subsets, Ψ's estimator budget, the seed and precision, and
// the output folder. The flags and their checks are defined once here; each command passes its
// own defaults and wording, and spreads the blocks in the order its --help lists them.

import type { PsiSchedule } from '@pacgen/metrics/train';
import type { Options } from 'yargs';
import { UsageError } from './errors.js';
import { intArg, listArg } from './options.js';
import { DATA_FORMS } from './resolve.js';

/** The flags of these blocks, as parsed (`psi-every` is the command's: its default differs). */
export interface ExperimentArgs {
  data: string;
  normalize: 'none' | 'standard';
  model: string;
  seeds: number[];
  'train-subset': number;
  'test-subset': number;
  'psi-samples': number;
  probes: number;
  'rho-probes': number;
  seed: number;
  precision: 'f32' | 'f64';
  out: string;
  force: boolean;
  png: boolean;
  'png-width': number;
}

/**
 * A coerce function for one item of a list flag that must be one of `valid`: a usage error
 * naming the `noun` and the valid values otherwise.
 */
export function oneOf<T extends string>(flag: string, noun: string, valid: readonly T[]) {
  return (s: string): T => {
    if (!(valid as readonly string[]).includes(s)) {
      throw new UsageError(`--${flag}: unknown ${noun} '${s}' (valid: ${valid.join(', ')})`);
    }
    return s as T;
  };
}

/** `--data`, `--normalize` (default and wording per command) and `--model` (a preset default). */
export function dataModelOptions(o: {
  normalize: { default: 'none' | 'standard'; describe: string };
  model: string;
}): Record<string, Options> {
  return {
    data: {
      type: 'string',
      default: 'mnist',
      describe: `data set: ${DATA_FORMS.join(' | ')}`,
    },
    normalize: {
      choices: ['none', 'standard'] as const,
      default: o.normalize.default,
      describe: o.normalize.describe,
    },
    model: {
      type: 'string',
      default: 'mnist-cnn',
      describe: o.model,
    },
  };
}

/** `--seeds`: the seeds of the grid, a comma-separated list of integers in [0, 2³¹). */
export function seedsOption(defaultSeeds: string, describe: string): Record<string, Options> {
  return {
    seeds: {
      type: 'string',
      default: defaultSeeds,
      describe,
      coerce: listArg('seeds', (s) => intArg('seeds', 0, 2 ** 31 - 1)(s)),
    },
  };
}

/** `--train-subset` and `--test-subset`: the seeded subsets every run trains and tests on. */
export function subsetOptions(
  defaults: { train: number; test: number },
  describeTrain: string,
): Record<string, Options> {
  return {
    'train-subset': {
      type: 'number',
      default: defaults.train,
      describe: describeTrain,
      coerce: intArg('train-subset', 2),
    },
    'test-subset': {
      type: 'number',
      default: defaults.test,
      describe: 'test samples (a seeded subset)',
      coerce: intArg('test-subset', 1),
    },
  };
}

/** A flag's default and its --help line. */
interface Described<T> {
  default: T;
  describe: string;
}

/**
 * Ψ's estimator budget: `--psi-samples`, `--probes`, `--rho-probes` and `--psi-every` (the
 * epochs Ψ is estimated at: every k, at least `minEvery`, or 'log').
 */
export function psiBudgetOptions(o: {
  psiSamples: Described<number>;
  probes: Described<number>;
  rhoProbes: Described<number>;
  psiEvery: { default?: string; describe: string; minEvery: number };
}): Record<string, Options> {
  return {
    'psi-samples': { type: 'number', ...o.psiSamples, coerce: intArg('psi-samples', 1) },
    probes: { type: 'number', ...o.probes, coerce: intArg('probes', 1) },
    'rho-probes': { type: 'number', ...o.rhoProbes, coerce: intArg('rho-probes', 1) },
    'psi-every': {
      type: 'string',
      ...(o.psiEvery.default === undefined ? {} : { default: o.psiEvery.default }),
      describe: o.psiEvery.describe,
      coerce: (v: unknown): PsiSchedule =>
        String(v) === 'log' ? 'log' : intArg('psi-every', o.psiEvery.minEvery)(v),
    },
  };
}

/** `--seed` (of the data subsets and the estimators' probes) and `--precision` (default f32). */
export function seedPrecisionOptions(describeSeed: string): Record<string, Options> {
  return {
    seed: {
      type: 'number',
      default: 0,
      describe: describeSeed,
      coerce: intArg('seed', 0, 2 ** 31 - 1),
    },
    precision: {
      choices: ['f32', 'f64'] as const,
      default: 'f32',
      describe: 'engine arithmetic',
    },
  };
}

/** `--out` (the results folder) and `--force` (what it does to results already there). */
export function outOptions(out: Described<string>, describeForce: string): Record<string, Options> {
  return {
    out: { type: 'string', ...out },
    force: { type: 'boolean', default: false, describe: describeForce },
  };
}
