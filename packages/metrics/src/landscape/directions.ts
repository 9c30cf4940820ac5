// Directions for loss-landscape slices: random filter-normalised directions (Li et al. 2018,
// "Visualizing the Loss Landscape of Neural Nets") and the top Hessian eigenvectors.

import { PacgenError, Random } from '@pacgen/core-wasm';
import type { Objective, ParameterTensor } from '../objective/objective.js';
import { firstNonFinite, norm2, normalize } from '../linalg/vector.js';
import { topEigenvalues, type EigenOptions } from '../spectrum/eigen.js';

/**
 * How a random direction is scaled against the weights:
 * - 'filter' (Li et al.'s default): per filter, ‖d_f‖ = ‖w_f‖. A filter is one output unit: the
 *   slice along the last axis of a kernel (dense [in, out], conv [kh, kw, in, out]); a rank-1
 *   tensor that is not a bias (e.g. the toy network's shared `w`) is one filter.
 * - 'layer': per tensor, ‖d_t‖ = ‖w_t‖.
 * - 'none': the Gaussian direction scaled to unit length overall (α in parameter units).
 */
export type DirectionNormalization = 'filter' | 'layer' | 'none';

/**
 * Biases (rank-1 tensors named `…/bias`) under 'filter' and 'layer' normalisation: 'zero' (Li
 * et al.'s `ignore biasbn`, the default) leaves them out of the direction; 'copy' sets d_b = w_b,
 * as Li et al.'s code does for 1-D parameters when they are not ignored.
 */
export type BiasRule = 'zero' | 'copy';

export interface RandomDirectionOptions {
  /** Default 'filter'. */
  normalization?: DirectionNormalization;
  /** Default 'zero'. */
  biases?: BiasRule;
  /** Seed of the Gaussian draw (default 0). */
  seed?: number;
}

/** True for a bias tensor (core-wasm names them `layer/bias`). */
function isBias(t: ParameterTensor): boolean {
  return t.shape.length === 1 && t.name.endsWith('/bias');
}

/** Scales d[idx] so that its norm equals that of w[idx] (0 where either is 0). */
function matchNorm(d: Float64Array, w: ArrayLike<number>, idx: readonly number[]): void {
  let dn = 0;
  let wn = 0;
  for (const i of idx) {
    dn += d[i] * d[i];
    wn += w[i] * w[i];
  }
  const s = dn > 0 ? Math.sqrt(wn / dn) : 0;
  for (const i of idx) d[i] *= s;
}

/** Index lists of the filters of one tensor: last-axis slices, or the whole tensor. */
function filtersOf(t: ParameterTensor): number[][] {
  const out = t.shape.length >= 2 ? t.shape[t.shape.length - 1] : 1;
  const groups: number[][] = Array.from({ length: out }, () => []);
  for (let j = 0; j < t.size; j++) groups[j % out].push(t.offset + j);
  return groups;
}

/**
 * A seeded random direction d ~ N(0, I), normalised against the weights w (Li et al. 2018).
 * With 'filter' normalisation a step α·d moves every filter by α times its own norm, which
 * makes slices comparable across networks and removes the scale invariance of ReLU layers.
 * Coordinates outside every tensor (none for core-wasm networks) stay Gaussian.
 * Cost: O(m) arithmetic, no loss evaluations.
 */
export function randomDirection(
  w: ArrayLike<number>,
  tensors: readonly ParameterTensor[],
  options: RandomDirectionOptions = {},
): Float64Array {
  const normalization = options.normalization ?? 'filter';
  const biases = options.biases ?? 'zero';
  if (!['filter', 'layer', 'none'].includes(normalization)) {
    throw new PacgenError(
      `normalization must be 'filter', 'layer' or 'none', got '${normalization}'`,
    );
  }
  if (biases !== 'zero' && biases !== 'copy') {
    throw new PacgenError(`biases must be 'zero' or 'copy', got '${biases}'`);
  }
  const rng = new Random(options.seed ?? 0);
  const d = Float64Array.from({ length: w.length }, () => rng.normal());
  if (normalization === 'none') {
    normalize(d);
    return d;
  }
  for (const t of tensors) {
    if (t.offset < 0 || t.offset + t.size > w.length) {
      throw new PacgenError(`tensor '${t.name}' lies outside the parameter vector of ${w.length}`);
    }
    if (isBias(t)) {
      for (let j = t.offset; j < t.offset + t.size; j++) d[j] = biases === 'copy' ? w[j] : 0;
      continue;
    }
    const groups =
      normalization === 'filter'
        ? filtersOf(t)
        : [Array.from({ length: t.size }, (_, j) => t.offset + j)];
    for (const g of groups) matchNorm(d, w, g);
  }
  return d;
}

/** The top eigenpairs used as slice directions. */
export interface EigenDirections {
  /** Unit eigenvectors (parameter units: α along one moves w by α in Euclidean norm). */
  vectors: Float64Array[];
  /** Their eigenvalues, largest |λ| first (loss per squared parameter unit). */
  values: number[];
  residuals: number[];
  converged: boolean;
  /** Gradient evaluations spent. */
  cost: number;
}

/**
 * The k eigenvectors of ∇²L̂(w) of largest |λ| (Lanczos over the finite-difference HVP), as
 * unit directions. Cost: that of `topEigenvalues`, 1 + 2·(j + k) gradient evaluations for j
 * Lanczos steps.
 */
export async function eigenDirections(
  obj: Objective,
  w: ArrayLike<number>,
  k: number,
  options: EigenOptions = {},
): Promise<EigenDirections> {
  const r = await topEigenvalues(obj, w, { ...options, k });
  return {
    vectors: r.vectors.map((v) => {
      const u = Float64Array.from(v);
      normalize(u);
      return u;
    }),
    values: r.values,
    residuals: r.residuals,
    converged: r.converged,
    cost: r.cost,
  };
}

/** ‖d_f‖ / ‖w_f‖ for every filter of every tensor (NaN where w_f = 0): a check of 'filter'. */
export function filterNormRatios(
  d: ArrayLike<number>,
  w: ArrayLike<number>,
  tensors: readonly ParameterTensor[],
): { name: string; ratios: number[] }[] {
  return tensors.map((t) => ({
    name: t.name,
    ratios: filtersOf(t).map((g) => {
      const dn = norm2(g.map((i) => d[i]));
      const wn = norm2(g.map((i) => w[i]));
      return wn === 0 ? NaN : dn / wn;
    }),
  }));
}

/** Checks a given direction: right length, finite, not all zero. */
export function checkDirection(m: number, d: ArrayLike<number>, name: string): Float64Array {
  if (d == null || d.length !== m) {
    throw new PacgenError(
      `direction ${name} has length ${d?.length}, the objective has ${m} parameters`,
    );
  }
  const copy = Float64Array.from(d);
  const bad = firstNonFinite(copy);
  if (bad >= 0) throw new PacgenError(`direction ${name} has a non-finite value at index ${bad}`);
  if (norm2(copy) === 0) throw new PacgenError(`direction ${name} is zero`);
  return copy;
}
