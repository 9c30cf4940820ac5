// The toy's minima named by what they are measured to be — lowest loss, lowest Ψ, largest and
// smallest λmax — never by what the paper expects them to be ("sharp", "flat").

import type { ToyExperimentResult } from '@pacgen/metrics/experiments';

type Minimum = ToyExperimentResult['minima'][number];

/** The index of the minimum with the extreme value of `f` (first on ties), or −1 for none. */
function extreme(minima: Minimum[], f: (m: Minimum) => number, sign: 1 | -1): number {
  let best = -1;
  minima.forEach((m, k) => {
    if (best < 0 || sign * (f(m) - f(minima[best])) < 0) best = k;
  });
  return best;
}

/**
 * Each minimum's measured names: 'lowest loss', 'lowest Ψ', 'largest λmax', 'smallest λmax'
 * (only with two or more minima; one alone is just 'the only minimum').
 */
export function minimaNames(minima: Minimum[]): string[][] {
  const names = minima.map(() => [] as string[]);
  if (minima.length === 1) names[0].push('the only minimum');
  if (minima.length < 2) return names;
  const tag = (k: number, name: string) => k >= 0 && names[k].push(name);
  tag(
    extreme(minima, (m) => m.loss, 1),
    'lowest loss',
  );
  tag(
    extreme(minima, (m) => m.psi, 1),
    'lowest Ψ',
  );
  tag(
    extreme(minima, (m) => m.eigenvalues[0], -1),
    'largest λmax',
  );
  tag(
    extreme(minima, (m) => m.eigenvalues[0], 1),
    'smallest λmax',
  );
  return names;
}
