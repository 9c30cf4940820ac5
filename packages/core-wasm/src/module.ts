// Loads and compiles the WebAssembly engine once per precision and kernel build, in Node and in
// browsers. Two builds per precision: 'fma' (relaxed SIMD: fused multiply-add in the matrix
// kernels) where the runtime validates it, else 'plain' (SIMD 128 only).

import { enableRelaxedSimd, kernelsFromEnvironment, loadEngineBytes } from '#platform';

export type Precision = 'f32' | 'f64';

/**
 * An engine build: 'fma' uses relaxed SIMD's fused multiply-add (f32x4/f64x2.relaxed_madd) in
 * its matrix and convolution kernels; 'plain' multiplies then adds (SIMD 128 only, runs
 * everywhere). Results agree within the rounding of the precision (one rounding per product
 * instead of two).
 */
export type Kernels = 'fma' | 'plain';

/** A diagonal-curvature pass: (params, out, idx, start, count, scale) pointers and sizes. */
export type DiagonalPass = (
  params: number,
  out: number,
  idx: number,
  start: number,
  count: number,
  scale: number,
) => void;

/**
 * A finite-difference curvature product along v at step t into out, over a selection
 * (params, v, t, out, richardson, idx, start, count, scale): hvp and gaussNewtonVector.
 */
export type CurvatureProduct = (
  params: number,
  v: number,
  t: number,
  out: number,
  richardson: number,
  idx: number,
  start: number,
  count: number,
  scale: number,
) => void;

/** The raw exports of engine-*.wasm (pointers are byte offsets into `memory`). */
export interface EngineExports {
  memory: WebAssembly.Memory;
  REAL_BYTES: WebAssembly.Global;
  allocate(bytes: number): number;
  configure(...args: number[]): void;
  setData(x: number, y: number, n: number): void;
  evaluate(
    params: number,
    grad: number,
    idx: number,
    start: number,
    count: number,
    scale: number,
    train: number,
    seed: number,
  ): number;
  hvp: CurvatureProduct;
  infer(params: number, x: number, count: number, out: number): void;
  /** Scratch of gaussNewtonVector: 3 × maxBatch × outputs reals and outputs reals. */
  configureGaussNewton(plus: number, jv: number, jv2: number, probs: number): void;
  /** G·v of the mean loss into out, J·v by central differences (assembly/gauss-newton.ts). */
  gaussNewtonVector: CurvatureProduct;
  configureCurvature(...args: number[]): void;
  /** The GGN diagonal of the mean loss into out (assembly/curvature.ts). */
  ggnDiagonal: DiagonalPass;
  /** HesScale's Hessian diagonal of the mean loss into out (assembly/curvature.ts). */
  hesscaleDiagonal: DiagonalPass;
  /** Points the batch-norm nodes at the state vector (0 when there are no buffers). */
  setState(ptr: number): void;
  gemm(...args: number[]): void;
  lincomb(out: number, a: number, x: number, b: number, y: number, n: number): void;
  lastCorrect(): number;
  lastKinkCrossings(): number;
  firstNonFinite(ptr: number, n: number): number;
  /** The multiply-add ceiling loop (assembly/peak.ts): iterations · 12 · 2 · lanes flops. */
  fmaPeak(iterations: number, x: number): number;
  /** acc (f64) += src (f32 or f64) · weight, n values (assembly/chunk-sum.ts). */
  foldChunkF32(acc: number, src: number, weight: number, n: number): void;
  foldChunkF64(acc: number, src: number, weight: number, n: number): void;
  /** dst (f32 or f64) = acc (f64) / total, n values. */
  foldResultF32(acc: number, dst: number, total: number, n: number): void;
  foldResultF64(acc: number, dst: number, total: number, n: number): void;
}

const cache = new Map<string, Promise<WebAssembly.Module>>();

/** URL of the compiled engine for a precision and build (works from src/ and dist/). */
export function engineUrl(precision: Precision, kernels: Kernels = 'plain'): URL {
  const suffix = kernels === 'fma' ? '-fma' : '';
  return new URL(`../build/engine-${precision}${suffix}.wasm`, import.meta.url);
}

/**
 * The smallest module using a relaxed-SIMD instruction: one function returning
 * f32x4.relaxed_madd of three zero vectors (opcode 0xfd 0x105).
 */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b];
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b];
  const funcs = [0x03, 0x02, 0x01, 0x00];
  const code = [0x0a, body.length + 2, 0x01, body.length, ...body];
  return new Uint8Array([...header, ...types, ...funcs, ...code]);
}

let relaxed: boolean | undefined;

/**
 * Whether this runtime runs relaxed SIMD (WebAssembly.validate of a one-instruction module). In
 * Node 20 the feature sits behind V8's --experimental-wasm-relaxed-simd; the Node platform module
 * turns it on first (Node 22+ and current browsers have it on by default).
 */
export function relaxedSimdSupported(): boolean {
  if (relaxed === undefined) {
    const probe = relaxedProbe();
    relaxed = WebAssembly.validate(probe) || (enableRelaxedSimd() && WebAssembly.validate(probe));
  }
  return relaxed;
}

/**
 * The build to use: `requested`, else the PACGEN_KERNELS environment variable in Node ('fma' or
 * 'plain'), else 'fma' where the runtime supports it and 'plain' otherwise. Throws when 'fma' is
 * asked for and the runtime lacks relaxed SIMD, or on an unknown name.
 */
export function engineKernels(requested?: Kernels): Kernels {
  const choice = requested ?? kernelsFromEnvironment();
  if (choice === undefined || choice === '') return relaxedSimdSupported() ? 'fma' : 'plain';
  if (choice === 'plain') return 'plain';
  if (choice !== 'fma') {
    throw new Error(`kernels must be 'fma' or 'plain', got '${String(choice)}'`);
  }
  if (!relaxedSimdSupported()) {
    throw new Error("kernels 'fma' asked for, but this runtime has no relaxed SIMD");
  }
  return 'fma';
}

async function compile(precision: Precision, kernels: Kernels): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await loadEngineBytes(engineUrl(precision, kernels)));
}

/**
 * The compiled module for a precision and build (compiled on first use, then shared). `kernels`
 * defaults to `engineKernels()`.
 */
export function engineModule(
  precision: Precision,
  kernels: Kernels = engineKernels(),
): Promise<WebAssembly.Module> {
  if (precision !== 'f32' && precision !== 'f64') {
    throw new Error(`precision must be 'f32' or 'f64', got '${String(precision)}'`);
  }
  const build = engineKernels(kernels);
  const key = `${precision}-${build}`;
  let m = cache.get(key);
  if (!m) {
    m = compile(precision, build);
    cache.set(key, m);
  }
  return m;
}

/** A fresh instance (own memory) of the engine; `kernels` defaults to `engineKernels()`. */
export async function instantiateEngine(
  precision: Precision,
  kernels: Kernels = engineKernels(),
): Promise<EngineExports> {
  const module = await engineModule(precision, kernels);
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort() {
        throw new Error('engine aborted');
      },
    },
  });
  return instance.exports as unknown as EngineExports;
}
