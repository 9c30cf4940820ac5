// The variants of the perturbed-optimization comparison (docs/reproduction.md §4): one per
// method — the plain optimizer, dropout, SAM, ASAM and perturbedOPT with secant or probe
// curvature — each a network and an optimizer over the same inner optimizer, with its label and
// its cost per step; and the checked settings they are built from. Browser-safe.

import { PacgenError, type NetworkSpec } from '@pacgen/core-wasm';
import { adam, sgd } from '../optim/aliases.js';
import { checkInteger, checkRange } from '../checks.js';
import { perturbedOpt } from '../optim/perturbed.js';
import { asam, sam } from '../optim/sam.js';
import type { GradientTransformation, Optimizer } from '../optim/types.js';

/** The methods of the comparison, in report order. */
export const COMPARE_METHODS = [
  'plain',
  'dropout',
  'sam',
  'asam',
  'perturbed-secant',
  'perturbed-probes',
] as const;
export type CompareMethod = (typeof COMPARE_METHODS)[number];

/** perturbedOPT's settings in the comparison (docs/training.md, Optimizers). */
export interface PerturbedCompareSettings {
  /** Global noise scale s (√(loss units); default 0.01). */
  scale: number;
  /** Relative neighbourhood size γ of κ_i = γ|w_i| + ε (default 0.1). */
  gamma: number;
  /** Absolute neighbourhood size ε (parameter units, default 0.01). */
  epsilon: number;
  /** Noise-free steps at the start (default 100). */
  warmup: number;
  /** Probe curvature: an estimate every `probeEvery` steps (default 10)… */
  probeEvery: number;
  /** …from `probeCount` Hutchinson probes (default 2; 2 gradients each). */
  probeCount: number;
}

/** What the variants are built from: the network at a dropout rate, the methods and their settings. */
export interface ComparisonVariantOptions {
  /**
   * The network at a dropout rate: the base (every method but 'dropout') is `specFor(0)`, the
   * 'dropout' method's is `specFor(dropout)`. Both must have the same parameters.
   */
  specFor: (dropout: number) => NetworkSpec;
  /** Default: all of COMPARE_METHODS, in that order. */
  methods?: readonly CompareMethod[];
  /** The optimizer every method steps with (default 'adam'). */
  inner?: 'adam' | 'sgd';
  /** Default 0.001. */
  learningRate?: number;
  /** Dropout rate of the 'dropout' method, in (0, 1) (default 0.5). */
  dropout?: number;
  /** SAM radius ρ (parameter units, default 0.05). */
  samRho?: number;
  /** ASAM radius ρ (relative, default 0.5). */
  asamRho?: number;
  perturbed?: Partial<PerturbedCompareSettings>;
}

/** One method of the comparison, ready to train. */
export interface ComparisonVariant {
  method: CompareMethod;
  /** A readable label, e.g. 'SAM ρ=0.05 + Adam'. */
  name: string;
  spec: NetworkSpec;
  /** The optimizer of a run of this seed. */
  optimizer: (seed: number) => Optimizer<unknown> | GradientTransformation<unknown>;
  /** Average minibatch gradient evaluations per step. */
  gradientsPerStep: number;
}

/** perturbedOPT's settings when the options leave them out. */
export const DEFAULT_PERTURBED_COMPARE: Readonly<PerturbedCompareSettings> = {
  scale: 0.01,
  gamma: 0.1,
  epsilon: 0.01,
  warmup: 100,
  probeEvery: 10,
  probeCount: 2,
};

/** The resolved, checked settings of the variants (recorded with the results). */
export interface ComparisonVariantSettings {
  methods: CompareMethod[];
  inner: 'adam' | 'sgd';
  learningRate: number;
  dropout: number;
  samRho: number;
  asamRho: number;
  perturbed: PerturbedCompareSettings;
}

/**
 * The variants' settings with their defaults, checked: a PacgenError names the first bad one
 * (an unknown or repeated method, an inner optimizer other than Adam or SGD, a missing
 * `specFor`, a rate or radius out of range).
 */
export function variantSettings(options: ComparisonVariantOptions): ComparisonVariantSettings {
  const methods = [...(options.methods ?? COMPARE_METHODS)];
  if (methods.length === 0) throw new PacgenError('compare: methods is empty');
  for (const m of methods) {
    if (!(COMPARE_METHODS as readonly string[]).includes(m)) {
      throw new PacgenError(
        `compare: unknown method '${String(m)}' (valid: ${COMPARE_METHODS.join(', ')})`,
      );
    }
  }
  if (new Set(methods).size !== methods.length) {
    throw new PacgenError(`compare: methods repeats a value (${methods.join(', ')})`);
  }
  const inner = options.inner ?? 'adam';
  if (inner !== 'adam' && inner !== 'sgd') {
    throw new PacgenError(`compare: inner must be 'adam' or 'sgd', got '${String(inner)}'`);
  }
  if (typeof options.specFor !== 'function') {
    throw new PacgenError('compare: specFor (the network at a dropout rate) is required');
  }
  const p = { ...DEFAULT_PERTURBED_COMPARE, ...options.perturbed };
  return {
    methods,
    inner,
    learningRate: checkRange('learningRate', options.learningRate ?? 1e-3, 0, Infinity, {
      min: true,
    }),
    dropout: checkRange('dropout', options.dropout ?? 0.5, 0, 1, { min: true, max: true }),
    samRho: checkRange('samRho', options.samRho ?? 0.05, 0),
    asamRho: checkRange('asamRho', options.asamRho ?? 0.5, 0),
    perturbed: {
      scale: checkRange('perturbed scale', p.scale, 0),
      gamma: checkRange('perturbed gamma', p.gamma, 0),
      epsilon: checkRange('perturbed epsilon', p.epsilon, 0),
      warmup: checkInteger('perturbed warmup', p.warmup, 0),
      probeEvery: checkInteger('perturbed probeEvery', p.probeEvery, 1),
      probeCount: checkInteger('perturbed probeCount', p.probeCount, 1),
    },
  };
}

/**
 * The variants of the comparison, one per method: the plain optimizer (`inner`: Adam or SGD at
 * `learningRate`) on the dropout-free network; the same with dropout `dropout`; SAM and ASAM
 * over it; perturbedOPT over it with the fixed noise scale `scale`, γ, ε, `warmup` noise-free
 * steps, and secant or probe curvature (seeded by the run's seed).
 *
 * Cost per step in minibatch gradient evaluations: plain, dropout and perturbed-secant 1; SAM and
 * ASAM 2; perturbed-probes 1, plus 2·probeCount every probeEvery steps.
 */
export function comparisonVariants(options: ComparisonVariantOptions): ComparisonVariant[] {
  const s = variantSettings(options);
  const base = options.specFor(0);
  const innerOpt = () =>
    s.inner === 'adam'
      ? adam({ learningRate: s.learningRate })
      : sgd({ learningRate: s.learningRate });
  const innerLabel = s.inner === 'adam' ? 'Adam' : 'SGD';
  const p = s.perturbed;
  const perturbed = (seed: number, curvature: 'secant' | 'probes') =>
    perturbedOpt({
      inner: innerOpt(),
      scale: p.scale,
      gamma: p.gamma,
      epsilon: p.epsilon,
      warmup: p.warmup,
      curvature:
        curvature === 'secant'
          ? 'secant'
          : { method: 'probes', every: p.probeEvery, probes: p.probeCount },
      seed,
    }) as unknown as Optimizer<unknown>;
  return s.methods.map((method): ComparisonVariant => {
    switch (method) {
      case 'plain':
        return { method, name: innerLabel, spec: base, optimizer: innerOpt, gradientsPerStep: 1 };
      case 'dropout':
        return {
          method,
          name: `${innerLabel} + dropout ${s.dropout}`,
          spec: options.specFor(s.dropout),
          optimizer: innerOpt,
          gradientsPerStep: 1,
        };
      case 'sam':
        return {
          method,
          name: `SAM ρ=${s.samRho} + ${innerLabel}`,
          spec: base,
          optimizer: () => sam({ inner: innerOpt(), rho: s.samRho }) as Optimizer<unknown>,
          gradientsPerStep: 2,
        };
      case 'asam':
        return {
          method,
          name: `ASAM ρ=${s.asamRho} + ${innerLabel}`,
          spec: base,
          optimizer: () => asam({ inner: innerOpt(), rho: s.asamRho }) as Optimizer<unknown>,
          gradientsPerStep: 2,
        };
      case 'perturbed-secant':
        return {
          method,
          name: `perturbedOPT secant s=${p.scale} + ${innerLabel}`,
          spec: base,
          optimizer: (seed) => perturbed(seed, 'secant'),
          gradientsPerStep: 1,
        };
      case 'perturbed-probes':
        return {
          method,
          name: `perturbedOPT probes ${p.probeCount}/${p.probeEvery} s=${p.scale} + ${innerLabel}`,
          spec: base,
          optimizer: (seed) => perturbed(seed, 'probes'),
          gradientsPerStep: 1 + (2 * p.probeCount) / p.probeEvery,
        };
    }
  });
}
