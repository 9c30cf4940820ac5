// Loads and compiles the WebAssembly engine once per precision, in Node and in browsers.

import { loadEngineBytes } from '#platform';

export type Precision = 'f32' | 'f64';

/** A diagonal-curvature pass: (params, out, idx, start, count, scale) pointers and sizes. */
export type DiagonalPass = (
  params: number,
  out: number,
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
  hvp(
    params: number,
    v: number,
    t: number,
    out: number,
    richardson: number,
    idx: number,
    start: number,
    count: number,
    scale: number,
  ): void;
  infer(params: number, x: number, count: number, out: number): void;
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
}

const cache = new Map<Precision, Promise<WebAssembly.Module>>();

/** URL of the compiled engine for a precision (works from src/ and dist/). */
export function engineUrl(precision: Precision): URL {
  return new URL(`../build/engine-${precision}.wasm`, import.meta.url);
}

async function compile(precision: Precision): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await loadEngineBytes(engineUrl(precision)));
}

/** The compiled module for a precision (compiled on first use, then shared). */
export function engineModule(precision: Precision): Promise<WebAssembly.Module> {
  if (precision !== 'f32' && precision !== 'f64') {
    throw new Error(`precision must be 'f32' or 'f64', got '${String(precision)}'`);
  }
  let m = cache.get(precision);
  if (!m) {
    m = compile(precision);
    cache.set(precision, m);
  }
  return m;
}

/** A fresh instance (own memory) of the engine. */
export async function instantiateEngine(precision: Precision): Promise<EngineExports> {
  const module = await engineModule(precision);
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort() {
        throw new Error('engine aborted');
      },
    },
  });
  return instance.exports as unknown as EngineExports;
}
