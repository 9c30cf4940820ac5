// The Hessian diagonal h_i = ∂²L̂/∂w_i², exactly (coordinate differences) or stochastically
// (Hutchinson/Bekas), docs/method.md §5; or by one of the engine's passes (the GGN diagonal,
// HesScale: ggn.ts, hesscale.ts, §4).

import { PacgenError, Random } from '@pacgen/core-wasm';
import type { Objective } from '../objective/objective.js';
import { checkInteger } from '../checks.js';
import type { FiniteDifferenceHealth } from './health.js';
import { hessianAt, type EstimatorOptions } from './operator.js';
import { ggnDiagonal } from './ggn.js';
import { hesscaleDiagonal } from './hesscale.js';
import { ProbeMoments, probeTerm } from './probe-moments.js';
import { controlVariateDiagonal } from './control-variate.js';

/** The diagonal estimators by name. */
export type DiagonalMethod = 'exact' | 'hutchinson' | 'hutchinson-cv' | 'ggn' | 'hesscale';
export const DIAGONAL_METHODS: readonly DiagonalMethod[] = [
  'exact',
  'hutchinson',
  'hutchinson-cv',
  'ggn',
  'hesscale',
];

/** Above this many parameters the exact diagonal refuses (2m gradients) unless `force`. */
export const EXACT_DIAGONAL_LIMIT = 20000;

export interface DiagonalOptions extends EstimatorOptions {
  /**
   * 'exact': one HVP per coordinate. 'hutchinson': `probes` Rademacher probes. 'ggn': the exact
   * generalized Gauss-Newton diagonal, 'hesscale': HesScale's approximation — engine passes
   * (core-wasm only; ggn.ts, hesscale.ts). 'hutchinson-cv': Hutchinson with the GGN as control
   * variate (core-wasm only; control-variate.ts). Default 'exact'.
   */
  method?: DiagonalMethod;
  /** Hutchinson probes K (≥ 1), also of 'hutchinson-cv'. Default 100. */
  probes?: number;
  /** Run the exact method above EXACT_DIAGONAL_LIMIT parameters. */
  force?: boolean;
}

export interface DiagonalResult {
  /** h_i, in loss units per squared parameter unit. */
  diagonal: Float64Array;
  /** Per-coordinate standard error of the Hutchinson mean (NaN with 1 probe); null otherwise. */
  stdErr: Float64Array | null;
  method: DiagonalMethod;
  /** Probes used (m for the exact method: one per coordinate; 0 for the engine passes). */
  probes: number;
  /** Gradient evaluations spent (their equivalents for the engine passes). */
  cost: number;
  /** Kink crossings of its Hessian-vector products and the step shrinks they caused. */
  health: FiniteDifferenceHealth;
}

/**
 * The Hessian diagonal of the objective's mean loss at w.
 *
 * - `exact`: h_i = [H e_i]_i by central differences, h_i ≈ (g_i(w + t e_i) − g_i(w − t e_i)) / 2t.
 *   Cost 2m + 1 gradient evaluations (4m + 1 with Richardson). Error: the HVP's, measured
 *   below 1e-9 of max|h_i| in f64 at the default step; refused above
 *   {@link EXACT_DIAGONAL_LIMIT} parameters unless `force`.
 * - `ggn`, `hesscale`: the engine's passes, see {@link ggnDiagonal} (about O gradient
 *   evaluations for O outputs; exact for piecewise-linear networks) and {@link hesscaleDiagonal}
 *   (about 2; an approximation).
 * - `hutchinson` (Bekas et al.): h ≈ mean_k v_k ⊙ H v_k over K Rademacher probes, unbiased, with
 *   variance Σ_{j≠i} H_ij² per coordinate per probe, so the error falls as 1/√K; the
 *   per-coordinate standard error is the sample standard deviation over probes / √K (NaN for
 *   K = 1). Cost 2K + 1 gradient evaluations (4K + 1 with Richardson).
 * - `hutchinson-cv`: Hutchinson with the GGN diagonal as control variate,
 *   {@link controlVariateDiagonal}: O + 1 + 4K gradient evaluations counted (O outputs).
 *
 * f32 networks are far noisier: at a coordinate move of 1e-2 the exact diagonal was off
 * by 1e-5 to 5e-4 of max|h_i| on small tanh/sigmoid/ReLU networks (f64: below 1e-9); the default
 * move 1e-3 is far better there (docs/method.md §7). Score in f64 when the figures matter. For ReLU networks the
 * difference is exact inside one linear region but wrong where a pre-activation crosses 0
 * within the step: keep the step small.
 */
export async function hessianDiagonal(
  obj: Objective,
  w: ArrayLike<number>,
  options: DiagonalOptions = {},
): Promise<DiagonalResult> {
  const method = options.method ?? 'exact';
  if (!DIAGONAL_METHODS.includes(method)) {
    throw new PacgenError(
      `diagonal method must be one of ${DIAGONAL_METHODS.join(', ')}, got '${String(method)}'`,
    );
  }
  if (method === 'ggn') return ggnDiagonal(obj, w);
  if (method === 'hesscale') return hesscaleDiagonal(obj, w);
  if (method === 'hutchinson-cv') return controlVariateDiagonal(obj, w, options);
  const m = obj.numParams;
  if (method === 'exact' && m > EXACT_DIAGONAL_LIMIT && !options.force) {
    throw new PacgenError(
      `exact Hessian diagonal needs ${2 * m} gradient evaluations for ${m} parameters (limit ${EXACT_DIAGONAL_LIMIT}): use method 'hutchinson' or pass force: true`,
    );
  }
  const probes = method === 'exact' ? m : checkInteger('probes', options.probes ?? 100, 1);
  const op = await hessianAt(obj, w, options);
  const progress = options.onProgress;

  if (method === 'exact') {
    const diagonal = new Float64Array(m);
    const e = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      e[i] = 1;
      diagonal[i] = (await op.apply(e))[i];
      e[i] = 0;
      progress?.(i + 1, m);
    }
    return { diagonal, stdErr: null, method, probes, cost: op.cost, health: op.health };
  }

  const rng = new Random(options.seed ?? 0);
  const moments = new ProbeMoments(m);
  const v = new Float64Array(m);
  for (let k = 0; k < probes; k++) {
    rng.rademacher(v);
    moments.add(probeTerm(v, await op.apply(v)));
    progress?.(k + 1, probes);
  }
  const diagonal = moments.meanA;
  const stdErr = moments.stdErr();
  return { diagonal, stdErr, method, probes, cost: op.cost, health: op.health };
}
