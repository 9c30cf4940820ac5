// The usual optimizers as chains of transformations (optax's aliases).

import { checkRange } from '../checks.js';
import {
  addDecayedWeights,
  chain,
  scaleByAdam,
  scaleByLearningRate,
  traceMomentum,
  type AdamScaleOptions,
} from './transform.js';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';

export interface SgdOptions {
  /** Step size (parameter units per gradient unit), constant or scheduled. */
  learningRate: ScalarOrSchedule;
  /** Heavy-ball momentum μ ∈ [0, 1) (default 0: plain SGD). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
  /** L2 weight decay added to the gradient, g + wd·w (PyTorch's `weight_decay`; default 0). */
  weightDecay?: ScalarOrSchedule;
}

/**
 * SGD with optional momentum, Nesterov and L2 weight decay, PyTorch's convention:
 * g ← g + wd·w; b ← μ·b + g; w ← w − lr·(Nesterov ? g + μ·b : b).
 * State: the momentum buffer (m numbers) when μ > 0. Cost: 1 gradient a step (its caller's).
 */
export function sgd(options: SgdOptions): GradientTransformation<unknown[]> {
  const momentum = checkRange('momentum', options.momentum ?? 0, 0, 1, { max: true });
  const parts: GradientTransformation<unknown>[] = [];
  if (options.weightDecay !== undefined && options.weightDecay !== 0) {
    parts.push(addDecayedWeights(options.weightDecay));
  }
  if (momentum > 0 || options.nesterov) parts.push(traceMomentum(momentum, options.nesterov));
  parts.push(scaleByLearningRate(options.learningRate));
  const tx = chain(...parts);
  return { ...tx, name: `sgd(${tx.name})` };
}

export interface AdamOptions extends AdamScaleOptions {
  /** Step size (parameter units), constant or scheduled (default 1e-3). */
  learningRate?: ScalarOrSchedule;
  /**
   * For `adam`: L2 penalty added to the gradient before the moments (PyTorch Adam's
   * `weight_decay`, default 0). For `adamw`: decoupled decay (default 1e-4, optax's).
   */
  weightDecay?: ScalarOrSchedule;
}

/**
 * Adam (Kingma & Ba) with bias correction: w ← w − lr·m̂/(√v̂ + ε); with `weightDecay`, L2 on the
 * gradient first. State: count and two moments (2m numbers). Cost: 1 gradient a step.
 */
export function adam(options: AdamOptions = {}): GradientTransformation<unknown[]> {
  const parts: GradientTransformation<unknown>[] = [];
  if (options.weightDecay !== undefined && options.weightDecay !== 0) {
    parts.push(addDecayedWeights(options.weightDecay));
  }
  parts.push(scaleByAdam(options), scaleByLearningRate(options.learningRate ?? 1e-3));
  const tx = chain(...parts);
  return { ...tx, name: `adam(${tx.name})` };
}

/**
 * AdamW (Loshchilov & Hutter): decoupled weight decay, w ← w − lr·(m̂/(√v̂ + ε) + wd·w), the
 * decay scaled by the (scheduled) learning rate as in PyTorch and optax. State: as Adam.
 * Cost: 1 gradient a step.
 */
export function adamw(options: AdamOptions = {}): GradientTransformation<unknown[]> {
  const tx = chain(
    scaleByAdam(options),
    addDecayedWeights(options.weightDecay ?? 1e-4),
    scaleByLearningRate(options.learningRate ?? 1e-3),
  );
  return { ...tx, name: `adamw(${tx.name})` };
}
