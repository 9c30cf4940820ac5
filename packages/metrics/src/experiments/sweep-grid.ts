// The grid of a sweep (docs/reproduction.md §2): its points (optimizer, batch size, learning
// rate, seed) in a fixed order, each run's name, and the optimizer of a point. Browser-safe.

import { PacgenError } from '@pacgen/core-wasm';
import { adam, sgd } from '../optim/aliases.js';
import { perturbedOpt } from '../optim/perturbed.js';
import { sam } from '../optim/sam.js';
import type { GradientTransformation, Optimizer } from '../optim/types.js';

/** Optimizers a sweep can use: plain SGD (the paper's), Adam, SAM over SGD, perturbedOPT over SGD or Adam. */
export const SWEEP_OPTIMIZERS = ['sgd', 'adam', 'sam', 'perturbed', 'perturbed-adam'] as const;
export type SweepOptimizer = (typeof SWEEP_OPTIMIZERS)[number];

/** One grid point: a training run. */
export interface SweepPoint {
  optimizer: SweepOptimizer;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/** The values of each axis; the grid is every combination. */
export interface SweepGrid {
  batchSizes: readonly number[];
  /** Default [0.1] (the paper's SGD learning rate). */
  learningRates?: readonly number[];
  /** Default ['sgd']. */
  optimizers?: readonly SweepOptimizer[];
  /** Seeds of initialisation, shuffles and dropout (default [1]). */
  seeds?: readonly number[];
}

/** The grid's runs, in a fixed order (optimizer, learning rate, batch size, seed). */
export function sweepPoints(grid: SweepGrid): SweepPoint[] {
  const optimizers = grid.optimizers ?? ['sgd'];
  const lrs = grid.learningRates ?? [0.1];
  const seeds = grid.seeds ?? [1];
  const axis = <T>(name: string, v: readonly T[], ok: (x: T) => boolean) => {
    if (v.length === 0) throw new PacgenError(`sweep grid: ${name} is empty`);
    for (const x of v)
      if (!ok(x)) throw new PacgenError(`sweep grid: invalid ${name} value ${String(x)}`);
    if (new Set(v.map(String)).size !== v.length)
      throw new PacgenError(`sweep grid: ${name} repeats a value`);
  };
  axis('batchSizes', grid.batchSizes, (b) => Number.isInteger(b) && b >= 1);
  axis('learningRates', lrs, (l) => Number.isFinite(l) && l > 0);
  axis('optimizers', optimizers, (o) => (SWEEP_OPTIMIZERS as readonly string[]).includes(o));
  axis('seeds', seeds, (s) => Number.isInteger(s) && s >= 0);
  const points: SweepPoint[] = [];
  for (const optimizer of optimizers)
    for (const learningRate of lrs)
      for (const batchSize of grid.batchSizes)
        for (const seed of seeds) points.push({ optimizer, batchSize, learningRate, seed });
  return points;
}

/** The run's deterministic name (its file name): e.g. `sgd_bs64_lr0.1_seed1`. */
export function runName(p: SweepPoint): string {
  return `${p.optimizer}_bs${p.batchSize}_lr${String(p.learningRate)}_seed${p.seed}`;
}

/** The optimizer of a grid point (SAM ρ and perturbedOPT's defaults: σ from the bound, secant curvature). */
export function sweepOptimizer(
  p: SweepPoint,
  samRho: number,
): Optimizer<unknown> | GradientTransformation<unknown> {
  const lr = p.learningRate;
  switch (p.optimizer) {
    case 'sgd':
      return sgd({ learningRate: lr });
    case 'adam':
      return adam({ learningRate: lr });
    case 'sam':
      return sam({ inner: sgd({ learningRate: lr }), rho: samRho }) as Optimizer<unknown>;
    case 'perturbed':
    case 'perturbed-adam':
      return perturbedOpt({
        inner: p.optimizer === 'perturbed' ? sgd({ learningRate: lr }) : adam({ learningRate: lr }),
        scale: { bound: {} },
        seed: p.seed,
      }) as unknown as Optimizer<unknown>;
  }
}
