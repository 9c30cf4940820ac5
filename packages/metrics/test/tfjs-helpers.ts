// Shared by the tfjs tests: two small seeded problems (a tanh MLP and a ReLU CNN) on core-wasm
// f32, and the comparisons of one Objective against another.

import { hvpStep, Network, Random, type NetworkSpec } from '@pacgen/core-wasm';
import { resnet } from '../src/models/graph-presets.js';
import { expect } from 'vitest';
import {
  hessianDiagonal,
  networkObjective,
  pacgen,
  topEigenvalues,
  type Objective,
} from '../src/index.js';

/** 6 → 8 tanh → 4, softmax cross-entropy: 92 parameters. */
export const SMALL_MLP: NetworkSpec = {
  inputShape: [6],
  layers: [
    { type: 'dense', units: 8, activation: 'tanh', name: 'fc1' },
    { type: 'dense', units: 4, name: 'fc2' },
  ],
  loss: 'softmax-cross-entropy',
};

/** [8, 8, 2] → conv 3×3×4 → maxpool 2 → relu → dense 5 (+ dropout, off in evaluation): 261 parameters. */
export const SMALL_CNN: NetworkSpec = {
  inputShape: [8, 8, 2],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, name: 'conv1' },
    { type: 'maxpool2d', poolSize: 2, name: 'pool1' },
    { type: 'activation', activation: 'relu', name: 'relu1' },
    { type: 'dropout', rate: 0.5, name: 'drop1' },
    { type: 'flatten', name: 'flatten' },
    { type: 'dense', units: 5, name: 'fc' },
  ],
  loss: 'softmax-cross-entropy',
};

/**
 * The parity problems: label, spec, the move every product uses (undefined: the default) and
 * the tolerance scale for it. The CNN is compared at 1e-4 (100× below f32's default, hence the
 * scale 100), where none of core-wasm's products crosses a ReLU/max-pool kink: at larger moves
 * core-wasm sees the kinks and shrinks those products (docs/method.md §5), which TF.js cannot,
 * so the two would differ by the kinks' gradient jumps, not by rounding.
 */
export const PARITY_CASES: [string, NetworkSpec, number | undefined, number][] = [
  ['small MLP (tanh)', SMALL_MLP, undefined, 1],
  ['small CNN (ReLU, max-pool, dropout)', SMALL_CNN, 1e-4, 100],
];

export interface Problem {
  spec: NetworkSpec;
  x: Float32Array;
  y: Int32Array;
  /** Core-wasm f32 at the seeded initialisation. */
  core: Objective;
  w: Float64Array;
}

/** The spec at a seeded Glorot initialisation on n seeded N(0, 1) inputs with uniform labels. */
export async function problem(spec: NetworkSpec, n: number, seed = 1): Promise<Problem> {
  const net = await Network.create(spec, { precision: 'f32' });
  net.initParams(seed);
  const rng = new Random(seed + 100);
  const { inputSize, outputSize } = net.compiled;
  const x = Float32Array.from({ length: n * inputSize }, () => rng.normal());
  const y = Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * outputSize));
  net.setData(x, y);
  const core = networkObjective(net);
  return { spec, x, y, core, w: core.params() };
}

/** ‖a − b‖₂ / ‖b‖₂. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    s += b[i] ** 2;
  }
  return Math.sqrt(d / s);
}

/** A Rademacher vector. */
export function rademacher(m: number, seed: number): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: m }, () => (rng.uniform() < 0.5 ? -1 : 1));
}

/** What the parity tests compare: every quantity, with one seed. */
export interface Quantities {
  loss: number;
  grad: Float64Array;
  hvp: Float64Array;
  diagonal: Float64Array;
  topEigenvalue: number;
  psi: number;
  psiStar: number;
  curvatureFraction: number;
  rho: number;
  /** Products of the estimators that crossed a kink at the requested move (0 when not counted). */
  productsWithCrossings: number;
}

/**
 * Every quantity at the finite-difference move `move` (default: the engines' own, 1e-2 in f32;
 * docs/method.md §5), the same for every product.
 */
export async function quantities(
  obj: Objective,
  w: Float64Array,
  move?: number,
): Promise<Quantities> {
  const g = await obj.gradient(w);
  const v = rademacher(w.length, 7);
  const hvp = await obj.hvp(w, v, { step: move && hvpStep('f32', v, w, move) });
  const step = move;
  const diag = await hessianDiagonal(obj, w, { method: 'hutchinson', probes: 8, seed: 3, step });
  const eig = await topEigenvalues(obj, w, { k: 1, iterations: 30, seed: 4, step });
  const report = await pacgen(obj, w, {
    seed: 5,
    // A box wide enough that the curvature enters Ψ (a_i κ_i² > 1) for a share of coordinates.
    gamma: 1,
    epsilon: 1,
    diagonal: { method: 'hutchinson', probes: 8, step },
    rho: { probes: 2, step },
  });
  const healths = [diag.health, eig.health, report.diagonal.health, report.rho.health!];
  return {
    loss: await obj.loss(w),
    grad: g.grad,
    hvp,
    diagonal: diag.diagonal,
    topEigenvalue: eig.values[0],
    psi: report.psi,
    psiStar: report.psiStar,
    curvatureFraction: report.curvatureFraction,
    rho: report.rho.value,
    productsWithCrossings: healths.reduce((s, h) => s + h.hvpsWithCrossings, 0),
  };
}

/**
 * Tolerances of f32 against f32: both engines round differently (summation order, fused ops),
 * so agreement is to f32 rounding amplified by each quantity's conditioning. Observed on these
 * problems, tfjs cpu / wasm / webgpu (llvmpipe) against core-wasm f32 (relative unless marked):
 *   loss 1e-8 – 2e-7       one f32 evaluation, a few ε_f32 = 1.2e-7;
 *   gradient 2e-7 – 3e-7   the same, over the backward pass's sums;
 *   HVP 4e-6 – 3e-5        (g(w+tv) − g(w−tv))/2t with the move ‖t·v‖₂ = 1e-2: each gradient's
 *                          rounding (~2e-7·‖g‖) is divided by 2t, so ~1e-4·‖g‖/‖Hv‖;
 *   diagonal 3e-6 – 2e-5   a mean of 8 such products (same probes: the same seed);
 *   top eigenvalue 2e-7 – 5e-6   a Rayleigh quotient of them (Lanczos, 30 products);
 *   ρ̂ 3e-6 – 2e-5          a ratio of product differences over the box;
 *   Ψ, Ψ* 3e-5 – 1e-3 nats absolute (Ψ ≈ 20 – 1200 nats): ½·δa/a per curvature coordinate;
 *         against core-wasm's FMA build, up to 1.02 nats on the small CNN at its small move
 *         (scale 100, Ψ ≈ 158: 0.6%), so its bound is 3e-2 × scale.
 * Each other bound is about 10× the largest observed. The curvature quantities' rounding grows as
 * 1/move: `expectParity`'s `scale` widens them for a smaller move.
 */
export const F32_TOLERANCE = {
  loss: 2e-6,
  grad: 3e-6,
  hvp: 3e-4,
  diagonal: 3e-4,
  topEigenvalue: 1e-4,
  rho: 3e-4,
  /** Absolute, nats. */
  psi: 3e-2,
};

export function expectParity(got: Quantities, want: Quantities, label: string, scale = 1): void {
  const t = {
    ...F32_TOLERANCE,
    hvp: F32_TOLERANCE.hvp * scale,
    diagonal: F32_TOLERANCE.diagonal * scale,
    topEigenvalue: F32_TOLERANCE.topEigenvalue * scale,
    rho: F32_TOLERANCE.rho * scale,
    psi: F32_TOLERANCE.psi * scale,
  };
  expect(Math.abs(got.loss - want.loss) / want.loss, `${label} loss`).toBeLessThan(t.loss);
  expect(relErr(got.grad, want.grad), `${label} gradient`).toBeLessThan(t.grad);
  expect(relErr(got.hvp, want.hvp), `${label} HVP`).toBeLessThan(t.hvp);
  expect(relErr(got.diagonal, want.diagonal), `${label} diagonal`).toBeLessThan(t.diagonal);
  expect(
    Math.abs(got.topEigenvalue - want.topEigenvalue) / Math.abs(want.topEigenvalue),
    `${label} top eigenvalue`,
  ).toBeLessThan(t.topEigenvalue);
  expect(Math.abs(got.rho - want.rho) / want.rho, `${label} ρ`).toBeLessThan(t.rho);
  // One coordinate at the branch boundary may fall either way.
  expect(
    Math.abs(got.curvatureFraction - want.curvatureFraction),
    `${label} curvature fraction`,
  ).toBeLessThanOrEqual(1 / got.grad.length + 1e-12);
  expect(Math.abs(got.psi - want.psi), `${label} Ψ`).toBeLessThan(t.psi);
  expect(Math.abs(got.psiStar - want.psiStar), `${label} Ψ*`).toBeLessThan(t.psi);
}

/** A small ResNet's problem with seeded running statistics (other than the initial state). */
export interface ResnetProblem {
  spec: NetworkSpec;
  x: Float32Array;
  y: Int32Array;
  params: Float64Array;
  buffers: Float64Array;
  /** Core-wasm f32 at params and buffers, holding the data in one chunk of n. */
  net: Network;
}

/**
 * A ResNet from the presets' builder (stem, one basic block per stage, 1×1 strided projections,
 * small widths so TF.js cpu takes a second) on n = 6 seeded 12×12 images, its batch-norm
 * buffers drawn at random (means in ±0.2, variances in [0.5, 1.5]).
 */
export async function resnetProblem(seed: number): Promise<ResnetProblem> {
  const spec = resnet({ blocks: 1, widths: [4, 8, 8], inputShape: [12, 12, 1], numClasses: 5 });
  const n = 6;
  const r = new Random(seed);
  const x = Float32Array.from({ length: n * 144 }, () => r.uniform());
  const y = Int32Array.from({ length: n }, (_, i) => i % 5);
  const net = await Network.create(spec, { precision: 'f32', maxBatch: n });
  const params = Float64Array.from(net.initParams(3));
  const buffers = Float64Array.from(net.getBuffers());
  for (const b of net.buffers) {
    const variance = b.name.endsWith('/moving_variance');
    for (let i = b.offset; i < b.offset + b.size; i++)
      buffers[i] = variance ? 0.5 + r.uniform() : 0.2 * (2 * r.uniform() - 1);
  }
  net.setParams(params);
  net.setBuffers(buffers);
  net.setData(x, y);
  return { spec, x, y, params, buffers, net };
}
