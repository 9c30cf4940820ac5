// Sharpness-aware minimisation (Foret et al. 2021) and its adaptive variant ASAM (Kwon et al.
// 2021): the gradient is taken at the worst point of a small ball around w.

import { PacgenError } from '@pacgen/core-wasm';
import { checkLength, checkRange } from '../checks.js';
import { runProgram, type StepProgram } from './step-program.js';
import type { GradientTransformation, Optimizer, StepResult } from './types.js';

/** SAM/ASAM: an Optimizer whose step also runs as a program (under a synchronous oracle). */
export type SamOptimizer = Optimizer<SamState> & {
  program(params: Float64Array, state: SamState): StepProgram<StepResult<SamState>>;
};

export interface SamOptions {
  /** The optimizer that steps w with the gradient at the ascent point (e.g. `sgd`, `adam`). */
  inner: GradientTransformation<unknown>;
  /** Radius ρ of the ascent step (parameter units for SAM; relative for ASAM). Default 0.05 (SAM), 0.5 (ASAM). */
  rho?: number;
}

export interface AsamOptions extends SamOptions {
  /** η in T_w = |w| + η (parameter units, default 0.01). */
  eta?: number;
}

/** State of SAM/ASAM: the inner optimizer's. */
export interface SamState {
  inner: unknown;
}

/**
 * SAM: g = ∇L_B(w); ε̂ = ρ·g/‖g‖₂; the inner optimizer steps w with ∇L_B(w + ε̂) (ε̂ = 0 when
 * g = 0). The reported loss is L_B(w). Cost: 2 gradient evaluations per step.
 */
export function sam(options: SamOptions): SamOptimizer {
  const rho = checkRange('rho', options.rho ?? 0.05, 0);
  return sharpnessAware('sam', options.inner, rho, null);
}

/**
 * ASAM (adaptive SAM): with T_w = |w| + η elementwise, ε̂ = ρ·T_w²·g/‖T_w·g‖₂, then as SAM:
 * the inner optimizer steps w with ∇L_B(w + ε̂). Scale-invariant ascent for η → 0.
 * Cost: 2 gradient evaluations per step.
 */
export function asam(options: AsamOptions): SamOptimizer {
  const rho = checkRange('rho', options.rho ?? 0.5, 0);
  const eta = checkRange('eta', options.eta ?? 0.01, 0);
  return sharpnessAware('asam', options.inner, rho, eta);
}

function sharpnessAware(
  kind: string,
  inner: GradientTransformation<unknown>,
  rho: number,
  eta: number | null,
): SamOptimizer {
  if (!inner || typeof inner.update !== 'function') {
    throw new PacgenError(`${kind} needs an inner gradient transformation (e.g. sgd or adam)`);
  }
  function* program(w: Float64Array, state: SamState): StepProgram<StepResult<SamState>> {
    const m = w.length;
    const first = yield w;
    checkLength('gradient', first.grad, m);
    const g = first.grad;
    // T_w·g (ASAM) or g (SAM), then ε̂ = ρ·T_w·(T_w g)/‖T_w g‖.
    const t = new Float64Array(m);
    for (let i = 0; i < m; i++) t[i] = eta === null ? g[i] : (Math.abs(w[i]) + eta) * g[i];
    let norm = 0;
    for (let i = 0; i < m; i++) norm += t[i] * t[i];
    norm = Math.sqrt(norm);
    const point = new Float64Array(m);
    const f = norm > 0 ? rho / norm : 0;
    for (let i = 0; i < m; i++) {
      const e = eta === null ? f * t[i] : f * (Math.abs(w[i]) + eta) * t[i];
      point[i] = w[i] + e;
    }
    const second = yield point;
    checkLength('gradient', second.grad, m);
    const r = inner.update(second.grad, state.inner, w);
    return {
      updates: r.updates,
      state: { inner: r.state },
      loss: first.loss,
      accuracy: first.accuracy ?? NaN,
      gradientEvaluations: 2,
    };
  }
  return {
    name: `${kind}(rho=${rho}${eta === null ? '' : `, eta=${eta}`}, ${inner.name})`,
    gradientsPerStep: 2,
    init: (p) => ({ inner: inner.init(p) }),
    step: (w, state, gradAt) => runProgram(program(w, state), gradAt),
    program,
  };
}
