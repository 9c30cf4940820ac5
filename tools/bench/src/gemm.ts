// Matrix-multiply throughput: the engine's own `gemm` export on engine memory, beside the
// SIMD GEMMs of tfjs-wasm (XNNPACK) and tfjs-cpu, on the shapes the MLP case spends its time in.

import { instantiateEngine, type Kernels } from '@pacgen/core-wasm';

export interface GemmShape {
  /** Row key, e.g. '128x128x784' (M×N×K). */
  name: string;
  M: number;
  N: number;
  K: number;
  /** A is read transposed (stored K×M), as in a weight gradient Xᵀ·dY. */
  transposeA: boolean;
  description: string;
}

export const GEMM_SHAPES: readonly GemmShape[] = [
  {
    name: '128x128x784',
    M: 128,
    N: 128,
    K: 784,
    transposeA: false,
    description: 'MLP fc1 forward: X(128×784)·W(784×128)',
  },
  {
    name: '784x128x128-At',
    M: 784,
    N: 128,
    K: 128,
    transposeA: true,
    description: 'MLP fc1 weight gradient: Xᵀ(784×128)·dY(128×128), A read transposed',
  },
  {
    name: '512x512x512',
    M: 512,
    N: 512,
    K: 512,
    transposeA: false,
    description: 'square reference shape',
  },
];

/** Floating-point operations of one multiply (a multiply-add counts 2). */
export function gemmFlops(s: GemmShape): number {
  return 2 * s.M * s.N * s.K;
}

/** GFLOP/s of a shape done in `ms` milliseconds. */
export function gflops(s: GemmShape, ms: number): number {
  return gemmFlops(s) / (ms * 1e6);
}

/**
 * The engine's f32 `gemm(M,N,K, A,ars,acs, B,ldb, C,ldc, accumulate)` on a fresh instance (of
 * the `kernels` build; default: the one the engine picks), with
 * seeded operands in its memory. Returns the step to time.
 */
export async function coreWasmGemm(
  s: GemmShape,
  kernels?: Kernels,
): Promise<{ threads: number; step: () => void }> {
  const ex = await instantiateEngine('f32', kernels);
  const { M, N, K } = s;
  const a = ex.allocate(M * K * 4);
  const b = ex.allocate(K * N * 4);
  const c = ex.allocate(M * N * 4);
  // Views only after all allocations: growing the memory detaches earlier views.
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (const [ptr, n] of [
    [a, M * K],
    [b, K * N],
  ]) {
    const view = new Float32Array(ex.memory.buffer, ptr, n);
    for (let i = 0; i < n; i++) view[i] = rand();
  }
  // A(i,k) at A + i·ars + k·acs: row-major M×K, or K×M read transposed.
  const [ars, acs] = s.transposeA ? [1, M] : [K, 1];
  return { threads: 1, step: () => ex.gemm(M, N, K, a, ars, acs, b, N, c, N, 0) };
}

/** Iterations of one timed call of the ceiling loop: 96 flops each in the f32 build. */
const PEAK_ITERATIONS = 1_000_000;

/**
 * The FMA ceiling: the fma build's `fmaPeak` (12 independent chains of f32x4.relaxed_madd,
 * assembly/peak.ts), one thread. Returns the step to time and its flops.
 */
export async function fmaPeak(): Promise<{ flops: number; step: () => void }> {
  const ex = await instantiateEngine('f32', 'fma');
  return { flops: PEAK_ITERATIONS * 96, step: () => ex.fmaPeak(PEAK_ITERATIONS, 0.5) };
}
