// The loss landscape of an objective around w: 1-D or 2-D slices along random filter-normalised
// directions or along the top Hessian eigenvectors, optionally with Ψ at every grid point.

import { PacgenError } from '@pacgen/core-wasm';
import type { Objective } from '../objective/objective.js';
import { checkInteger, checkPoint } from '../checks.js';
import { norm2 } from '../linalg/vector.js';
import { pacgen, type PacgenOptions } from '../pacgen/report.js';
import type { EigenOptions } from '../spectrum/eigen.js';
import {
  checkDirection,
  eigenDirections,
  randomDirection,
  type BiasRule,
  type DirectionNormalization,
} from './directions.js';
import {
  axisValues,
  slice1d,
  slice2d,
  type PointFunction,
  type Slice1d,
  type Slice2d,
  type SliceAxis,
} from './slice.js';

export interface LandscapeOptions {
  /** 1 (a line) or 2 (a plane). Default 2. */
  dims?: 1 | 2;
  /**
   * 'random' (default): seeded Gaussian directions, normalised per `normalization`;
   * 'eigen': the top `dims` Hessian eigenvectors (unit length); or the directions themselves.
   */
  directions?: 'random' | 'eigen' | readonly ArrayLike<number>[];
  /** Points per axis (≥ 2). Default 51 for 1-D, 21 for 2-D. */
  steps?: number;
  /**
   * Coefficient range: R for [−R, R], or [from, to]. Default 1: for filter-normalised directions
   * a step of 1 moves every filter by its own norm; for eigenvectors it is 1 parameter unit.
   */
  range?: number | [number, number];
  /** Random directions: default 'filter'. */
  normalization?: DirectionNormalization;
  /** Random directions: default 'zero'. */
  biases?: BiasRule;
  /** Seed of the random directions (d2 uses seed + 1) and of Lanczos. Default 0. */
  seed?: number;
  /** Lanczos settings for 'eigen' (k is `dims`). */
  eigen?: Omit<EigenOptions, 'k' | 'onProgress' | 'seed'>;
  /**
   * Also compute Ψ and Ψ* at every grid point with `pacgen` (true: its defaults). Expensive:
   * see the cost below.
   */
  psi?: boolean | Omit<PacgenOptions, 'onProgress'>;
  onProgress?: (stage: 'directions' | 'loss' | 'psi', done: number, total: number) => void;
}

export interface LandscapeResult {
  dims: 1 | 2;
  kind: 'random' | 'eigen' | 'given';
  /** The centre w. */
  center: Float64Array;
  /** L̂(w). */
  centerLoss: number;
  /** The directions d1 (and d2), in parameter units. */
  directions: Float64Array[];
  /** ‖d‖₂ of each direction (compare with ‖w‖₂ = `centerNorm`). */
  directionNorms: number[];
  centerNorm: number;
  /** 'eigen': the eigenvalue of each direction (loss per squared parameter unit). */
  eigenvalues?: number[];
  /** Coefficients along d1. */
  alpha: Float64Array;
  /** Coefficients along d2 (2-D only). */
  beta?: Float64Array;
  /** L̂ at each grid point; 2-D row-major with one row per β: loss[j·alpha.length + i]. */
  loss: Float64Array;
  /** Ψ and Ψ* at each grid point, same layout (only with `psi`). */
  psi?: Float64Array;
  psiStar?: Float64Array;
  /** Work spent: loss-only forward passes and gradient evaluations. */
  cost: { lossEvaluations: number; gradientEvaluations: number };
}

function axisFor(range: number | [number, number], steps: number): SliceAxis {
  const [from, to] = typeof range === 'number' ? [-range, range] : range;
  return { from, to, steps };
}

/**
 * Slices of the loss around `center` (w) along random filter-normalised directions (Li et al.
 * 2018) or the top Hessian eigenvectors. Throws PacgenError on bad settings before any evaluation.
 *
 * Cost: 1 forward pass for L̂(w), plus one per grid point (`steps` for 1-D, `steps²` for 2-D);
 * 'eigen' adds the Lanczos cost (1 + 2·(j + dims) gradient evaluations for j ≤ 100 steps);
 * `psi` adds, per grid point, a full `pacgen` report: 1 forward pass + 2m + 1 gradient
 * evaluations for the exact diagonal (2K + 1 for Hutchinson) + 4·probes + 3 for ρ̂ — so use it
 * with small models or 1-D slices.
 */
export async function lossLandscape(
  obj: Objective,
  center: ArrayLike<number>,
  options: LandscapeOptions = {},
): Promise<LandscapeResult> {
  const dims = options.dims ?? 2;
  if (dims !== 1 && dims !== 2) throw new PacgenError(`dims must be 1 or 2, got ${dims}`);
  const steps = checkInteger('steps', options.steps ?? (dims === 1 ? 51 : 21), 2);
  const range = options.range ?? 1;
  if (typeof range === 'number' && !(range > 0 && Number.isFinite(range))) {
    throw new PacgenError(`range must be a finite number > 0, got ${range}`);
  }
  const axis = axisFor(range, steps);
  axisValues(axis); // checks the axis before any evaluation
  const seed = options.seed ?? 0;
  const w = checkPoint(obj, center);
  const spec = options.directions ?? 'random';
  const progress = options.onProgress;
  const cost = { lossEvaluations: 0, gradientEvaluations: 0 };

  let kind: LandscapeResult['kind'];
  let directions: Float64Array[];
  let eigenvalues: number[] | undefined;
  if (spec === 'random') {
    kind = 'random';
    directions = Array.from({ length: dims }, (_, k) =>
      randomDirection(w, obj.tensors, {
        normalization: options.normalization,
        biases: options.biases,
        seed: seed + k,
      }),
    );
    if (directions.some((d) => norm2(d) === 0)) {
      throw new PacgenError(
        `a random direction is zero: the weights it is normalised against are all zero (use normalization 'none')`,
      );
    }
  } else if (spec === 'eigen') {
    kind = 'eigen';
    const e = await eigenDirections(obj, w, dims, {
      ...options.eigen,
      seed,
      onProgress: progress && ((done, total) => progress('directions', done, total)),
    });
    directions = e.vectors;
    eigenvalues = e.values;
    cost.gradientEvaluations += e.cost;
  } else if (Array.isArray(spec)) {
    kind = 'given';
    if (spec.length !== dims) {
      throw new PacgenError(`${dims}-D slices need ${dims} directions, got ${spec.length}`);
    }
    directions = spec.map((d, k) => checkDirection(obj.numParams, d, `d${k + 1}`));
  } else {
    throw new PacgenError(
      `directions must be 'random', 'eigen' or an array, got '${String(spec)}'`,
    );
  }

  const lossAt: PointFunction = async (p) => {
    cost.lossEvaluations++;
    return obj.loss(p);
  };
  const centerLoss = await lossAt(w);
  const grid = (f: PointFunction, stage: 'loss' | 'psi'): Promise<Slice1d | Slice2d> => {
    const tick = progress && ((done: number, total: number) => progress(stage, done, total));
    return dims === 1
      ? slice1d(f, w, directions[0], axis, tick)
      : slice2d(f, w, directions[0], directions[1], axis, axis, tick);
  };
  const lossGrid = await grid(lossAt, 'loss');

  const result: LandscapeResult = {
    dims,
    kind,
    center: w,
    centerLoss,
    directions,
    directionNorms: directions.map((d) => norm2(d)),
    centerNorm: norm2(w),
    alpha: lossGrid.alpha,
    loss: lossGrid.values,
    cost,
  };
  if ('beta' in lossGrid) result.beta = lossGrid.beta;
  if (eigenvalues) result.eigenvalues = eigenvalues;

  if (options.psi) {
    const psiOptions = options.psi === true ? {} : options.psi;
    const star: number[] = [];
    const psiAt: PointFunction = async (p) => {
      const r = await pacgen(obj, p, psiOptions);
      cost.lossEvaluations += r.cost.lossEvaluations;
      cost.gradientEvaluations += r.cost.gradientEvaluations;
      star.push(r.psiStar);
      return r.psi;
    };
    result.psi = (await grid(psiAt, 'psi')).values;
    result.psiStar = Float64Array.from(star);
  }
  return result;
}
