// The tiny sweep the sweep tests share: a 2×2 grid (batch 16, 64 × lr 0.5, 0.1) of an 8-unit MLP
// on 200 seeded two-moons samples, 2 epochs in f64 with the smallest measure budget.

import type { SweepOptions } from '../src/entries/experiments.js';
import { mlp } from '../src/entries/models.js';
import { moons } from './helpers.js';

/** The tiny sweep's options, writing into `outDir`. */
export const tinySweep = (outDir: string): SweepOptions => ({
  grid: { batchSizes: [16, 64], learningRates: [0.5, 0.1], seeds: [3] },
  model: { name: 'mlp:8', spec: mlp({ inputShape: [2], hidden: [8], numClasses: 2 }) },
  data: { name: 'moons', train: moons(400, 1, 'train'), test: moons(300, 2, 'test') },
  outDir,
  maxEpochs: 2,
  precision: 'f64',
  budget: {
    trainSubset: 200,
    testSubset: 100,
    psiSamples: 64,
    probes: 2,
    rhoProbes: 1,
    psiEvery: 1,
    lanczosIterations: 4,
    sharpnessSteps: 2,
    flatnessSamples: 2,
    flatnessIterations: 3,
  },
});

/**
 * Kendall's τ-b from the sign products of all pairs, an O(n²) formula independent of the
 * library's merge sort: Σ s_x·s_y / √(Σ s_x² · Σ s_y²), NaN when either list is constant.
 */
export function signTau(x: readonly number[], y: readonly number[]): number {
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const sx = Math.sign(x[i] - x[j]);
      const sy = Math.sign(y[i] - y[j]);
      num += sx * sy;
      dx += sx * sx;
      dy += sy * sy;
    }
  }
  return dx > 0 && dy > 0 ? num / Math.sqrt(dx * dy) : NaN;
}
