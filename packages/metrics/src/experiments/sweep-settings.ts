// The settings of a sweep: its compute budget (every size and count that sets its cost) and
// everything its runs share, which a results folder holds runs of one setting only. Browser-safe.

import { PacgenError, type NetworkSpec, type Precision } from '@pacgen/core-wasm';
import type { PsiSchedule } from '../train/train.js';

/** The compute budget of a sweep: every size and count that sets its cost. */
export interface SweepBudget {
  /** Training samples (a seeded subset of the data; all when the data has fewer). */
  trainSubset: number;
  /** Test samples (likewise). */
  testSubset: number;
  /** Training samples (a fixed seeded subset) the curvature of Ψ and the final measures uses. */
  psiSamples: number;
  /** Hutchinson probes of Ψ's Hessian diagonal and of the trace (2 gradients each). */
  probes: number;
  /** Random displacements of ρ̂ (about 4 gradients each). */
  rhoProbes: number;
  /**
   * Ψ every k epochs, and at epoch 0 and the last (0: no Ψ curve; the final measures still have
   * Ψ); 'log': at epochs 0, 1, 2, 4, 8, … and the last.
   */
  psiEvery: PsiSchedule;
  /** Lanczos steps of the top eigenvalue (2 gradients each). */
  lanczosIterations: number;
  /** Ascent points of the SAM sharpness (1 gradient each). */
  sharpnessSteps: number;
  /** Monte Carlo draws per noise level of the magnitude-aware flatness (1 forward pass each). */
  flatnessSamples: number;
  /** Bisection steps of the flatness. */
  flatnessIterations: number;
}

/**
 * Small by default. Measured for the MNIST CNN in f32 on 2 shared CPU cores: an epoch (training
 * on 1000 samples, evaluation on 1000 + 1000) 1 to 1.6 s, a Ψ report about 5 s, the final
 * measures about 16 s; a run capped at 30 epochs about 1.5 min.
 */
export const DEFAULT_SWEEP_BUDGET: Readonly<SweepBudget> = {
  trainSubset: 1000,
  testSubset: 1000,
  psiSamples: 256,
  probes: 8,
  rhoProbes: 2,
  psiEvery: 5,
  lanczosIterations: 10,
  sharpnessSteps: 5,
  flatnessSamples: 4,
  flatnessIterations: 8,
};

/** Everything shared by the runs of a sweep; a results folder holds runs of one setting only. */
export interface SweepSettings {
  format: 'pacgen-sweep/1';
  data: { name: string; train: number; test: number; inputShape: number[]; numClasses: number };
  model: { name: string; numParams: number; specHash: string };
  precision: Precision;
  /** Training loss (evaluation mode, loss units) each run trains to. */
  targetLoss: number;
  /** Epoch cap. */
  maxEpochs: number;
  budget: SweepBudget;
  /** Seed of the data subsets, the Ψ subset and every estimator's probes. */
  seed: number;
  /** PACGen neighbourhood (γ, ε) of Ψ, SAM ρ of the 'sam' optimizer and of the sharpness measure, flatness target. */
  gamma: number;
  epsilon: number;
  samRho: number;
  flatnessTarget: number;
}

/** A short fingerprint of a model spec for the settings: FNV-1a of its JSON, hex. */
export function specHash(spec: NetworkSpec): string {
  const text = JSON.stringify(spec);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Checks every count of `b` is an integer ≥ 1 (≥ 0 for psiEvery and flatnessIterations). */
export function checkBudget(b: SweepBudget): void {
  for (const [k, v] of Object.entries(b)) {
    if (k === 'psiEvery' && v === 'log') continue;
    const min = k === 'psiEvery' || k === 'flatnessIterations' ? 0 : 1;
    if (!Number.isInteger(v) || v < min) {
      throw new PacgenError(`sweep budget ${k} must be an integer ≥ ${min}, got ${v}`);
    }
  }
}
