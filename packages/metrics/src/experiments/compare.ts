// The perturbed-optimization comparison of METHOD.md §5: the plain optimizer, dropout, SAM, ASAM
// and perturbedOPT (secant and probe curvature) trained on the same data, model and budget over
// several seeds; test accuracy and loss with their spread, the σ statistics of perturbedOPT over
// training, and Ψ of each final model (unperturbed weights, evaluation mode). Browser-safe.

import { PacgenError, compileNetwork, type NetworkSpec, type Precision } from '@pacgen/core-wasm';
import type { Dataset } from '../data/dataset.js';
import { selectSubset } from '../data/subset.js';
import { adam, sgd } from '../optim/aliases.js';
import { checkInt, checkRange } from '../optim/checks.js';
import { perturbedOpt } from '../optim/perturbed.js';
import { asam, sam } from '../optim/sam.js';
import { mixSeed } from '../optim/seeds.js';
import { historyColumn, historyCurves, type RunCurves } from './curves.js';
import { kendallTau, type KendallResult } from './kendall.js';
import type { GradientTransformation, Optimizer } from '../optim/types.js';
import {
  checkPsiSchedule,
  train,
  type EpochEvent,
  type EpochRecord,
  type PsiSchedule,
  type StepEvent,
  type StopReason,
} from '../train/train.js';

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

/** perturbedOPT's settings in the comparison (METHOD.md §5). */
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

function variantSettings(options: ComparisonVariantOptions): ComparisonVariantSettings {
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
      warmup: checkInt('perturbed warmup', p.warmup, 0),
      probeEvery: checkInt('perturbed probeEvery', p.probeEvery),
      probeCount: checkInt('perturbed probeCount', p.probeCount),
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

export interface CompareOptions extends ComparisonVariantOptions {
  /** The same (already subsetted) samples for every run; the test set must not be empty. */
  data: { name?: string; train: Dataset; test: Dataset };
  /** A label of the network for the settings (default 'model'). */
  modelName?: string;
  /** Seeds of initialisation, shuffles, dropout and perturbations (default [1, 2, 3]). */
  seeds?: readonly number[];
  epochs: number;
  batchSize: number;
  /** Default 'f32'. */
  precision?: Precision;
  /**
   * Ψ every k epochs, and at epoch 0 and the last ('log': at 0, 1, 2, 4, 8, … and the last; 0: no
   * Ψ at all). Default `epochs`: Ψ at epoch 0 and at the end.
   */
  psiEvery?: PsiSchedule;
  /** Training samples (a fixed seeded subset) Ψ's curvature is estimated on (default 256). */
  psiSamples?: number;
  /** Hutchinson probes of Ψ's Hessian diagonal (default 8; 2 gradients each). */
  probes?: number;
  /** Random displacements of Ψ's ρ̂ (default 2; about 4 gradients each). */
  rhoProbes?: number;
  /** Seed of the Ψ subset and of Ψ's probes (default 0). */
  seed?: number;
  onProgress?: CompareProgress;
  /** Stops before the next step; the finished runs are returned (complete: false). */
  signal?: AbortSignal;
}

/** Progress of a comparison, per run and within a run. */
export interface CompareProgress {
  run?: (e: {
    index: number;
    total: number;
    name: string;
    method: CompareMethod;
    seed: number;
    status: 'start' | 'done';
    result?: CompareRun;
  }) => void | Promise<void>;
  step?: (name: string, e: StepEvent) => void | Promise<void>;
  epoch?: (name: string, e: EpochEvent) => void | Promise<void>;
}

/** Everything shared by the runs of a comparison. */
export interface CompareSettings extends ComparisonVariantSettings {
  format: 'pacgen-compare/1';
  data: { name: string; train: number; test: number; inputShape: number[]; numClasses: number };
  model: { name: string; numParams: number };
  seeds: number[];
  epochs: number;
  batchSize: number;
  precision: Precision;
  /** Ψ's neighbourhood (γ, ε), schedule and estimator budget; `seed` also picks the subset. */
  psi: {
    every: PsiSchedule;
    samples: number;
    probes: number;
    rhoProbes: number;
    gamma: number;
    epsilon: number;
  };
  seed: number;
}

/** Per-epoch curves of a run (null where not evaluated; σ only for perturbedOPT). */
export interface CompareCurves extends RunCurves {
  /** σ of perturbedOPT's last step of the epoch (parameter units; 0 during warm-up). */
  sigmaMean: (number | null)[];
  sigmaMedian: (number | null)[];
  sigmaMin: (number | null)[];
  sigmaMax: (number | null)[];
  /** Fraction of coordinates with σ_i at the cap κ_i. */
  sigmaFractionAtCap: (number | null)[];
  /** The noise scale s of that step (0 during warm-up). */
  noiseScale: (number | null)[];
  /** Mean of the curvature estimate ĥ (loss units per parameter unit²). */
  curvatureMean: (number | null)[];
}

/** Ψ of a final model (unperturbed weights, evaluation mode). */
export interface ComparePsi {
  psi: number;
  psiStar: number;
  curvatureFraction: number;
  curvatureFractionStar: number;
  bound: number;
}

/** One training run: a method at a seed. */
export interface CompareRun {
  method: CompareMethod;
  /** The variant's label. */
  name: string;
  seed: number;
  stopReason: StopReason;
  epochs: number;
  steps: number;
  /** Minibatch gradient evaluations of training (Ψ's not included). */
  gradientEvaluations: number;
  /** Wall-clock seconds of the run (evaluations and Ψ included). */
  seconds: number;
  final: {
    trainLoss: number;
    testLoss: number;
    gap: number;
    trainAccuracy: number;
    testAccuracy: number;
  };
  /** Null when Ψ was switched off (psiEvery 0). */
  psi: ComparePsi | null;
  curves: CompareCurves;
}

/** Mean and sample standard deviation (n − 1; NaN for one value) over seeds. */
export interface MeanSd {
  mean: number;
  sd: number;
}

/** A difference of means with its standard error and Welch's t. */
export interface MeanDifference {
  /** This method's mean minus plain's. */
  difference: number;
  /** √(sd₁²/n₁ + sd₂²/n₂) (NaN with fewer than 2 seeds on a side). */
  se: number;
  /** difference / se. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
}

/** A method's results over its seeds. */
export interface CompareSummary {
  method: CompareMethod;
  name: string;
  /** Runs (seeds) summarised, and how many of them diverged. */
  n: number;
  diverged: number;
  /** Mean minibatch gradient evaluations of a run, and mean seconds. */
  gradientEvaluations: number;
  seconds: number;
  testAccuracy: MeanSd;
  testLoss: MeanSd;
  trainLoss: MeanSd;
  gap: MeanSd;
  psi: MeanSd;
  psiStar: MeanSd;
  /** Against the 'plain' method (null for plain itself, or when plain was not run). */
  vsPlain: { testLoss: MeanDifference; testAccuracy: MeanDifference } | null;
  /** σ of perturbedOPT (null for the other methods): means over seeds. */
  sigma: {
    /** Final epoch's σ mean, median and fraction at the cap, and ĥ's mean. */
    finalMean: number;
    finalMedian: number;
    finalFractionAtCap: number;
    finalCurvatureMean: number;
    /** The mean over every trained epoch (warm-up included) of the epoch's σ mean. */
    meanOverEpochs: number;
  } | null;
}

/** Kendall's τ-b of the final models' Ψ and Ψ* against their gap, over every run that has both. */
export interface CompareCorrelations {
  psi: KendallResult;
  psiStar: KendallResult;
}

export interface CompareResult {
  settings: CompareSettings;
  variants: { method: CompareMethod; name: string; gradientsPerStep: number }[];
  /** Method by method, seed by seed; without the run `signal` stopped. */
  runs: CompareRun[];
  summaries: CompareSummary[];
  /** Does Ψ (Ψ*) rank the final gaps of all runs, methods and seeds together? */
  correlations: CompareCorrelations;
  /** False when `signal` stopped the comparison. */
  complete: boolean;
  seconds: number;
}

/** Kendall's τ-b between the final Ψ (and Ψ*) and the final gap over `runs` (non-finite pairs left out). */
export function compareCorrelations(runs: readonly CompareRun[]): CompareCorrelations {
  const gap = runs.map((r) => r.final.gap);
  return {
    psi: kendallTau(
      runs.map((r) => r.psi?.psi ?? NaN),
      gap,
    ),
    psiStar: kendallTau(
      runs.map((r) => r.psi?.psiStar ?? NaN),
      gap,
    ),
  };
}

/** A run's deterministic name (its file name): e.g. `perturbed-secant_seed2`. */
export function compareRunName(method: CompareMethod, seed: number): string {
  return `${method}_seed${seed}`;
}

/** Per-epoch curves from a training history, with perturbedOPT's σ diagnostics. */
function curvesOf(history: readonly EpochRecord[]): CompareCurves {
  const diag = (k: string) => historyColumn(history, (r) => r.optimizer?.[k]);
  return {
    ...historyCurves(history),
    sigmaMean: diag('sigmaMean'),
    sigmaMedian: diag('sigmaMedian'),
    sigmaMin: diag('sigmaMin'),
    sigmaMax: diag('sigmaMax'),
    sigmaFractionAtCap: diag('sigmaFractionAtCap'),
    noiseScale: diag('noiseScale'),
    curvatureMean: diag('curvatureMean'),
  };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Mean and sample standard deviation (n − 1). */
export function meanSd(xs: readonly number[]): MeanSd {
  const m = mean(xs);
  if (xs.length < 2) return { mean: m, sd: NaN };
  const ss = xs.reduce((a, x) => a + (x - m) * (x - m), 0);
  return { mean: m, sd: Math.sqrt(ss / (xs.length - 1)) };
}

/** a − b with SE √(sd_a²/n_a + sd_b²/n_b), Welch's t and its degrees of freedom. */
export function meanDifference(a: MeanSd, na: number, b: MeanSd, nb: number): MeanDifference {
  const va = (a.sd * a.sd) / na;
  const vb = (b.sd * b.sd) / nb;
  const se = Math.sqrt(va + vb);
  const difference = a.mean - b.mean;
  const df = ((va + vb) * (va + vb)) / ((va * va) / (na - 1) + (vb * vb) / (nb - 1));
  return { difference, se, t: difference / se, df };
}

/**
 * Per-method summaries of finished runs (in `methods` order, or first-seen order): mean and
 * sample sd over seeds of the final fit and Ψ, the difference against 'plain' with its standard
 * error and Welch's t, and perturbedOPT's σ statistics. Cost: O(runs × epochs).
 */
export function compareSummaries(
  runs: readonly CompareRun[],
  methods: readonly CompareMethod[] = [...new Set(runs.map((r) => r.method))],
): CompareSummary[] {
  const byMethod = (m: CompareMethod) => runs.filter((r) => r.method === m);
  const stat = (rs: readonly CompareRun[], f: (r: CompareRun) => number | undefined) =>
    meanSd(rs.map((r) => f(r) ?? NaN));
  const plain = byMethod('plain');
  const plainLoss = stat(plain, (r) => r.final.testLoss);
  const plainAcc = stat(plain, (r) => r.final.testAccuracy);
  return methods
    .map((method) => ({ method, rs: byMethod(method) }))
    .filter(({ rs }) => rs.length > 0)
    .map(({ method, rs }): CompareSummary => {
      const n = rs.length;
      const testLoss = stat(rs, (r) => r.final.testLoss);
      const testAccuracy = stat(rs, (r) => r.final.testAccuracy);
      const last = <T>(xs: readonly T[]) => xs[xs.length - 1];
      const perturbed = method.startsWith('perturbed');
      const sigmaOf = (f: (c: CompareCurves) => number | null) =>
        mean(rs.map((r) => f(r.curves) ?? NaN));
      return {
        method,
        name: rs[0].name,
        n,
        diverged: rs.filter((r) => r.stopReason === 'diverged').length,
        gradientEvaluations: mean(rs.map((r) => r.gradientEvaluations)),
        seconds: mean(rs.map((r) => r.seconds)),
        testAccuracy,
        testLoss,
        trainLoss: stat(rs, (r) => r.final.trainLoss),
        gap: stat(rs, (r) => r.final.gap),
        psi: stat(rs, (r) => r.psi?.psi),
        psiStar: stat(rs, (r) => r.psi?.psiStar),
        vsPlain:
          method === 'plain' || plain.length === 0
            ? null
            : {
                testLoss: meanDifference(testLoss, n, plainLoss, plain.length),
                testAccuracy: meanDifference(testAccuracy, n, plainAcc, plain.length),
              },
        sigma: perturbed
          ? {
              finalMean: sigmaOf((c) => last(c.sigmaMean)),
              finalMedian: sigmaOf((c) => last(c.sigmaMedian)),
              finalFractionAtCap: sigmaOf((c) => last(c.sigmaFractionAtCap)),
              finalCurvatureMean: sigmaOf((c) => last(c.curvatureMean)),
              meanOverEpochs: mean(
                rs.map((r) => mean(r.curves.sigmaMean.filter((v): v is number => v !== null))),
              ),
            }
          : null,
      };
    });
}

function checkSeeds(seeds: readonly number[]): number[] {
  if (seeds.length === 0) throw new PacgenError('compare: seeds is empty');
  for (const s of seeds) {
    if (!Number.isInteger(s) || s < 0) {
      throw new PacgenError(`compare: seeds must be integers ≥ 0, got ${s}`);
    }
  }
  if (new Set(seeds).size !== seeds.length) {
    throw new PacgenError(`compare: seeds repeats a value (${seeds.join(', ')})`);
  }
  return [...seeds];
}

/**
 * Trains every variant of {@link comparisonVariants} at every seed (method by method) on the
 * same data for `epochs` epochs, evaluating train and test every epoch and Ψ (γ = ε = 0.1,
 * Hutchinson diagonal with `probes`, ρ̂ from `rhoProbes`, on a fixed seeded subset of
 * `psiSamples` training samples) at epoch 0 and the end (or per `psiEvery`), always at the
 * unperturbed weights in evaluation mode. Returns the runs with their curves and per-method
 * summaries. The same seed gives bit-identical runs.
 *
 * Cost per run, in gradient evaluations on `batchSize` samples: per step 1 (plain, dropout,
 * perturbed-secant), 2 (SAM, ASAM), 1 + 2·probeCount every probeEvery steps (perturbed-probes);
 * a forward pass over the training and the test set per epoch; per Ψ report about
 * 2·probes + 4·rhoProbes + 4 gradients on `psiSamples` samples.
 */
export async function compareTraining(options: CompareOptions): Promise<CompareResult> {
  const t0 = Date.now();
  const variants = comparisonVariants(options);
  const vs = variantSettings(options);
  const seeds = checkSeeds(options.seeds ?? [1, 2, 3]);
  const epochs = checkInt('compare epochs', options.epochs);
  const batchSize = checkInt('compare batchSize', options.batchSize);
  const psiEvery = checkPsiSchedule(options.psiEvery ?? epochs);
  const psiSamples = checkInt('compare psiSamples', options.psiSamples ?? 256);
  const probes = checkInt('compare probes', options.probes ?? 8);
  const rhoProbes = checkInt('compare rhoProbes', options.rhoProbes ?? 2);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed))
    throw new PacgenError(`compare seed must be an integer, got ${seed}`);
  const precision = options.precision ?? 'f32';
  if (precision !== 'f32' && precision !== 'f64') {
    throw new PacgenError(`compare precision must be 'f32' or 'f64', got '${String(precision)}'`);
  }
  const { train: trainSet, test: testSet } = options.data;
  if (!trainSet || trainSet.n < 1) throw new PacgenError('compare: the training set is empty');
  if (!testSet || testSet.n < 1) {
    throw new PacgenError('compare: the test set is empty (the comparison needs test loss)');
  }
  const n = trainSet.n;
  if (batchSize > n) {
    throw new PacgenError(`compare: batch size ${batchSize} exceeds the ${n} training samples`);
  }
  const base = compileNetwork(options.specFor(0));
  for (const v of variants) {
    const c = compileNetwork(v.spec);
    if (c.numParams !== base.numParams) {
      throw new PacgenError(
        `compare: the ${v.method} network has ${c.numParams} parameters, the base ${base.numParams}: specFor must change only the dropout`,
      );
    }
  }
  const psiIdx =
    selectSubset(n, Math.min(psiSamples, n), mixSeed(seed, 3), 'Ψ') ??
    Int32Array.from({ length: n }, (_, i) => i);
  const settings: CompareSettings = {
    format: 'pacgen-compare/1',
    data: {
      name: options.data.name ?? trainSet.name,
      train: n,
      test: testSet.n,
      inputShape: [...trainSet.inputShape],
      numClasses: trainSet.numClasses,
    },
    model: { name: options.modelName ?? 'model', numParams: base.numParams },
    ...vs,
    seeds,
    epochs,
    batchSize,
    precision,
    psi: {
      every: psiEvery,
      samples: psiIdx.length,
      probes,
      rhoProbes,
      gamma: 0.1,
      epsilon: 0.1,
    },
    seed,
  };

  const runs: CompareRun[] = [];
  const total = variants.length * seeds.length;
  let complete = true;
  let index = 0;
  outer: for (const v of variants) {
    for (const runSeed of seeds) {
      if (options.signal?.aborted) {
        complete = false;
        break outer;
      }
      const name = compareRunName(v.method, runSeed);
      const event = { index, total, name, method: v.method, seed: runSeed };
      index++;
      await options.onProgress?.run?.({ ...event, status: 'start' });
      const r = await train({
        spec: v.spec,
        precision,
        data: { train: trainSet, test: testSet },
        optimizer: v.optimizer(runSeed),
        batchSize,
        epochs,
        seed: runSeed,
        evalEvery: 1,
        psiEvery,
        psi: {
          gamma: settings.psi.gamma,
          epsilon: settings.psi.epsilon,
          diagonal: { method: 'hutchinson', probes },
          rho: { probes: rhoProbes },
          seed,
        },
        psiSamples: psiIdx,
        signal: options.signal,
        onProgress: {
          step: options.onProgress?.step && ((e) => options.onProgress?.step?.(name, e)),
          epoch: options.onProgress?.epoch && ((e) => options.onProgress?.epoch?.(name, e)),
        },
      });
      if (r.stopReason === 'aborted') {
        complete = false;
        break outer;
      }
      const last = r.history[r.history.length - 1];
      const psi = last?.psi ?? null;
      const result: CompareRun = {
        method: v.method,
        name: v.name,
        seed: runSeed,
        stopReason: r.stopReason,
        epochs: r.epochs,
        steps: r.steps,
        gradientEvaluations: r.gradientEvaluations,
        seconds: r.seconds,
        final: {
          trainLoss: last?.trainLoss ?? NaN,
          testLoss: last?.testLoss ?? NaN,
          gap: last?.gap ?? NaN,
          trainAccuracy: last?.trainAccuracy ?? NaN,
          testAccuracy: last?.testAccuracy ?? NaN,
        },
        psi: psi && {
          psi: psi.psi,
          psiStar: psi.psiStar,
          curvatureFraction: psi.curvatureFraction,
          curvatureFractionStar: psi.curvatureFractionStar,
          bound: psi.bound,
        },
        curves: curvesOf(r.history),
      };
      runs.push(result);
      await options.onProgress?.run?.({ ...event, status: 'done', result });
    }
  }
  return {
    settings,
    variants: variants.map((v) => ({
      method: v.method,
      name: v.name,
      gradientsPerStep: v.gradientsPerStep,
    })),
    runs,
    summaries: compareSummaries(runs, vs.methods),
    correlations: compareCorrelations(runs),
    complete,
    seconds: (Date.now() - t0) / 1000,
  };
}
