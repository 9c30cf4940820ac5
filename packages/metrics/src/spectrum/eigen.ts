// The eigenvalues of largest magnitude of the Hessian, by power iteration with deflation or by
// Lanczos with full reorthogonalization (PyHessian's `eigenvalues`, and its Lanczos variant).

import { PacgenError, Random } from '@pacgen/core-wasm';
import type { Objective } from '../objective/objective.js';
import { axpy, dot, norm2, normalize, orthogonalize } from '../linalg/vector.js';
import { checkInteger, checkNonNegative } from '../checks.js';
import type { FiniteDifferenceHealth } from '../hessian/health.js';
import { hessianAt, type EstimatorOptions, type HessianOperator } from '../hessian/operator.js';
import { lanczos, ritzVector, tridiagonalEigen } from './lanczos.js';

export interface EigenOptions extends EstimatorOptions {
  /** How many eigenvalues (1 ≤ k ≤ m). Default 1. */
  k?: number;
  /** Default 'lanczos'. */
  method?: 'power' | 'lanczos';
  /**
   * Most Hessian-vector products: per eigenvalue for 'power' (default 100), in all for 'lanczos'
   * (the Krylov dimension; default min(m, max(100, 3k)), at least k).
   */
  iterations?: number;
  /**
   * Stop when every wanted pair has relative residual ‖Hv − λv‖ ≤ tol·|λ| (the eigenvalue itself
   * is then accurate to about tol²·|λ|/gap). Default 1e-6 for 'lanczos', 1e-3 for 'power'.
   */
  tol?: number;
}

export interface EigenResult {
  /** Eigenvalues of largest |λ|, in decreasing |λ| (loss units per squared parameter unit). */
  values: number[];
  /** Unit eigenvectors, vectors[i] for values[i]. */
  vectors: Float64Array[];
  /** ‖Hv − λv‖₂ of each pair, measured with one more product (loss per squared parameter unit). */
  residuals: number[];
  /** Whether every pair met `tol`. */
  converged: boolean;
  method: 'power' | 'lanczos';
  /** Hessian-vector products used. */
  iterations: number;
  /** Gradient evaluations spent. */
  cost: number;
  /** Kink crossings of its Hessian-vector products and the step shrinks they caused. */
  health: FiniteDifferenceHealth;
}

/**
 * The k eigenvalues of ∇²L̂(w) of largest magnitude and their eigenvectors (at a minimum, the
 * largest positive ones: the "sharpness"). Both methods see the Hessian only through
 * finite-difference products, so they resolve eigenvalues down to the HVP's error (about 1e-9
 * of ‖H‖ in f64 at the default step; far worse in f32, where a `tol` below 1e-3 may not be met).
 *
 * - 'lanczos': one Krylov space for all k, full reorthogonalization, Ritz pairs of the small
 *   tridiagonal matrix; converges in far fewer products than power iteration, especially for
 *   clustered eigenvalues; stops when the Ritz residual estimates β_j·|s_j| meet `tol`, then
 *   measures the k residuals. Cost: 1 + 2·(j + k) gradient evaluations for j ≤ `iterations` steps.
 * - 'power': power iteration on H, then on H deflated by projecting out the pairs found;
 *   slow when |λ_{i+1}/λ_i| is near 1. Cost: 1 + 2·(products) ≤ 1 + 2·k·`iterations`.
 *
 * (4 gradients a product instead of 2 with Richardson.)
 */
export async function topEigenvalues(
  obj: Objective,
  w: ArrayLike<number>,
  options: EigenOptions = {},
): Promise<EigenResult> {
  const method = options.method ?? 'lanczos';
  if (method !== 'power' && method !== 'lanczos') {
    throw new PacgenError(`eigenvalue method must be 'power' or 'lanczos', got '${method}'`);
  }
  const m = obj.numParams;
  const k = checkInteger('k', options.k ?? 1, 1, m);
  const iterations = checkInteger(
    'iterations',
    options.iterations ?? (method === 'power' ? 100 : Math.min(m, Math.max(100, 3 * k))),
    method === 'power' ? 1 : k,
  );
  const tol = checkNonNegative('tol', options.tol ?? (method === 'power' ? 1e-3 : 1e-6));
  const op = await hessianAt(obj, w, options);
  const rng = new Random(options.seed ?? 0);
  const start = () => Float64Array.from({ length: m }, () => rng.normal());
  const pairs =
    method === 'power'
      ? await power(op, k, iterations, tol, start, options)
      : await lanczosTop(op, k, iterations, tol, start(), options);
  pairs.sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  return {
    values: pairs.map((p) => p.value),
    vectors: pairs.map((p) => p.vector),
    residuals: pairs.map((p) => p.residual),
    converged: pairs.every((p) => p.residual <= tol * Math.abs(p.value)),
    method,
    iterations: op.count,
    cost: op.cost,
    health: op.health,
  };
}

interface Pair {
  value: number;
  vector: Float64Array;
  residual: number;
}

async function power(
  op: HessianOperator,
  k: number,
  iterations: number,
  tol: number,
  start: () => Float64Array,
  options: EigenOptions,
): Promise<Pair[]> {
  const found: Pair[] = [];
  const basis: Float64Array[] = [];
  const total = k * iterations;
  for (let i = 0; i < k; i++) {
    const v = orthogonalize(start(), basis);
    normalize(v);
    let pair: Pair = { value: 0, vector: v.slice(), residual: Infinity };
    for (let it = 0; it < iterations; it++) {
      // Deflation: the product restricted to the complement of the pairs already found.
      const hv = orthogonalize(await op.apply(v), basis);
      options.onProgress?.(op.count, total);
      const value = dot(v, hv);
      const r = axpy(-value, v, hv.slice());
      pair = { value, vector: v.slice(), residual: norm2(r) };
      if (pair.residual <= tol * Math.abs(value)) break;
      if (normalize(hv) === 0) break;
      v.set(orthogonalize(hv, basis));
      normalize(v);
    }
    found.push(pair);
    basis.push(pair.vector);
  }
  options.onProgress?.(op.count, op.count);
  return found;
}

async function lanczosTop(
  op: HessianOperator,
  k: number,
  iterations: number,
  tol: number,
  start: Float64Array,
  options: EigenOptions,
): Promise<Pair[]> {
  // The k Ritz values of largest magnitude, with residual estimates β_j·|last component|.
  const ritz = (alpha: number[], beta: number[]) => {
    const { values, vectors } = tridiagonalEigen(alpha, beta);
    const last = alpha.length - 1;
    const b = beta[last];
    return Array.from(values.keys())
      .sort((x, y) => Math.abs(values[y]) - Math.abs(values[x]))
      .slice(0, k)
      .map((i) => ({ value: values[i], s: vectors[i], residual: Math.abs(b * vectors[i][last]) }));
  };
  const state = await lanczos(
    (v) => op.apply(v),
    start,
    iterations,
    ({ alpha, beta }) => {
      options.onProgress?.(alpha.length, iterations);
      return (
        alpha.length >= k && ritz(alpha, beta).every((p) => p.residual <= tol * Math.abs(p.value))
      );
    },
  );
  options.onProgress?.(op.count, op.count);
  // On early breakdown the Krylov space can hold fewer than k directions.
  if (state.alpha.length < k) {
    throw new PacgenError(
      `the Krylov space from the start vector has dimension ${state.alpha.length} < k = ${k} (H has at most ${state.alpha.length} distinct eigenvalues): ask for fewer eigenvalues`,
    );
  }
  // The estimate β_j·|s_j| ignores the HVP's own error: measure each residual (k products).
  const pairs: Pair[] = [];
  for (const p of ritz(state.alpha, state.beta)) {
    const vector = ritzVector(state.basis, p.s);
    normalize(vector);
    const r = axpy(-p.value, vector, await op.apply(vector));
    pairs.push({ value: p.value, vector, residual: norm2(r) });
  }
  return pairs;
}
