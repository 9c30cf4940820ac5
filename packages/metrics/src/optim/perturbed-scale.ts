// The two scalars of perturbedOPT's noise besides ĥ (docs/method.md §5): the global noise scale s
// — fixed, a Schedule over steps, or √η from the PAC-Bayes bound (η cached, recomputed every
// few steps) — and ρ̂, the Hessian's Lipschitz constant, fixed or re-estimated on the minibatch.

import { PacgenError } from '@pacgen/core-wasm';
import { hessianLipschitz } from '../hessian/lipschitz.js';
import type { NoiseModel } from '../pacgen/noise.js';
import { optimalPerturbation } from '../pacgen/optimal-perturbation.js';
import { checkInteger, checkRange } from '../checks.js';
import { scheduleValue } from './schedules.js';
import { oracleObjective } from './oracle-objective.js';
import { mixSeed } from './seeds.js';
import type { GradientOracle, Schedule } from './types.js';

/** The global noise scale s from the PAC-Bayes bound: s = √η of docs/method.md §3, so σ = σ*. */
export interface BoundScale {
  bound: {
    /** Training-set size n (default: the step context's `trainSamples`). */
    n?: number;
    /** Confidence δ (default 0.05). */
    delta?: number;
    /** Steps between recomputations of η (default 10; O(m log m) each). */
    every?: number;
  };
}

/** What the bound-based scale reads at a step. */
export interface ScaleInput {
  w: Float64Array;
  /** κ_i and a_i = max(0, ĥ_i + ρ̂√m·κ_i) of the step (see perturbationWidths); O(m). */
  widths: () => { kappa: Float64Array; a: Float64Array };
  /** The cached η (null before the first computation). */
  eta: number | null;
  /** Training-set size from the step context. */
  trainSamples?: number;
}

/** s at a step; the bound-based rule also returns its (possibly recomputed) η. */
export interface NoiseScaleRule {
  /** 'bound', 's=<number>' or 's=schedule' (for the optimizer's name). */
  readonly label: string;
  scale(count: number, input: ScaleInput): { s: number; eta: number | null };
}

/** The rule an option names: a number ≥ 0, a Schedule, or { bound: … }. */
export function noiseScaleRule(
  option: number | Schedule | BoundScale,
  noise: NoiseModel,
): NoiseScaleRule {
  if (typeof option === 'number') {
    checkRange('noise scale', option, 0);
    return { label: `s=${option}`, scale: (_c, { eta }) => ({ s: option, eta }) };
  }
  if (typeof option === 'function') {
    return {
      label: 's=schedule',
      scale(count, { eta }) {
        const s = scheduleValue('noise scale', option, count);
        if (s < 0) throw new PacgenError(`noise scale must be ≥ 0, got ${s} at step ${count}`);
        return { s, eta };
      },
    };
  }
  if (option && typeof option === 'object' && 'bound' in option) {
    const b = option.bound;
    if (b.n !== undefined) checkInteger('bound n', b.n, 2);
    const delta = checkRange('bound delta', b.delta ?? 0.05, 0, 1, { min: true, max: true });
    const every = checkInteger('bound interval', b.every ?? 10, 1);
    return {
      label: 'bound',
      scale(count, { w, widths, eta, trainSamples }) {
        if (eta === null || count % every === 0) {
          const n = b.n ?? trainSamples;
          if (n === undefined || !(n >= 2)) {
            throw new PacgenError(
              'the bound-based noise scale needs the training-set size n ≥ 2 (scale.bound.n or the step context)',
            );
          }
          const { kappa, a } = widths();
          const tau = Float64Array.from(w, (x, i) => Math.abs(x) + kappa[i]);
          eta = optimalPerturbation({ a, kappa, tau, n, delta, noise }).eta;
        }
        return { s: Math.sqrt(eta), eta };
      },
    };
  }
  throw new PacgenError('scale must be a number, a schedule or { bound: {...} }');
}

/** ρ̂ given, or estimated every `every` steps on the minibatch by `hessianLipschitz`. */
export type RhoOption = number | { every: number; probes?: number; refine?: number; step?: number };

/** ρ̂ along training. */
export interface RhoRule {
  /** ρ̂ before any estimate. */
  readonly initial: number;
  /** Gradient evaluations it adds per step, on average. */
  readonly gradientsPerStep: number;
  /** ρ̂ for this step and the evaluations spent on it. */
  update(
    w: Float64Array,
    rho: number,
    step: { count: number; gradAt: GradientOracle; precision: 'f32' | 'f64'; batchSize?: number },
  ): Promise<{ rho: number; evaluations: number }>;
}

/** The rule of a ρ option; `gamma`, `epsilon` and `seed` are perturbedOPT's. */
export function rhoRule(option: RhoOption, gamma: number, epsilon: number, seed: number): RhoRule {
  if (typeof option === 'number') {
    const rho = checkRange('rho', option, 0);
    return {
      initial: rho,
      gradientsPerStep: 0,
      update: async (_w, r) => ({ rho: r, evaluations: 0 }),
    };
  }
  const every = checkInteger('rho interval', option.every, 1);
  const probes = checkInteger('rho probes', option.probes ?? 4, 1);
  const refine = checkInteger('rho refine', option.refine ?? 0, 0);
  return {
    initial: 0,
    gradientsPerStep: (1 + 2 * (2 * probes * (1 + refine) + 1)) / every,
    async update(w, rho, { count, gradAt, precision, batchSize }) {
      if (count % every !== 0) return { rho, evaluations: 0 };
      const obj = oracleObjective(gradAt, w, { precision, numSamples: batchSize });
      const est = await hessianLipschitz(obj, w, {
        gamma,
        epsilon,
        probes,
        refine,
        step: option.step,
        seed: mixSeed(seed, count, 2),
      });
      return { rho: est.rho, evaluations: est.cost };
    },
  };
}
