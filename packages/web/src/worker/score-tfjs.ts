// What the Score page's TensorFlow.js engine needs before objectiveFor starts it: the wasm
// backend's binaries (bundled by Vite as assets, and so precached by the service worker) given
// to tfjs, and a WebGPU adapter asked for in words; and its label. Loaded by the score worker
// only when tfjs is chosen, so core-wasm scoring never downloads TensorFlow.js.

import type { EngineInfo } from '@pacgen/metrics/engine';
import { TfjsBackendError, tf } from '@pacgen/metrics/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { TfjsBackendChoice } from './protocol';

let wasmPathsSet = false;

/** Where tfjs-backend-wasm finds its binaries: this build's assets, absolute (workers). */
function bundledWasmPaths(): void {
  if (wasmPathsSet) return;
  const abs = (u: string) => new URL(u, import.meta.url).href;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': abs(wasmPlain),
    'tfjs-backend-wasm-simd.wasm': abs(wasmSimd),
    'tfjs-backend-wasm-threaded-simd.wasm': abs(wasmThreaded),
  });
  // The threaded build's pthread workers do not start from a bundled module worker: one thread
  // (SIMD where the browser has it).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasmPathsSet = true;
}

const ADAPTER_WAIT_MS = 10_000;
const OTHERS = 'choose webgl, wasm or cpu instead';

/**
 * Asks for a WebGPU adapter before tfjs does: tfjs fails on a null adapter with a TypeError, and
 * some browsers without a usable GPU take a minute to answer at all.
 */
async function checkWebgpu(): Promise<void> {
  const gpu = (globalThis.navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } })
    .gpu;
  if (!gpu) {
    throw new TfjsBackendError(
      `WebGPU is unavailable: this browser has no WebGPU (disabled or unsupported); ${OTHERS}`,
    );
  }
  const adapter = await Promise.race([
    gpu.requestAdapter(),
    new Promise((resolve) => setTimeout(() => resolve('timeout'), ADAPTER_WAIT_MS)),
  ]);
  if (adapter === 'timeout') {
    throw new TfjsBackendError(
      `WebGPU is unavailable: no WebGPU adapter answered within ${ADAPTER_WAIT_MS / 1000} s; ${OTHERS}`,
    );
  }
  if (!adapter) {
    throw new TfjsBackendError(
      `WebGPU is unavailable: the browser found no WebGPU adapter (no usable GPU or driver, or WebGPU is blocked for it); ${OTHERS}`,
    );
  }
}

/** 'tfjs · webgpu · SwiftShader …', 'tfjs · wasm · 4 threads', 'tfjs · cpu'. */
export function tfjsLabel(info: EngineInfo): string {
  const parts = ['tfjs', info.backend ?? ''];
  if (info.adapter) parts.push(info.adapter + (info.software ? ' (software renderer)' : ''));
  if (info.backend === 'wasm') parts.push(`${info.threads} thread${info.threads === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/**
 * Readies `backend` for objectiveFor: the bundled wasm binaries, or a WebGPU adapter (else a
 * TfjsBackendError, in words, e.g. no adapter).
 */
export async function prepareTfjs(backend: TfjsBackendChoice): Promise<void> {
  if (backend === 'wasm') bundledWasmPaths();
  if (backend === 'webgpu') await checkWebgpu();
}
