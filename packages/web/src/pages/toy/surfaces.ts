// The maps toyExperiment returns, by name, with their labels.

import type { ToyExperimentResult } from '@pacgen/metrics/experiments';

export type SurfaceKey = keyof Omit<ToyExperimentResult['grid'], 'w1' | 'w2'>;

export const SURFACES: { key: SurfaceKey; label: string }[] = [
  { key: 'loss', label: 'Training loss L̂' },
  { key: 'psi', label: 'PACGen Ψ' },
  { key: 'psiStar', label: 'Ψ* (at σ*)' },
  { key: 'bound', label: 'Bound L̂ + √((Ψ + ln 2n/δ) / 2(n−1))' },
  { key: 'boundStar', label: 'Bound at σ* (docs/method.md §3)' },
  { key: 'lambdaMax', label: 'Largest Hessian eigenvalue' },
  { key: 'rho', label: 'Hessian Lipschitz ρ̂' },
  { key: 'curvatureFraction', label: 'Fraction on the curvature branch' },
];

export const labelOf = (k: SurfaceKey) => SURFACES.find((s) => s.key === k)?.label ?? k;
