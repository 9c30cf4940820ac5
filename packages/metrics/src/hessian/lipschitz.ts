// The local Lipschitz constant ρ of the Hessian on the box N_{γ,ε}(w) (docs/method.md §5, a [choice]):
// ρ̂ = max_k ‖H(w + d_k)u_k − H(w)u_k‖₂ / ‖d_k‖₂ over random displacements and unit directions.

import { defaultHvpStep, PacgenError, Random } from '@pacgen/core-wasm';
import type { Objective } from '../objective/objective.js';
import { firstNonFinite, norm2, normalize, normInf, sub } from '../linalg/vector.js';
import { checkInteger, checkNonNegative } from '../checks.js';
import { combineHealth, type FiniteDifferenceHealth } from './health.js';
import { HessianOperator, hessianAt, type EstimatorOptions } from './operator.js';

export interface LipschitzOptions extends EstimatorOptions {
  /** Relative half-width of the box, κ_i = γ|w_i| + ε. Default 0.1. */
  gamma?: number;
  /** Absolute half-width of the box. Default 0.1. */
  epsilon?: number;
  /** Random displacements K (≥ 1). Default 8. Ignored when `displacements` is given. */
  probes?: number;
  /** Power-iteration steps on u per displacement (≥ 0). Default 0. */
  refine?: number;
  /** Use these displacements d_k instead of random ones (used as given, box or not). */
  displacements?: readonly ArrayLike<number>[];
}

export interface LipschitzResult {
  /** ρ̂, in loss units per cubed parameter unit: a lower estimate of the true constant. */
  rho: number;
  probes: number;
  refine: number;
  /** Gradient evaluations spent. */
  cost: number;
  /** Per displacement, the best ratio ‖ΔH u‖/‖d‖ over its refinement steps. */
  ratios: number[];
  /**
   * Estimated finite-difference error of any ratio (same units as ρ): 2·‖H_t u − H_2t u‖ / min‖d_k‖,
   * from one extra product at step 2t. A ρ̂ within a few times `noise` is indistinguishable from 0.
   */
  noise: number;
  /** The move ‖t·u‖₂ (parameter-scale units) of every product: `step`, or defaultHvpStep(precision). */
  step: number;
  /** Kink crossings of its Hessian-vector products (at w and at every w + d_k) and the shrinks. */
  health: FiniteDifferenceHealth;
}

/**
 * Estimates ρ, the Lipschitz constant of the Hessian on the box |w'_i − w_i| ≤ κ_i = γ|w_i| + ε:
 * ρ̂ = max_k ‖H(w + d_k)u_k − H(w)u_k‖₂ / ‖d_k‖₂, with d_k uniform in the box and u_k uniform on
 * the unit sphere, each u_k optionally refined by `refine` steps of power iteration on
 * ΔH_k = H(w + d_k) − H(w) (u ← ΔH_k u / ‖ΔH_k u‖), which climbs towards ‖ΔH_k‖₂. ρ̂ is in loss
 * units per cubed parameter unit.
 *
 * This is a LOWER estimate of the true constant (sup over all pairs in the box and the spectral
 * norm of ΔH): random directions see only part of ΔH (about ‖ΔH‖_F/√m without refinement) and
 * a few displacements from the centre only some of the pairs. More probes and refinement raise
 * it towards the truth, never above it beyond the finite-difference noise.
 *
 * Finite differences: the two products along the same u use the same move, so their smooth
 * truncation errors (∝ t²) cancel to O(t²) of ρ itself (unless the parameters' scale σ of
 * core-wasm's `hvpStep` differs between w and w + d, or one of the two is shrunk at a kink);
 * what remains is the rounding noise ∝ ε_machine·|g|/t, which `noise` measures and which ‖d‖
 * divides. The move is always explicit: `step`, else `defaultHvpStep(precision)` (1e-6 in
 * f64, 1e-2 in f32). With the default box (κ_i ≥ 0.1, so ‖d‖ ≳ 0.06·√m) the noise is many
 * orders below ρ in f64 (1e-10 of it on small tanh networks); in f32, or with a tiny box, check
 * `rho ≫ noise` (say 10×) and otherwise enlarge the step, use `richardson`, or score in f64.
 * `noise` is measured at w only; on a ReLU network a product at w + d whose points straddle a
 * kink errs by far more: such products are shrunk and counted in `health` (docs/method.md §5).
 *
 * Cost: 1 + g·(2K·(1 + refine) + 1) gradient evaluations, g = 2 per product (4 with
 * Richardson): two products per displacement and refinement step, one more for `noise`; g more
 * per step shrink (`health.stepShrinks`).
 */
export async function hessianLipschitz(
  obj: Objective,
  w: ArrayLike<number>,
  options: LipschitzOptions = {},
): Promise<LipschitzResult> {
  const gamma = checkNonNegative('gamma', options.gamma ?? 0.1);
  const epsilon = checkNonNegative('epsilon', options.epsilon ?? 0.1);
  const refine = checkInteger('refine', options.refine ?? 0, 0);
  const given = options.displacements;
  const probes =
    given === undefined
      ? checkInteger('probes', options.probes ?? 8, 1)
      : checkInteger('number of displacements', given.length, 1);
  const op = await hessianAt(obj, w, options);
  const m = op.size;
  const w0 = op.point;
  const kappa = Float64Array.from(w0, (x) => gamma * Math.abs(x) + epsilon);
  if (given === undefined && normInf(kappa) === 0) {
    throw new PacgenError('the box is empty: gamma and epsilon are 0 (or w is 0 with epsilon 0)');
  }
  const displacements = given?.map((d, k) => checkDisplacement(d, k, m));
  const rng = new Random(options.seed ?? 0);
  const s = options.step ?? defaultHvpStep(obj.precision);
  const total = 2 * probes * (1 + refine) + 1;
  let done = 0;
  const tick = () => options.onProgress?.(++done, total);

  let otherCost = 0;
  const shiftedHealth: FiniteDifferenceHealth[] = [];
  let rho = 0;
  let noiseNorm = 0;
  let minNorm = Infinity;
  const ratios: number[] = [];
  for (let k = 0; k < probes; k++) {
    const d = displacements?.[k] ?? Float64Array.from(kappa, (c) => (2 * rng.uniform() - 1) * c);
    const dNorm = norm2(d);
    minNorm = Math.min(minNorm, dNorm);
    const u = Float64Array.from({ length: m }, () => rng.normal());
    normalize(u);
    const shifted = new HessianOperator(obj, addTo(w0, d), op.request, op.onKink);
    let best = 0;
    for (let j = 0; j <= refine; j++) {
      // The same t along u at both points, so the truncation errors cancel.
      const base = await op.apply(u, s);
      tick();
      if (k === 0 && j === 0) {
        noiseNorm = norm2(sub(base, await op.apply(u, 2 * s)));
        tick();
      }
      const diff = sub(await shifted.apply(u, s), base);
      tick();
      const num = norm2(diff);
      best = Math.max(best, num / dNorm);
      if (num === 0) break;
      u.set(diff);
      normalize(u);
    }
    otherCost += shifted.cost;
    shiftedHealth.push(shifted.health);
    ratios.push(best);
    rho = Math.max(rho, best);
  }
  return {
    rho,
    probes,
    refine,
    cost: op.cost + otherCost,
    ratios,
    noise: (2 * noiseNorm) / minNorm,
    step: s,
    health: combineHealth([op.health, ...shiftedHealth]),
  };
}

function addTo(w: Float64Array, d: ArrayLike<number>): Float64Array {
  return Float64Array.from(w, (x, i) => x + d[i]);
}

function checkDisplacement(d: ArrayLike<number>, k: number, m: number): ArrayLike<number> {
  if (d.length !== m) {
    throw new PacgenError(
      `displacement ${k} has length ${d.length}, the objective has ${m} parameters`,
    );
  }
  const bad = firstNonFinite(d);
  if (bad >= 0) throw new PacgenError(`displacement ${k} has a non-finite value at index ${bad}`);
  if (normInf(d) === 0) throw new PacgenError(`displacement ${k} is zero`);
  return d;
}
