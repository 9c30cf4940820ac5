// Lanczos tridiagonalization with full reorthogonalization, and the eigen-decomposition of the
// small tridiagonal matrix it builds (ml-matrix's symmetric QL). Shared by eigen.ts and density.ts.

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { axpy, dot, norm2, orthogonalize, scale } from '../linalg/vector.js';

export interface LanczosState {
  /** Diagonal of T (Rayleigh quotients q_jᵀHq_j). */
  alpha: number[];
  /** beta[j] couples q_j and q_{j+1}; the last entry is the norm of the final residual. */
  beta: number[];
  /** The orthonormal Lanczos vectors q_0 … q_{j−1}. */
  basis: Float64Array[];
}

export interface TridiagonalEigen {
  /** Eigenvalues of T, ascending. */
  values: Float64Array;
  /** vectors[i] is the unit eigenvector of values[i] (length = T's order). */
  vectors: Float64Array[];
}

/**
 * Runs up to `steps` Lanczos steps of the symmetric operator `apply` from `start` (any nonzero
 * vector; normalized here). Every new vector is reorthogonalized against all previous ones (two
 * Gram–Schmidt passes), which keeps the basis orthonormal despite rounding and the
 * finite-difference noise of the product, at O(m·j) per step. Stops early on an invariant
 * subspace (β ≈ 0), after m steps, or when `stop(state)` returns true. Cost: one `apply` a step.
 */
export async function lanczos(
  apply: (v: Float64Array) => Promise<Float64Array>,
  start: ArrayLike<number>,
  steps: number,
  stop?: (state: LanczosState) => boolean,
): Promise<LanczosState> {
  const m = start.length;
  const state: LanczosState = { alpha: [], beta: [], basis: [] };
  const q = Float64Array.from(start);
  scale(1 / norm2(q), q);
  let size = 0;
  for (let j = 0; j < Math.min(steps, m); j++) {
    state.basis.push(q.slice());
    const z = await apply(state.basis[j]);
    const a = dot(state.basis[j], z);
    axpy(-a, state.basis[j], z);
    if (j > 0) axpy(-state.beta[j - 1], state.basis[j - 1], z);
    orthogonalize(z, state.basis);
    const b = norm2(z);
    state.alpha.push(a);
    state.beta.push(b);
    size = Math.max(size, Math.abs(a), b);
    if (stop?.(state)) break;
    // β at the rounding level of ‖T‖: the Krylov space is invariant, T's spectrum is exact.
    if (b <= 1e-14 * size * Math.sqrt(m)) break;
    q.set(z);
    scale(1 / b, q);
  }
  return state;
}

/** Eigen-decomposition of the symmetric tridiagonal T(alpha, beta) (beta[i] off-diagonal). */
export function tridiagonalEigen(
  alpha: readonly number[],
  beta: readonly number[],
): TridiagonalEigen {
  const n = alpha.length;
  const T = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    T.set(i, i, alpha[i]);
    if (i + 1 < n) {
      T.set(i, i + 1, beta[i]);
      T.set(i + 1, i, beta[i]);
    }
  }
  const evd = new EigenvalueDecomposition(T, { assumeSymmetric: true });
  const vals = evd.realEigenvalues;
  const V = evd.eigenvectorMatrix;
  const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
  return {
    values: Float64Array.from(order, (i) => vals[i]),
    vectors: order.map((i) => Float64Array.from(V.getColumn(i))),
  };
}

/** Σ_l s_l q_l: a Ritz vector from the Lanczos basis and an eigenvector s of T. */
export function ritzVector(basis: readonly Float64Array[], s: ArrayLike<number>): Float64Array {
  const y = new Float64Array(basis[0].length);
  basis.forEach((q, l) => axpy(s[l], q, y));
  return y;
}
