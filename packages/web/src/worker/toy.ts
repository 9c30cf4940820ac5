// The paper's toy experiment in the worker: the whole landscape (toyExperiment), and one point
// of it on demand (Hessian, ρ on the box, σ*, Ψ, the bound and the labels the network predicts).

import { Network } from '@pacgen/core-wasm';
import { networkObjective } from '@pacgen/metrics';
import { sampleMixture, toyGaussianMixture } from '@pacgen/metrics/data';
import {
  scoreToyPoint,
  toyExperiment,
  type ToyExperimentResult,
} from '@pacgen/metrics/experiments';
import { toyNet } from '@pacgen/metrics/models';
import type { ProbeJob, ProbeResult, ToyJob } from './protocol';

/** Stage, done, total; returns a promise when the caller wants to yield. */
export type Progress = (stage: string, done: number, total: number) => void | Promise<void>;

/** The settings toyExperiment and the probe share (the library's defaults otherwise). */
export const TOY = {
  train: 100,
  test: 1000,
  depth: 5,
  lattice: 5,
  hessianStep: 1e-5,
  samples: 2000,
  inputGrid: 61,
};

export function runToy(job: ToyJob, progress: Progress): Promise<ToyExperimentResult> {
  return toyExperiment({
    grid: job.grid,
    range: job.range,
    seed: job.seed,
    gamma: job.gamma,
    epsilon: job.epsilon,
    delta: job.delta,
    train: TOY.train,
    test: TOY.test,
    depth: TOY.depth,
    lattice: TOY.lattice,
    samples: TOY.samples,
    inputGrid: TOY.inputGrid,
    onProgress: progress,
  });
}

function linspace(lo: number, hi: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/**
 * One point: exact 2×2 Hessian and ρ̂ on the lattice of N_{γ,ε}(w) (lipschitzOnBox2, as
 * toyExperiment scores its grid), Ψ, Ψ*, σ* and both bounds (pacgenFromCurvature), and the
 * network's predictions on 2,000 draws from p(x) and on an input grid.
 */
export async function runProbe(job: ProbeJob): Promise<ProbeResult> {
  const data = toyGaussianMixture({ train: TOY.train, test: TOY.test, seed: job.seed });
  const net = await Network.create(toyNet({ depth: TOY.depth }), { precision: 'f64' });
  net.setData(data.train.x, data.train.y);
  const obj = networkObjective(net, { params: [0, 0] });
  const w = job.w;
  const n = data.train.n;
  const p = await scoreToyPoint(obj, w, n, {
    gamma: job.gamma,
    epsilon: job.epsilon,
    delta: job.delta,
    lattice: TOY.lattice,
    hessianStep: TOY.hessianStep,
  });
  const kappa: [number, number] = [
    job.gamma * Math.abs(w[0]) + job.epsilon,
    job.gamma * Math.abs(w[1]) + job.epsilon,
  ];

  // The reconstruction, as toyExperiment draws it (sample seed 1, the draws' bounding box).
  const x = sampleMixture(data.mixture, TOY.samples, 1);
  const truth = Uint8Array.from({ length: TOY.samples }, (_, i) =>
    data.label(x[2 * i], x[2 * i + 1]),
  );
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (let i = 0; i < x.length; i++) {
    lo[i % 2] = Math.min(lo[i % 2], x[i]);
    hi[i % 2] = Math.max(hi[i % 2], x[i]);
  }
  const g = TOY.inputGrid;
  const x1 = linspace(lo[0], hi[0], g);
  const x2 = linspace(lo[1], hi[1], g);
  const gridX = new Float64Array(2 * g * g);
  const truthGrid = new Uint8Array(g * g);
  for (let j = 0; j < g; j++) {
    for (let i = 0; i < g; i++) {
      const c = j * g + i;
      gridX[2 * c] = x1[i];
      gridX[2 * c + 1] = x2[j];
      truthGrid[c] = data.label(x1[i], x2[j]);
    }
  }
  net.setParams(w);
  const probability = Float64Array.from(net.predict(x, { probabilities: true }));
  const gridProbability = Float64Array.from(net.predict(gridX, { probabilities: true }));
  const sorted = Float64Array.from(probability).sort();
  const h = sorted.length >> 1;
  const medianThreshold = sorted.length % 2 ? sorted[h] : 0.5 * (sorted[h - 1] + sorted[h]);
  let agree = 0;
  let agreeMedian = 0;
  probability.forEach((p, i) => {
    if ((p > 0.5 ? 1 : 0) === truth[i]) agree++;
    if ((p > medianThreshold ? 1 : 0) === truth[i]) agreeMedian++;
  });

  return {
    w,
    loss: p.loss,
    hessian: p.hessian,
    eigenvalues: p.eigenvalues,
    rho: p.rho,
    psi: p.psi,
    psiStar: p.psiStar,
    sigmaStar: p.sigmaStar,
    kappa,
    eta: p.eta,
    curvatureFraction: p.curvatureFraction,
    bound: p.bound,
    boundStar: p.boundStar,
    n,
    reconstruction: {
      x,
      truth,
      probability,
      accuracy: agree / TOY.samples,
      medianAccuracy: agreeMedian / TOY.samples,
      medianThreshold,
      x1,
      x2,
      gridProbability,
      truthGrid,
    },
  };
}
