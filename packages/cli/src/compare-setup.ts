// What a comparison run needs from the command line, apart from its methods and seeds: the flags
// that define the comparison's settings (data, model, optimizer, budget, Ψ), the data and the
// networks they name, and the library options built from them. Shared by `pacgen compare` and
// the queue worker, so a run trained by a worker is the run `pacgen compare` would train here.

import type { CompareMethod, CompareOptions } from '@pacgen/metrics/experiments';
import type { PsiSchedule } from '@pacgen/metrics/train';
import { comparisonPreset, comparisonSpecs } from './compare-model.js';
import { resolveExperimentData } from './resolve.js';
import { DATA_BUDGET_KEYS, type DataBudgetArgs } from './sweep-setup.js';

/** The flags of `pacgen compare` that define its runs (a queue job carries exactly these). */
export interface CompareJobArgs extends DataBudgetArgs {
  inner: 'adam' | 'sgd';
  lr: number;
  'batch-size': number;
  epochs: number;
  dropout: number;
  'sam-rho': number;
  'asam-rho': number;
  /** perturbedOPT's fixed noise scale (--noise-scale, checked to be a number > 0). */
  'noise-scale': number;
  'perturb-gamma': number;
  'perturb-epsilon': number;
  warmup: number;
  'probe-every': number;
  'probe-count': number;
  /** Resolved: --psi-every, or --epochs when not given. */
  'psi-every': PsiSchedule;
}

/** The names of CompareJobArgs whose values are text (the others are numbers or Ψ's schedule). */
export const COMPARE_TEXT_KEYS = ['data', 'normalize', 'model', 'precision', 'inner'] as const;

/** The names of CompareJobArgs, for copying them out of the parsed flags. */
export const COMPARE_JOB_KEYS = [
  ...DATA_BUDGET_KEYS,
  'inner',
  'lr',
  'batch-size',
  'epochs',
  'dropout',
  'sam-rho',
  'asam-rho',
  'noise-scale',
  'perturb-gamma',
  'perturb-epsilon',
  'warmup',
  'probe-every',
  'probe-count',
  'psi-every',
] as const satisfies readonly (keyof CompareJobArgs)[];

/** The data of a comparison and the network of each dropout rate, checked against each other. */
export async function loadCompareInputs(args: CompareJobArgs) {
  const preset = comparisonPreset(args.model);
  const data = await resolveExperimentData(args, 'the comparison needs one');
  const specFor = await comparisonSpecs(preset, args.model, data);
  return { data, specFor };
}

/** The library options of a comparison of `methods` × `seeds` (without progress or runner). */
export function compareOptions(
  args: CompareJobArgs,
  inputs: Awaited<ReturnType<typeof loadCompareInputs>>,
  methods: CompareMethod[],
  seeds: number[],
): Omit<CompareOptions, 'onProgress' | 'runner' | 'checkpoints' | 'signal'> {
  const { data, specFor } = inputs;
  return {
    specFor,
    methods,
    inner: args.inner,
    learningRate: args.lr,
    dropout: args.dropout,
    samRho: args['sam-rho'],
    asamRho: args['asam-rho'],
    perturbed: {
      scale: args['noise-scale'],
      gamma: args['perturb-gamma'],
      epsilon: args['perturb-epsilon'],
      warmup: args.warmup,
      probeEvery: args['probe-every'],
      probeCount: args['probe-count'],
    },
    data: { name: args.data, train: data.train, test: data.test },
    modelName: args.model,
    seeds,
    epochs: args.epochs,
    batchSize: args['batch-size'],
    precision: args.precision,
    psiEvery: args['psi-every'],
    psiSamples: args.samples,
    probes: args.probes,
    rhoProbes: args['rho-probes'],
    seed: args.seed,
  };
}
