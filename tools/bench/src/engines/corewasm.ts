// core-wasm rows: the single-threaded `Network`, and (when @pacgen/core-wasm exports it) the
// data-parallel `ParallelNetwork`.

import * as core from '@pacgen/core-wasm';
import {
  Network,
  type HvpOptions,
  type Kernels,
  type NetworkOptions,
  type NetworkSpec,
  type PassOptions,
} from '@pacgen/core-wasm';
import type { CaseData } from '../cases.js';
import type { Engine, Runner } from './engine.js';

/** The engine's single-threaded Network, f32, on the build it picks itself (fma here). */
export const coreWasm: Engine = singleThreaded('f32');

/** The same forced onto the plain SIMD build (row 'core-wasm-plain'), for the FMA build's gain. */
export const coreWasmPlain: Engine = singleThreaded('f32', 'plain');

/**
 * The same in f64, for HVP cases only (row 'core-wasm-f64'), at its own default step: the
 * precision PyHessian's double-backprop HVP is compared in (pytorch-hvp-f64).
 */
export const coreWasmF64: Engine = {
  ...singleThreaded('f64'),
  appliesTo: (bench) => bench.kind === 'hvp',
};

/** Row name of a core-wasm engine: 'core-wasm', with '-f64' and '-plain' where they apply. */
export function coreWasmName(precision: 'f32' | 'f64', kernels?: Kernels): string {
  return `core-wasm${precision === 'f64' ? '-f64' : ''}${kernels === 'plain' ? '-plain' : ''}`;
}

function singleThreaded(precision: 'f32' | 'f64', kernels?: Kernels): Engine {
  return {
    name: coreWasmName(precision, kernels),
    prepare: (data) => prepareNetwork(data, precision, kernels),
  };
}

async function prepareNetwork(
  data: CaseData,
  precision: 'f32' | 'f64',
  kernels?: Kernels,
): Promise<Runner> {
  const net = await Network.create(data.bench.spec, {
    precision,
    maxBatch: data.bench.batch,
    kernels,
  });
  net.setParams(data.params);
  net.setData(data.x, data.y);
  let seed = 0;
  // f32 uses the step every engine is given; f64 its own default (hvpStep for f64).
  const hvpOpts = { step: precision === 'f32' ? data.step : undefined };
  const hvp = data.bench.kind === 'hvp';
  return {
    threads: 1,
    step: () =>
      hvp
        ? net.hvp(data.v, hvpOpts)
        : net.gradient({ training: data.bench.trainingDropout, seed: ++seed }),
    result: () => (hvp ? net.hvp(data.v, hvpOpts) : net.gradient().grad).slice(),
    dispose: () => undefined,
  };
}

// ---- HOOK: data-parallel core-wasm (ParallelNetwork) ----
// ParallelNetwork is being written alongside this bench. Its announced API is typed here and
// looked up at run time, so the 2-thread rows appear as soon as @pacgen/core-wasm exports it,
// with no change to this package. Once it is exported, these local types can be replaced by
// the package's own.

interface ParallelNetworkLike {
  setData(x: ArrayLike<number>, y: ArrayLike<number>): Promise<void>;
  setParams(w: ArrayLike<number>): void | Promise<void>;
  gradient(opts?: PassOptions): Promise<{ grad: ArrayLike<number> } | ArrayLike<number>>;
  hvp(v: ArrayLike<number>, opts?: HvpOptions): Promise<ArrayLike<number>>;
  terminate(): void | Promise<void>;
}

interface ParallelNetworkClass {
  create(
    spec: NetworkSpec,
    options: NetworkOptions & { threads: number },
  ): Promise<ParallelNetworkLike>;
}

/** The ParallelNetwork class when @pacgen/core-wasm exports one, else undefined. */
export function parallelNetworkClass(): ParallelNetworkClass | undefined {
  const exported = (core as unknown as Record<string, unknown>)['ParallelNetwork'];
  return typeof exported === 'function' ? (exported as unknown as ParallelNetworkClass) : undefined;
}

/** core-wasm's data-parallel network with `threads` workers (requires ParallelNetwork). */
export function coreWasmParallel(threads: number, kernels?: Kernels): Engine {
  return {
    name: coreWasmName('f32', kernels),
    async prepare(data: CaseData): Promise<Runner | string> {
      const PN = parallelNetworkClass();
      if (!PN) return '@pacgen/core-wasm does not export ParallelNetwork yet';
      const net = await PN.create(data.bench.spec, {
        precision: 'f32',
        maxBatch: data.bench.batch,
        threads,
        kernels,
      });
      await net.setData(data.x, data.y);
      await net.setParams(data.params);
      let seed = 0;
      const hvpOpts = { step: data.step };
      const gradOf = (r: { grad: ArrayLike<number> } | ArrayLike<number>) =>
        'grad' in r ? r.grad : r;
      return {
        threads,
        step: () =>
          data.bench.kind === 'hvp'
            ? net.hvp(data.v, hvpOpts)
            : net.gradient({ training: data.bench.trainingDropout, seed: ++seed }),
        result: async () =>
          Float32Array.from(
            data.bench.kind === 'hvp'
              ? await net.hvp(data.v, hvpOpts)
              : gradOf(await net.gradient()),
          ),
        dispose: () => net.terminate(),
      };
    },
  };
}
