// Generalization measures of a trained network on its training data (through an Objective), each
// with the gradient and forward evaluations it spent: Ψ and Ψ* (PACGen), weight norms (the
// baseline any measure must beat, docs/method.md §6), the Hessian trace and top eigenvalue, SAM
// sharpness, the magnitude-aware PAC-Bayes flatness of Jiang et al. 2019 and the certificate (a
// bound on the test error). For every measure a larger value predicts a larger generalization gap.

import { PacgenError } from '@pacgen/core-wasm';
import type { Objective, ParameterTensor } from '../objective/objective.js';
import { checkPoint } from '../checks.js';
import {
  certificateMeasure,
  type CertificateMeasureDetails,
  type CertificateMeasureInput,
} from './certificate-measure.js';
import { pacgen, type PacgenOptions } from '../pacgen/report.js';
import type { DiagonalMethod } from '../hessian/diagonal.js';
import { topEigenvalues } from '../spectrum/eigen.js';
import { hessianTrace } from '../spectrum/trace.js';
import {
  magnitudeFlatness,
  samSharpness,
  type FlatnessOptions,
  type MeasureCost,
  type SharpnessOptions,
} from './sharpness.js';

/** The measures `generalizationMeasures` computes, in report order. */
export const MEASURE_NAMES = [
  'psi',
  'psiStar',
  'weightNorm',
  'logProductNorm',
  'hessianTrace',
  'topEigenvalue',
  'sharpness',
  'magnitudeFlatness',
  'certificate',
] as const;

export type MeasureName = (typeof MEASURE_NAMES)[number];

/** What each measure is, with its unit, for tables and reports. */
export const MEASURE_INFO: Record<MeasureName, { label: string; unit: string; about: string }> = {
  psi: { label: 'Ψ', unit: 'nats', about: 'literal Ψ_{γ,ε} (docs/method.md §2)' },
  psiStar: { label: 'Ψ*', unit: 'nats', about: 'Ψ at the bound-optimal σ* (docs/method.md §3)' },
  weightNorm: { label: '‖w‖₂', unit: 'parameter units', about: 'Frobenius norm of all parameters' },
  logProductNorm: {
    label: 'Σ ln‖W‖²',
    unit: 'nats',
    about: 'sum over weight tensors (rank ≥ 2) of ln ‖W_l‖²_F (Jiang et al.: log.prod.of.fro)',
  },
  hessianTrace: {
    label: 'tr H',
    unit: 'loss / parameter unit²',
    about: 'Hessian trace (Hutchinson)',
  },
  topEigenvalue: {
    label: 'λmax',
    unit: 'loss / parameter unit²',
    about: 'largest Hessian eigenvalue (Lanczos)',
  },
  sharpness: {
    label: 'SAM sharpness',
    unit: 'loss',
    about: 'max over ‖ε‖₂ ≤ ρ of L̂(w+ε) − L̂(w) (projected gradient ascent)',
  },
  magnitudeFlatness: {
    label: '1/α′²',
    unit: '1',
    about: 'magnitude-aware PAC-Bayes flatness (Jiang et al.: pacbayes.mag.flatness)',
  },
  certificate: {
    label: 'cert. bound',
    unit: '0-1 error',
    about:
      'PAC-Bayes-kl bound on the test error of an isotropic Gaussian posterior, 95% confidence, at a cheap setting (docs/method.md §9)',
  },
};

export interface MeasureOptions {
  /**
   * Which measures (default: all of MEASURE_NAMES, the certificate only when `certificate` is
   * given). Ψ and Ψ* share one PACGen report.
   */
  measures?: readonly MeasureName[];
  /** Seed of every probe and draw (default 0). */
  seed?: number;
  /** Largest coordinate move of the finite-difference HVPs (default: the objective's). */
  step?: number;
  /** PACGen settings of Ψ and Ψ* (defaults: `pacgen`'s). */
  psi?: Omit<PacgenOptions, 'seed' | 'onProgress'>;
  /** Hutchinson probes of the trace (default 20). */
  traceProbes?: number;
  /** Lanczos steps of the top eigenvalue (default 20, at most m). */
  lanczosIterations?: number;
  sharpness?: Omit<SharpnessOptions, 'seed'>;
  flatness?: Omit<FlatnessOptions, 'seed'>;
  /**
   * The certificate's network over all n training samples, built at the same weights (it bounds
   * the test error of the objective's network, not of a subset), and its prior mean.
   */
  certificate?: CertificateMeasureInput;
  /** Called before each measure with (name, index, count) of the measures to compute. */
  onProgress?: (measure: MeasureName, index: number, total: number) => void | Promise<void>;
}

/** One measure's value and what it cost. */
export interface MeasureValue {
  value: number;
  /** Evaluations over the objective's samples (Ψ* lists the shared report's cost under psi, 0 here). */
  cost: MeasureCost;
  seconds: number;
}

export interface MeasureReport {
  values: Partial<Record<MeasureName, MeasureValue>>;
  /** Ingredients worth keeping beside the values (plain JSON). */
  details: {
    psi?: {
      curvatureFraction: number;
      curvatureFractionStar: number;
      psiPerParameter: number;
      psiStarPerParameter: number;
      rho: number;
      eta: number;
      bound: number;
      trainLoss: number;
      diagonal: DiagonalMethod;
      probes: number;
    };
    norms?: { perTensor: { name: string; norm: number }[] };
    trace?: { stdErr: number; probes: number };
    eigen?: { residual: number; converged: boolean; iterations: number };
    sharpness?: { radius: number; steps: number; gradientNorm: number; epsilonNorm: number };
    flatness?: {
      alpha: number;
      deviation: number;
      saturated: 'none' | 'low' | 'high';
      target: number;
    };
    certificate?: CertificateMeasureDetails;
  };
  numParams: number;
  numSamples: number;
  /** Totals over all measures. */
  cost: MeasureCost;
  seconds: number;
}

/** ‖w‖₂ over all parameters and ln ‖W_l‖²_F per weight tensor (rank ≥ 2). Cost: O(m). */
export function weightNorms(
  w: ArrayLike<number>,
  tensors: readonly ParameterTensor[],
): { norm: number; logProduct: number; perTensor: { name: string; norm: number }[] } {
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i] * w[i];
  const perTensor = tensors.map((t) => {
    let s = 0;
    for (let i = t.offset; i < t.offset + t.size; i++) s += w[i] * w[i];
    return { name: t.name, norm: Math.sqrt(s), rank: t.shape.length };
  });
  const weights = perTensor.filter((t) => t.rank >= 2);
  const logProduct = weights.reduce((a, t) => a + 2 * Math.log(t.norm), 0);
  return {
    norm: Math.sqrt(total),
    logProduct: weights.length > 0 ? logProduct : NaN,
    perTensor: perTensor.map(({ name, norm }) => ({ name, norm })),
  };
}

/** The objective with its calls counted (an HVP counts 2 gradients, 4 with Richardson). */
function counted(obj: Objective): { obj: Objective; cost: MeasureCost } {
  const cost: MeasureCost = { gradientEvaluations: 0, lossEvaluations: 0 };
  const wrapped: Objective = {
    numParams: obj.numParams,
    tensors: obj.tensors,
    numSamples: obj.numSamples,
    precision: obj.precision,
    params: () => obj.params(),
    loss: (w) => {
      cost.lossEvaluations++;
      return obj.loss(w);
    },
    gradient: (w) => {
      cost.gradientEvaluations++;
      return obj.gradient(w);
    },
    hvp: (w, v, request) => {
      cost.gradientEvaluations += request?.richardson ? 4 : 2;
      return obj.hvp(w, v, request);
    },
  };
  return { obj: wrapped, cost };
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/** What a measure step writes into the report, with the shared bookkeeping. */
interface MeasureContext {
  point: Float64Array;
  options: MeasureOptions;
  seed: number;
  wanted: readonly MeasureName[];
  values: MeasureReport['values'];
  details: MeasureReport['details'];
  /** Runs `fn` on a counting copy of the objective, reported as measure `name`. */
  run: <T>(
    name: MeasureName,
    fn: (obj: Objective) => Promise<T>,
  ) => Promise<{ result: T; cost: MeasureCost; seconds: number }>;
}

const noCost = (): MeasureCost => ({ gradientEvaluations: 0, lossEvaluations: 0 });

/** Ψ and Ψ* from one PACGen report (Ψ* is free when Ψ is asked for too). */
async function psiMeasures(c: MeasureContext): Promise<void> {
  const { wanted, options } = c;
  const {
    result: r,
    cost,
    seconds,
  } = await c.run(wanted.includes('psi') ? 'psi' : 'psiStar', (o) =>
    pacgen(o, c.point, {
      ...options.psi,
      diagonal: { step: options.step, ...options.psi?.diagonal },
      rho:
        typeof options.psi?.rho === 'number'
          ? options.psi.rho
          : { step: options.step, ...options.psi?.rho },
      seed: c.seed,
    }),
  );
  if (wanted.includes('psi')) c.values.psi = { value: r.psi, cost, seconds };
  if (wanted.includes('psiStar')) {
    c.values.psiStar = wanted.includes('psi')
      ? { value: r.psiStar, cost: noCost(), seconds: 0 }
      : { value: r.psiStar, cost, seconds };
  }
  c.details.psi = {
    curvatureFraction: r.curvatureFraction,
    curvatureFractionStar: r.curvatureFractionStar,
    psiPerParameter: r.perParameter.psi,
    psiStarPerParameter: r.perParameter.psiStar,
    rho: r.rho.value,
    eta: r.eta,
    bound: r.bound.total,
    trainLoss: r.trainLoss,
    diagonal: r.diagonal.method,
    probes: r.diagonal.probes,
  };
}

/** ‖w‖₂ and Σ ln‖W_l‖²_F: free. */
function normMeasures(c: MeasureContext, tensors: readonly ParameterTensor[]): void {
  const norms = weightNorms(c.point, tensors);
  if (c.wanted.includes('weightNorm'))
    c.values.weightNorm = { value: norms.norm, cost: noCost(), seconds: 0 };
  if (c.wanted.includes('logProductNorm')) {
    c.values.logProductNorm = { value: norms.logProduct, cost: noCost(), seconds: 0 };
  }
  c.details.norms = { perTensor: norms.perTensor };
}

async function traceMeasure(c: MeasureContext): Promise<void> {
  const { options } = c;
  const {
    result: r,
    cost,
    seconds,
  } = await c.run('hessianTrace', (o) =>
    hessianTrace(o, c.point, {
      probes: options.traceProbes ?? 20,
      step: options.step,
      seed: c.seed,
    }),
  );
  c.values.hessianTrace = { value: r.trace, cost, seconds };
  c.details.trace = { stdErr: r.stdErr, probes: r.probes };
}

async function eigenMeasure(c: MeasureContext, m: number): Promise<void> {
  const { options } = c;
  const {
    result: r,
    cost,
    seconds,
  } = await c.run('topEigenvalue', (o) =>
    topEigenvalues(o, c.point, {
      k: 1,
      method: 'lanczos',
      iterations: Math.min(m, options.lanczosIterations ?? 20),
      step: options.step,
      seed: c.seed,
    }),
  );
  c.values.topEigenvalue = { value: r.values[0], cost, seconds };
  c.details.eigen = { residual: r.residuals[0], converged: r.converged, iterations: r.iterations };
}

async function sharpnessMeasure(c: MeasureContext): Promise<void> {
  const {
    result: r,
    cost,
    seconds,
  } = await c.run('sharpness', (o) =>
    samSharpness(o, c.point, { ...c.options.sharpness, seed: c.seed }),
  );
  c.values.sharpness = { value: r.sharpness, cost, seconds };
  c.details.sharpness = {
    radius: r.radius,
    steps: r.steps,
    gradientNorm: r.gradientNorm,
    epsilonNorm: r.epsilonNorm,
  };
}

async function flatnessMeasure(c: MeasureContext): Promise<void> {
  const {
    result: r,
    cost,
    seconds,
  } = await c.run('magnitudeFlatness', (o) =>
    magnitudeFlatness(o, c.point, { ...c.options.flatness, seed: c.seed }),
  );
  c.values.magnitudeFlatness = { value: r.flatness, cost, seconds };
  c.details.flatness = {
    alpha: r.alpha,
    deviation: r.deviation,
    saturated: r.saturated,
    target: c.options.flatness?.target ?? 0.1,
  };
}

/** The certificate at its own network's weights (its forward passes count as loss evaluations). */
async function certificateStep(c: MeasureContext, input: CertificateMeasureInput): Promise<void> {
  const { result: r, seconds } = await c.run('certificate', () =>
    certificateMeasure(input, c.seed),
  );
  const cost = { gradientEvaluations: 0, lossEvaluations: r.forwardPasses };
  c.values.certificate = { value: r.value, cost, seconds };
  c.details.certificate = r.details;
}

/**
 * Computes the chosen measures at w (default `obj.params()`). Costs are counted, not predicted;
 * in gradient evaluations over the objective's samples (a loss evaluation is a forward pass,
 * about a third to half of one):
 * - psi + psiStar: one PACGen report, `pacgen`'s cost (Hutchinson diagonal 2K + 1, ρ̂
 *   2·(2P(1 + refine) + 1) + 1, and 1 loss);
 * - weightNorm, logProductNorm: none;
 * - hessianTrace: 1 + 2·traceProbes; topEigenvalue: 1 + 2·(j + 1), j ≤ lanczosIterations;
 * - sharpness: `steps` gradients + 1 loss; magnitudeFlatness: ≈ 2·(6 + iterations)·samples
 *   losses (antithetic pairs);
 * - certificate: no gradient, about 15 forward passes over a 1,000-sample training set (see
 *   measureCertifyOptions), counted as loss evaluations in passes over its n training samples.
 */
export async function generalizationMeasures(
  objective: Objective,
  w: ArrayLike<number>,
  options: MeasureOptions = {},
): Promise<MeasureReport> {
  const t0 = now();
  const names =
    options.measures ?? MEASURE_NAMES.filter((n) => n !== 'certificate' || options.certificate);
  for (const n of names) {
    if (!(MEASURE_NAMES as readonly string[]).includes(n)) {
      throw new PacgenError(`unknown measure '${n}' (valid: ${MEASURE_NAMES.join(', ')})`);
    }
  }
  if (names.includes('certificate') && !options.certificate) {
    throw new PacgenError(
      "the certificate measure needs the network on all its training samples ('certificate')",
    );
  }
  const point = checkPoint(objective, w);
  const total = noCost();
  const wanted = MEASURE_NAMES.filter((n) => names.includes(n));
  // Progress steps: the measures that evaluate the objective (Ψ* comes with Ψ; norms are free).
  const free: MeasureName[] = ['weightNorm', 'logProductNorm'];
  const steps = wanted.filter(
    (n) => !free.includes(n) && !(n === 'psiStar' && wanted.includes('psi')),
  );
  let index = 0;
  const c: MeasureContext = {
    point,
    options,
    seed: options.seed ?? 0,
    wanted,
    values: {},
    details: {},
    async run(name, fn) {
      await options.onProgress?.(name, index++, steps.length);
      const counting = counted(objective);
      const ts = now();
      const result = await fn(counting.obj);
      total.gradientEvaluations += counting.cost.gradientEvaluations;
      total.lossEvaluations += counting.cost.lossEvaluations;
      return { result, cost: counting.cost, seconds: (now() - ts) / 1000 };
    },
  };
  const has = (...ns: MeasureName[]) => ns.some((n) => wanted.includes(n));
  if (has('psi', 'psiStar')) await psiMeasures(c);
  if (has('weightNorm', 'logProductNorm')) normMeasures(c, objective.tensors);
  if (has('hessianTrace')) await traceMeasure(c);
  if (has('topEigenvalue')) await eigenMeasure(c, objective.numParams);
  if (has('sharpness')) await sharpnessMeasure(c);
  if (has('magnitudeFlatness')) await flatnessMeasure(c);
  if (has('certificate') && options.certificate) await certificateStep(c, options.certificate);
  return {
    values: c.values,
    details: c.details,
    numParams: objective.numParams,
    numSamples: objective.numSamples,
    cost: total,
    seconds: (now() - t0) / 1000,
  };
}
