// The reconstruction of the toy experiment (docs/method.md §6): what the network at a minimum
// predicts on draws from p(x) and on an input grid, and how complicated its decision regions are.

import type { Network } from '@pacgen/core-wasm';
import type { ToyData } from '../data/synthetic.js';
import { sampleMixture } from '../data/synthetic.js';
import { median } from '../stats.js';
import type { BoundaryComplexity, ToyPrediction } from './toy.js';

/** Evenly spaced values from lo to hi inclusive. */
export function linspace(lo: number, hi: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** Connected regions and boundary length of a label map on an nx × ny grid. */
export function boundaryComplexity(labels: Uint8Array, nx: number, ny: number): BoundaryComplexity {
  const seen = new Uint8Array(labels.length);
  let regions = 0;
  const stack: number[] = [];
  for (let s = 0; s < labels.length; s++) {
    if (seen[s]) continue;
    regions++;
    seen[s] = 1;
    stack.push(s);
    while (stack.length) {
      const c = stack.pop() as number;
      const i = c % nx;
      const j = (c - i) / nx;
      for (const [di, dj] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const a = i + di;
        const b = j + dj;
        if (a < 0 || b < 0 || a >= nx || b >= ny) continue;
        const q = b * nx + a;
        if (!seen[q] && labels[q] === labels[c]) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
  }
  let edges = 0;
  let cut = 0;
  let positive = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const c = j * nx + i;
      positive += labels[c];
      for (const q of [i + 1 < nx ? c + 1 : -1, j + 1 < ny ? c + nx : -1]) {
        if (q < 0) continue;
        edges++;
        if (labels[c] !== labels[q]) cut++;
      }
    }
  }
  return {
    regions,
    boundaryFraction: edges ? cut / edges : 0,
    positiveFraction: positive / labels.length,
  };
}

/** Predictions of the network at parameters w on the draws and the input grid. */
export function predictAt(
  net: Network,
  index: number,
  w: [number, number],
  x: Float64Array,
  truth: Uint8Array,
  gridX: Float64Array,
  nx: number,
  ny: number,
): ToyPrediction {
  net.setParams(w);
  const probability = Float64Array.from(net.predict(x, { probabilities: true }));
  const gridProbability = Float64Array.from(net.predict(gridX, { probabilities: true }));
  const t = median(probability);
  const labels = Uint8Array.from(probability, (p) => (p > 0.5 ? 1 : 0));
  const medianLabels = Uint8Array.from(probability, (p) => (p > t ? 1 : 0));
  const agree = (l: Uint8Array) =>
    l.reduce((s, v, i) => s + (v === truth[i] ? 1 : 0), 0) / l.length;
  return {
    minimum: index,
    probability,
    labels,
    medianLabels,
    accuracy: agree(labels),
    medianAccuracy: agree(medianLabels),
    medianThreshold: t,
    gridProbability,
    complexity: {
      argmax: boundaryComplexity(
        Uint8Array.from(gridProbability, (p) => (p > 0.5 ? 1 : 0)),
        nx,
        ny,
      ),
      median: boundaryComplexity(
        Uint8Array.from(gridProbability, (p) => (p > t ? 1 : 0)),
        nx,
        ny,
      ),
    },
  };
}

/**
 * Draws from p(x), their true labels, an inputN × inputN grid spanning the draws with its true
 * labels, and a predictor of the network at any minimum on both.
 */
export function reconstructionInputs(
  data: ToyData,
  numDraws: number,
  inputN: number,
  seed: number,
) {
  const x = sampleMixture(data.mixture, numDraws, seed);
  const truth = Uint8Array.from({ length: numDraws }, (_, i) => data.label(x[2 * i], x[2 * i + 1]));
  let lo1 = Infinity,
    hi1 = -Infinity,
    lo2 = Infinity,
    hi2 = -Infinity;
  for (let i = 0; i < numDraws; i++) {
    lo1 = Math.min(lo1, x[2 * i]);
    hi1 = Math.max(hi1, x[2 * i]);
    lo2 = Math.min(lo2, x[2 * i + 1]);
    hi2 = Math.max(hi2, x[2 * i + 1]);
  }
  if (!(hi1 > lo1)) [lo1, hi1] = [lo1 - 1, hi1 + 1];
  if (!(hi2 > lo2)) [lo2, hi2] = [lo2 - 1, hi2 + 1];
  const x1 = linspace(lo1, hi1, inputN);
  const x2 = linspace(lo2, hi2, inputN);
  const gridX = new Float64Array(2 * inputN * inputN);
  const truthGrid = new Uint8Array(inputN * inputN);
  for (let j = 0; j < inputN; j++) {
    for (let i = 0; i < inputN; i++) {
      const c = j * inputN + i;
      gridX[2 * c] = x1[i];
      gridX[2 * c + 1] = x2[j];
      truthGrid[c] = data.label(x1[i], x2[j]);
    }
  }
  return { x, truth, x1, x2, gridX, truthGrid };
}
