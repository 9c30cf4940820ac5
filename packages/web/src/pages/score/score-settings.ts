// The Score page's estimator settings: what its form sets, the defaults and the form's fields
// (neighbourhood, confidence, engine and spectrum).

import type { FieldSpec } from '../../lib/fields';
import { appStatus } from '../../lib/status.svelte';
import type { ScoreJob } from '../../worker/protocol';

/** What the form sets: the score job less its model and data. */
export type ScoreConfig = Omit<ScoreJob, 'type' | 'model' | 'data'>;

/**
 * Quick defaults: about 200 gradient evaluations (20 Hutchinson probes: 41, ρ with 8 probes: 35,
 * 3 eigenvalues: at most 67, one density run of 30 Lanczos steps: 61), where the former
 * 50 / 8 / 5 / 4 × 40 spent about 520 and took 64 s on a 50k-parameter MLP (46 s the density).
 */
export const DEFAULT_SCORE: ScoreConfig = {
  samples: 1000,
  engine: 'core-wasm',
  backend: 'webgpu',
  precision: 'f64',
  threads: 1,
  gamma: 0.1,
  epsilon: 0.1,
  delta: 0.05,
  diagonal: 'hutchinson',
  probes: 20,
  rhoProbes: 8,
  eigenvalues: 3,
  densityRuns: 1,
  densitySteps: 30,
  seed: 0,
};

/** The estimator settings of the two one-click choices; the rest of the form is left alone. */
export const ACCURACY_PRESETS = {
  quick: {
    samples: DEFAULT_SCORE.samples,
    probes: DEFAULT_SCORE.probes,
    rhoProbes: DEFAULT_SCORE.rhoProbes,
    eigenvalues: DEFAULT_SCORE.eigenvalues,
    densityRuns: DEFAULT_SCORE.densityRuns,
    densitySteps: DEFAULT_SCORE.densitySteps,
  },
  /** Twice the samples, 5× the probes, a 4-run density of 60 steps: about 6× the time. */
  accurate: {
    samples: 2000,
    probes: 100,
    rhoProbes: 16,
    eigenvalues: 5,
    densityRuns: 4,
    densitySteps: 60,
  },
} satisfies Record<string, Partial<ScoreConfig>>;

/** Web workers per pass the form offers: up to the cores, at most 8. */
const maxThreads = Math.max(1, Math.min(8, appStatus.threads));
const coreWasm = (c: ScoreConfig) => c.engine === 'core-wasm';

/** The samples, the engine and the neighbourhood and confidence (γ, ε, δ). */
const ENGINE: FieldSpec<ScoreConfig>[] = [
  {
    key: 'samples',
    label: 'Training samples',
    hint: 'the first n of the set',
    min: 2,
    id: 'score-samples',
  },
  {
    key: 'engine',
    label: 'Engine',
    id: 'score-engine-kind',
    options: [
      ['core-wasm', 'core-wasm'],
      ['tfjs', 'TensorFlow.js (f32)'],
    ],
  },
  {
    key: 'precision',
    label: 'Precision',
    id: 'score-precision',
    when: coreWasm,
    options: [
      ['f64', 'f64 (accurate differences)'],
      ['f32', 'f32 (faster)'],
    ],
  },
  {
    key: 'threads',
    label: 'Threads',
    hint: 'web workers per pass',
    id: 'score-threads',
    when: coreWasm,
    options: Array.from({ length: maxThreads }, (_, i) => [i + 1, String(i + 1)] as const),
  },
  {
    key: 'backend',
    label: 'Backend',
    hint: 'the one used is shown with the result',
    id: 'score-backend',
    when: (c) => !coreWasm(c),
    options: [
      ['webgpu', 'webgpu (GPU)'],
      ['webgl', 'webgl (GPU)'],
      ['wasm', 'wasm (CPU, SIMD and threads)'],
      ['cpu', 'cpu (plain JavaScript)'],
    ],
  },
  { key: 'gamma', label: 'γ', min: 0, step: 0.01 },
  { key: 'epsilon', label: 'ε', min: 0, step: 0.01 },
  { key: 'delta', label: 'δ', min: 0, max: 1, step: 0.01 },
];

/** The estimators: Hessian diagonal, ρ, top eigenvalues, spectral density, seed. */
const SPECTRUM: FieldSpec<ScoreConfig>[] = [
  {
    key: 'diagonal',
    label: 'Hessian diagonal',
    id: 'score-diagonal',
    options: [
      ['hutchinson', 'Hutchinson (2K gradients)'],
      ['exact', 'exact (2m gradients)'],
      ['auto', 'auto (exact up to 20,000 parameters)'],
    ],
  },
  {
    key: 'probes',
    label: 'Probes K',
    min: 1,
    id: 'score-probes',
    when: (c) => c.diagonal !== 'exact',
  },
  { key: 'rhoProbes', label: 'ρ probes', min: 1, id: 'score-rho-probes' },
  { key: 'eigenvalues', label: 'Top eigenvalues', hint: '0: none', min: 0, id: 'score-eigen' },
  {
    key: 'densityRuns',
    label: 'Density runs',
    hint: '0: none',
    min: 0,
    id: 'score-density-runs',
  },
  { key: 'densitySteps', label: 'Lanczos steps', min: 1, id: 'score-density-steps' },
  { key: 'seed', label: 'Seed', min: 0 },
];

/** The form, row by row. */
export const SCORE_FIELDS = [ENGINE, SPECTRUM];
