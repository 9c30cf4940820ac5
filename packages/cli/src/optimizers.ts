// Optimizers by name, from command-line flags: the plain ones (adam, sgd, adamw), the sharpness-
// aware baselines (sam, asam) and perturbedOPT, all over the same inner optimizer settings.

import {
  adam,
  adamw,
  asam,
  constantSchedule,
  cosineDecaySchedule,
  perturbedOpt,
  sam,
  sgd,
  type GradientTransformation,
  type Optimizer,
  type ScalarOrSchedule,
} from '@pacgen/metrics/train';
import type { Options } from 'yargs';
import { asUsage } from './errors.js';
import { intArg, numArg } from './options.js';
import { UsageError } from './errors.js';

export const OPTIMIZERS = ['adam', 'sgd', 'adamw', 'sam', 'asam', 'perturbed'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Parsed optimizer flags. */
export interface OptimizerArgs {
  optimizer: OptimizerName;
  inner: 'adam' | 'sgd';
  lr?: number;
  schedule: 'constant' | 'cosine';
  momentum: number;
  nesterov: boolean;
  'weight-decay'?: number;
  'sam-rho'?: number;
  'noise-scale': string;
  curvature: 'secant' | 'probes' | 'none';
  'perturb-gamma': number;
  'perturb-epsilon': number;
  noise: 'uniform' | 'truncated-gaussian';
  warmup: number;
}

/** The optimizer flags (`train` shows them all; `demo` uses fixed settings). */
export function optimizerOptions(): Record<string, Options> {
  return {
    optimizer: {
      choices: OPTIMIZERS,
      default: 'adam',
      describe: 'adam, sgd, adamw; sam and asam (2 gradients a step); perturbed (perturbedOPT)',
    },
    inner: {
      choices: ['adam', 'sgd'] as const,
      default: 'adam',
      describe: 'the optimizer inside sam, asam and perturbed',
    },
    lr: {
      type: 'number',
      describe: 'learning rate (default 1e-3 for adam/adamw, 0.05 for sgd)',
      coerce: numArg('lr', { gt: 0 }),
    },
    schedule: {
      choices: ['constant', 'cosine'] as const,
      default: 'constant',
      describe: 'learning-rate schedule over the whole run',
    },
    momentum: {
      type: 'number',
      default: 0,
      describe: 'SGD momentum, in [0, 1)',
      coerce: numArg('momentum', { ge: 0, lt: 1 }),
    },
    nesterov: { type: 'boolean', default: false, describe: 'Nesterov momentum (SGD)' },
    'weight-decay': {
      type: 'number',
      describe: 'L2 weight decay (adam, sgd) or decoupled decay (adamw; default 1e-4)',
      coerce: numArg('weight-decay', { ge: 0 }),
    },
    'sam-rho': {
      type: 'number',
      describe: 'ascent radius of sam (default 0.05) and asam (default 0.5)',
      coerce: numArg('sam-rho', { ge: 0 }),
    },
    'noise-scale': {
      type: 'string',
      default: 'bound',
      describe:
        "perturbed: global noise scale s of σ_i = min(s/√a_i, κ_i), a number ≥ 0 or 'bound' (σ = σ* of the PAC-Bayes bound)",
    },
    curvature: {
      choices: ['secant', 'probes', 'none'] as const,
      default: 'secant',
      describe: 'perturbed: curvature estimate (secant is free; probes costs 2 gradients a probe)',
    },
    'perturb-gamma': {
      type: 'number',
      default: 0.1,
      describe: 'perturbed: relative neighbourhood γ of the noise cap κ_i = γ|w_i| + ε',
      coerce: numArg('perturb-gamma', { ge: 0 }),
    },
    'perturb-epsilon': {
      type: 'number',
      default: 0.1,
      describe: 'perturbed: absolute neighbourhood ε of the noise cap',
      coerce: numArg('perturb-epsilon', { ge: 0 }),
    },
    noise: {
      choices: ['uniform', 'truncated-gaussian'] as const,
      default: 'uniform',
      describe: 'perturbed: noise family',
    },
    warmup: {
      type: 'number',
      default: 0,
      describe: 'perturbed: noise-free steps at the start',
      coerce: intArg('warmup', 0),
    },
  };
}

function learningRate(
  a: OptimizerArgs,
  inner: 'adam' | 'sgd' | 'adamw',
  steps: number,
): ScalarOrSchedule {
  const lr = a.lr ?? (inner === 'sgd' ? 0.05 : 1e-3);
  return a.schedule === 'cosine'
    ? cosineDecaySchedule({ value: lr, steps: Math.max(1, steps) })
    : constantSchedule(lr);
}

function plain(a: OptimizerArgs, name: 'adam' | 'sgd' | 'adamw', steps: number) {
  const learningRate_ = learningRate(a, name, steps);
  const wd = a['weight-decay'];
  if (name === 'sgd') {
    return sgd({
      learningRate: learningRate_,
      momentum: a.momentum,
      nesterov: a.nesterov,
      weightDecay: wd,
    });
  }
  return name === 'adam'
    ? adam({ learningRate: learningRate_, weightDecay: wd })
    : adamw({ learningRate: learningRate_, weightDecay: wd });
}

/** Parses `--noise-scale`: a number ≥ 0 or 'bound'. */
export function parseNoiseScale(v: string): number | 'bound' {
  if (v === 'bound') return 'bound';
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < 0) {
    throw new UsageError(`--noise-scale must be a number ≥ 0 or 'bound', got ${v}`);
  }
  return x;
}

/**
 * The optimizer the flags describe. `totalSteps` sizes the cosine schedule. Invalid settings
 * are usage errors.
 */
export async function buildOptimizer(
  a: OptimizerArgs,
  totalSteps: number,
  seed: number,
): Promise<Optimizer<unknown> | GradientTransformation<unknown>> {
  return asUsage(() => {
    switch (a.optimizer) {
      case 'adam':
      case 'sgd':
      case 'adamw':
        return plain(a, a.optimizer, totalSteps);
      case 'sam':
      case 'asam': {
        const inner = plain(a, a.inner, totalSteps);
        const opt =
          a.optimizer === 'sam'
            ? sam({ inner, rho: a['sam-rho'] })
            : asam({ inner, rho: a['sam-rho'] });
        return opt as Optimizer<unknown>;
      }
      case 'perturbed': {
        const s = parseNoiseScale(a['noise-scale']);
        return perturbedOpt({
          inner: plain(a, a.inner, totalSteps),
          gamma: a['perturb-gamma'],
          epsilon: a['perturb-epsilon'],
          noise: a.noise,
          scale: s === 'bound' ? { bound: {} } : s,
          curvature: a.curvature,
          warmup: a.warmup,
          seed,
        }) as unknown as Optimizer<unknown>;
      }
    }
  });
}
