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
import { asUsage, UsageError } from './errors.js';
import { bool, choice, flags, num } from './flag.js';
import { FLAG } from './vocabulary.js';

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
  return flags({
    optimizer: choice(
      'adam, sgd, adamw; sam and asam (2 gradients a step); perturbed (perturbedOPT)',
      OPTIMIZERS,
      'adam',
    ),
    inner: FLAG.inner,
    lr: num('learning rate (default 1e-3 for adam/adamw, 0.05 for sgd)', { gt: 0 }),
    schedule: choice(
      'learning-rate schedule over the whole run',
      ['constant', 'cosine'] as const,
      'constant',
    ),
    momentum: num('SGD momentum, in [0, 1)', { default: 0, ge: 0, lt: 1 }),
    nesterov: bool('Nesterov momentum (SGD)'),
    'weight-decay': num('L2 weight decay (adam, sgd) or decoupled decay (adamw; default 1e-4)', {
      ge: 0,
    }),
    'sam-rho': num('ascent radius of sam (default 0.05) and asam (default 0.5)', { ge: 0 }),
    'noise-scale': FLAG['noise-scale'],
    curvature: choice(
      'perturbed: curvature estimate (secant is free; probes costs 2 gradients a probe)',
      ['secant', 'probes', 'none'] as const,
      'secant',
    ),
    'perturb-gamma': FLAG['perturb-gamma'],
    'perturb-epsilon': FLAG['perturb-epsilon'],
    noise: choice('perturbed: noise family', ['uniform', 'truncated-gaussian'] as const, 'uniform'),
    warmup: FLAG.warmup,
  });
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
