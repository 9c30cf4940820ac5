// What a sweep run needs from the command line, apart from the grid: the flags that define the
// sweep's settings (data, model, subsets, budget, stopping rule), the data and model they name,
// and the library options built from them. Shared by `pacgen sweep` and the queue worker, so a
// run trained by a worker is the run `pacgen sweep` would train here.

import type { SweepGrid, SweepOptions } from '@pacgen/metrics/experiments';
import type { PsiSchedule } from '@pacgen/metrics/train';
import type { ExperimentArgs } from './experiment-options.js';
import { checkCompatible, resolveExperimentData, resolveModel } from './resolve.js';

/** The flags of `pacgen sweep` that define its runs (a queue job carries exactly these). */
export interface SweepJobArgs extends Pick<
  ExperimentArgs,
  | 'data'
  | 'normalize'
  | 'model'
  | 'train-size'
  | 'test-size'
  | 'samples'
  | 'probes'
  | 'rho-probes'
  | 'seed'
  | 'precision'
> {
  'target-loss': number;
  'max-epochs': number;
  'psi-every': PsiSchedule;
  'lanczos-steps': number;
  'sharpness-steps': number;
  'flatness-samples': number;
  'flatness-iterations': number;
}

/** The names of SweepJobArgs, for copying them out of the parsed flags. */
export const SWEEP_JOB_KEYS = [
  'data',
  'normalize',
  'model',
  'train-size',
  'test-size',
  'samples',
  'probes',
  'rho-probes',
  'seed',
  'precision',
  'target-loss',
  'max-epochs',
  'psi-every',
  'lanczos-steps',
  'sharpness-steps',
  'flatness-samples',
  'flatness-iterations',
] as const satisfies readonly (keyof SweepJobArgs)[];

/** The data and model of a sweep, loaded and checked against each other. */
export async function loadSweepInputs(args: SweepJobArgs) {
  const data = await resolveExperimentData(args, 'a sweep needs the gap');
  const model = await resolveModel(args.model, {
    data: { inputShape: data.train.inputShape, numClasses: data.train.numClasses },
  });
  checkCompatible(model, data);
  return { data, model };
}

/** The library options of a sweep of `grid` (without where it stores results or progress). */
export function sweepOptions(
  args: SweepJobArgs,
  inputs: Awaited<ReturnType<typeof loadSweepInputs>>,
  grid: SweepGrid,
): Omit<SweepOptions, 'outDir' | 'onProgress' | 'keepCheckpoints'> {
  const { data, model } = inputs;
  return {
    grid,
    model: { name: args.model, spec: model.spec },
    data: { name: args.data, train: data.train, test: data.test },
    targetLoss: args['target-loss'],
    maxEpochs: args['max-epochs'],
    precision: args.precision,
    seed: args.seed,
    budget: {
      trainSubset: args['train-size'],
      testSubset: args['test-size'],
      psiSamples: args.samples,
      probes: args.probes,
      rhoProbes: args['rho-probes'],
      psiEvery: args['psi-every'],
      lanczosIterations: args['lanczos-steps'],
      sharpnessSteps: args['sharpness-steps'],
      flatnessSamples: args['flatness-samples'],
      flatnessIterations: args['flatness-iterations'],
    },
  };
}
