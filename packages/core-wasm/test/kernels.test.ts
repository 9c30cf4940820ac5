// The two engine builds (src/module.ts): 'fma' (relaxed SIMD fused multiply-add) and 'plain'
// (SIMD 128). Which one loads, how to force one, and that they agree within f32 rounding: a
// GEMM against an f64 product, and a gradient and an HVP of the PyTorch-MNIST CNN against f64.

import { afterEach, describe, expect, it } from 'vitest';
import {
  Network,
  engineKernels,
  hvpStep,
  instantiateEngine,
  relaxedSimdSupported,
  type Kernels,
  type NetworkSpec,
} from '../src/index.js';
import { makeNetwork, relativeError } from './helpers.js';

/** The PyTorch MNIST example network (metrics' mnistCnn preset), dropout left out. */
const CNN: NetworkSpec = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 10, kernelSize: 5 },
    { type: 'maxpool2d', poolSize: 2 },
    { type: 'activation', activation: 'relu' },
    { type: 'conv2d', filters: 20, kernelSize: 5 },
    { type: 'maxpool2d', poolSize: 2 },
    { type: 'activation', activation: 'relu' },
    { type: 'flatten' },
    { type: 'dense', units: 50, activation: 'relu' },
    { type: 'dense', units: 10 },
  ],
  loss: 'softmax-cross-entropy',
};

/** f32 unit roundoff. */
const U32 = 2 ** -24;

const saved = process.env.PACGEN_KERNELS;
afterEach(() => {
  if (saved === undefined) delete process.env.PACGEN_KERNELS;
  else process.env.PACGEN_KERNELS = saved;
});

describe('build selection', () => {
  it('Node 20 runs relaxed SIMD once the platform module sets the V8 flag, so fma is the default', () => {
    delete process.env.PACGEN_KERNELS;
    expect(relaxedSimdSupported()).toBe(true);
    expect(engineKernels()).toBe('fma');
  });

  it('PACGEN_KERNELS and the kernels option force a build; unknown names are refused', async () => {
    process.env.PACGEN_KERNELS = 'plain';
    expect(engineKernels()).toBe('plain');
    expect(engineKernels('fma')).toBe('fma');
    expect((await Network.create(CNN)).kernels).toBe('plain');
    expect((await Network.create(CNN, { kernels: 'fma' })).kernels).toBe('fma');
    process.env.PACGEN_KERNELS = 'avx';
    expect(() => engineKernels()).toThrow("kernels must be 'fma' or 'plain', got 'avx'");
  });
});

/**
 * C = A·B (M×N, K deep) in a build's f32 gemm export, seeded operands; with `transposeA`, A is
 * stored K×M and read through its strides (as a weight gradient reads it). `a` is returned
 * row-major M×K either way.
 */
async function gemm(kernels: Kernels, M: number, N: number, K: number, transposeA = false) {
  const ex = await instantiateEngine('f32', kernels);
  const [pa, pb, pc] = [M * K, K * N, M * N].map((n) => ex.allocate(4 * n));
  const stored = new Float32Array(ex.memory.buffer, pa, M * K);
  const b = new Float32Array(ex.memory.buffer, pb, K * N);
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  stored.forEach((_, i) => (stored[i] = rand()));
  b.forEach((_, i) => (b[i] = rand()));
  const [ars, acs] = transposeA ? [1, M] : [K, 1];
  ex.gemm(M, N, K, pa, ars, acs, pb, N, pc, N, 0);
  const a = new Float32Array(M * K);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) a[i * K + k] = stored[i * ars + k * acs];
  return { a, b: b.slice(), c: new Float32Array(ex.memory.buffer, pc, M * N).slice() };
}

describe('fma and plain builds agree within f32 rounding', () => {
  // Every way columns are left over by the strips (12 columns in the fma build, 8 in plain) and
  // rows by the tiles: 67×53×300, two k-panels and 5 edge columns (fma: a 4 × 2 tile, its second
  // vector partial; plain: a padded strip); 31×548×40, two column panels; 130×128×97, a row left
  // over by the 3-row tiles, 8 edge columns in fma; 128×60×50, two rows left over (a 2-row tile);
  // 61×10×40, 10 columns (fma: one padded strip; plain: a strip, then 2 columns by 6 × 1 tiles
  // with a row left over); 59×23×30, 11 and 7 columns (padded strips); 65×7×20 (fma: 4 × 2 tiles
  // with 3 valid lanes, a row left over; plain: a padded strip); 64×4×30 and 17×1×33, one (partial)
  // vector by 6 × 1 tiles, 4 and 5 rows left over; 70×10×300 and 131×127×97 with A read
  // transposed (the weight gradient's strides).
  it.each([
    [67, 53, 300, false],
    [31, 548, 40, false],
    [130, 128, 97, false],
    [128, 60, 50, false],
    [61, 10, 40, false],
    [59, 23, 30, false],
    [65, 7, 20, false],
    [64, 4, 30, false],
    [17, 1, 33, false],
    [70, 10, 300, true],
    [131, 127, 97, true],
  ])(
    'GEMM %i×%i×%i (A transposed: %s): every entry within 2·K·u·Σ|a||b| of the f64 product (the dot-product bound)',
    async (M, N, K, transposeA) => {
      const plain = await gemm('plain', M, N, K, transposeA);
      const fma = await gemm('fma', M, N, K, transposeA);
      expect(fma.a).toEqual(plain.a);
      let worst = 0;
      let differ = 0;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let exact = 0;
          let abs = 0;
          for (let k = 0; k < K; k++) {
            exact += plain.a[i * K + k] * plain.b[k * N + j];
            abs += Math.abs(plain.a[i * K + k] * plain.b[k * N + j]);
          }
          const bound = 2 * K * U32 * abs;
          const e = Math.max(
            Math.abs(fma.c[i * N + j] - exact),
            Math.abs(plain.c[i * N + j] - exact),
          );
          worst = Math.max(worst, e / bound);
          if (fma.c[i * N + j] !== plain.c[i * N + j]) differ++;
        }
      }
      expect(worst).toBeLessThan(1);
      // FMA rounds once per product where plain rounds twice: most entries differ in the last bits.
      expect(differ).toBeGreaterThan((M * N) / 2);
    },
  );

  it('CNN gradient (f32, 64 samples): fma within 1e-5 of plain and as close to f64 as plain', async () => {
    const make = (precision: 'f32' | 'f64', kernels: Kernels) =>
      makeNetwork(CNN, 64, { precision, kernels, seed: 3 });
    const g = async (precision: 'f32' | 'f64', kernels: Kernels) =>
      Float64Array.from((await make(precision, kernels)).gradient().grad);
    const exact = await g('f64', 'plain');
    const plain = await g('f32', 'plain');
    const fma = await g('f32', 'fma');
    const ePlain = relativeError(plain, exact);
    expect(ePlain).toBeLessThan(1e-5);
    expect(relativeError(fma, exact)).toBeLessThan(2 * ePlain);
    expect(relativeError(fma, plain)).toBeLessThan(1e-5);
    expect(relativeError(await g('f64', 'fma'), exact)).toBeLessThan(1e-13);
  });

  it('CNN HVP (f32, 64 samples): fma within the f32 rounding error plain has against f64', async () => {
    // One step for every build (the f32 default): the f64 product at the same step is then the
    // exact difference quotient, and only rounding separates the builds.
    let step = 0;
    const hvp = async (precision: 'f32' | 'f64', kernels: Kernels) => {
      const net = await makeNetwork(CNN, 64, { precision, kernels, seed: 3 });
      const v = Array.from({ length: net.numParams }, (_, i) => Math.sin(i));
      step ||= hvpStep('f32', v, net.params);
      return Float64Array.from(net.hvp(v, { step }));
    };
    const exact = await hvp('f64', 'plain');
    const plain = await hvp('f32', 'plain');
    const fma = await hvp('f32', 'fma');
    const ePlain = relativeError(plain, exact);
    expect(ePlain).toBeLessThan(1e-4);
    expect(relativeError(fma, exact)).toBeLessThan(2 * ePlain);
    expect(relativeError(fma, plain)).toBeLessThan(2 * ePlain);
  });
});
