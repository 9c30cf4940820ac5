// The one engine layer: which engine computes a model's mean loss (core-wasm on 1..256 threads,
// or TensorFlow.js on one of its backends), chosen by settings rather than by an if/else in
// every caller. The CLI, the web worker and the bench all build their objectives here.
// TensorFlow.js is loaded by a dynamic import, only when it is chosen; this module is reached
// through `@pacgen/metrics/engine`, never from the root, so the root entry stays free of TF.js
// even for bundlers that follow dynamic imports (docs/architecture.md).

import {
  Network,
  ParallelNetwork,
  PacgenError,
  type NetworkSpec,
  type Samples,
} from '@pacgen/core-wasm';
import type { TfjsBackendName } from '../tfjs/backend.js';
import { checkInteger } from '../checks.js';
import type { Objective } from './objective.js';
import { parallelObjective, type DisposableObjective } from './parallel.js';
import { wrapObjective } from './wrap.js';

/** Most threads a core-wasm objective may use (each holds a full copy of the data). */
export const MAX_THREADS = 256;

export interface EngineSettings {
  engine: 'core-wasm' | 'tfjs';
  /** TF.js only: its backend (default: the active one, cpu when none is). */
  backend?: TfjsBackendName;
  /** Arithmetic: default f64 on core-wasm; TF.js computes in f32 only. */
  precision?: 'f32' | 'f64';
  /**
   * core-wasm only: threads per pass, 1..256 (default: the available cores). Results do not
   * depend on it (fixed chunks summed in order, docs/engine.md "Threads"). TF.js picks its own.
   */
  threads?: number;
  /** Samples per engine pass (core-wasm's maxBatch; TF.js's chunk); default each engine's. */
  maxBatch?: number;
}

/** A model as the engines take it: a spec, its flat parameters and its buffers. */
export interface EngineModel {
  spec: NetworkSpec;
  params: ArrayLike<number>;
  /** Batch-norm running statistics (default: the initial state, means 0 and variances 1). */
  buffers?: ArrayLike<number>;
}

/** Inputs (n × prod(inputShape), sample-major) and labels or targets, in the spec's layout. */
export interface EngineData {
  x: Float32Array | Float64Array;
  y: Int32Array | Float32Array;
}

/** What computes an objective, for logs and reports. */
export interface EngineInfo {
  name: 'core-wasm' | 'tfjs';
  /** The TF.js backend (null on core-wasm). */
  backend: TfjsBackendName | null;
  /** The WebGPU adapter (null elsewhere) and whether it is a software renderer. */
  adapter: string | null;
  software: boolean;
  precision: 'f32' | 'f64';
  /** Threads per pass (core-wasm's; 1 for TF.js unless its wasm backend says more). */
  threads: number;
  /** One line: 'core-wasm f64, 2 threads', 'tfjs wasm, 1 thread(s)', 'tfjs webgpu on …'. */
  summary: string;
}

/** An Objective on the chosen engine, what it is, and the model's accuracy on the samples. */
export interface EngineObjective extends DisposableObjective {
  readonly engine: EngineInfo;
  /**
   * Fraction of the samples classified right at the model's parameters. Cost: one forward
   * pass (on TF.js, of a core-wasm f32 network made at the first call and kept until dispose).
   */
  accuracy(): Promise<number>;
}

/**
 * The mean loss of `model` over `data` (or its `samples`) on the engine `settings` choose, as
 * an Objective at the model's parameters, in evaluation mode (dropout off, batch norm on the
 * buffers). core-wasm runs a ParallelNetwork (no workers at 1 thread), so results are
 * bit-identical for every thread count; TF.js is loaded here, on first use. Throws a
 * PacgenError for a setting that does not apply (a backend on core-wasm, f64 on TF.js, threads
 * outside 1..256). Call `dispose()` when done. Cost: copies the data into the engine (into
 * every thread on core-wasm); no gradient evaluation.
 */
export async function objectiveFor(
  settings: EngineSettings,
  model: EngineModel,
  data: EngineData,
  options: { samples?: Samples } = {},
): Promise<EngineObjective> {
  if (settings.engine === 'tfjs') return tfjsEngine(settings, model, data, options.samples);
  if (settings.engine !== 'core-wasm') {
    throw new PacgenError(`engine must be 'core-wasm' or 'tfjs', got '${String(settings.engine)}'`);
  }
  if (settings.backend !== undefined) {
    throw new PacgenError(`backend '${settings.backend}' applies to the tfjs engine only`);
  }
  if (settings.threads !== undefined) checkInteger('threads', settings.threads, 1, MAX_THREADS);
  const precision = settings.precision ?? 'f64';
  const net = await ParallelNetwork.create(model.spec, {
    precision,
    threads: settings.threads,
    maxBatch: settings.maxBatch,
  });
  try {
    net.setParams(model.params);
    if (model.buffers) await net.setBuffers(model.buffers);
    await net.setData(data.x, data.y);
  } catch (e) {
    await net.terminate();
    throw e;
  }
  const threads = net.threads;
  const w0 = Float64Array.from(model.params);
  const info: EngineInfo = {
    name: 'core-wasm',
    backend: null,
    adapter: null,
    software: false,
    precision,
    threads,
    summary: `core-wasm ${precision}, ${threads} thread${threads === 1 ? '' : 's'}`,
  };
  const accuracy = async () => {
    net.setParams(w0);
    return (await net.evaluate({ samples: options.samples })).accuracy;
  };
  return withEngine(parallelObjective(net, { samples: options.samples }), info, accuracy);
}

async function tfjsEngine(
  settings: EngineSettings,
  model: EngineModel,
  data: EngineData,
  samples: Samples | undefined,
): Promise<EngineObjective> {
  if (settings.precision === 'f64') {
    throw new PacgenError('the tfjs engine computes in f32: use precision f32 or engine core-wasm');
  }
  const { tfjsObjective } = await import('../tfjs/objective.js');
  const obj = await tfjsObjective({
    spec: model.spec,
    params: model.params,
    buffers: model.buffers,
    data,
    samples,
    backend: settings.backend,
    chunk: settings.maxBatch,
  });
  const info: EngineInfo = {
    name: 'tfjs',
    backend: obj.info.backend,
    adapter: obj.info.adapter,
    software: obj.info.software,
    precision: 'f32',
    threads: obj.info.threads,
    summary: obj.info.summary,
  };
  // One core-wasm f32 network at the model's point, made on the first call and kept until
  // dispose (it holds a copy of the data).
  let net: Promise<Network> | null = null;
  const accuracy = async () => {
    net ??= (async () => {
      const n = await Network.create(model.spec, { precision: 'f32', maxBatch: settings.maxBatch });
      n.setParams(model.params);
      if (model.buffers) n.setBuffers(model.buffers);
      n.setData(data.x, data.y);
      return n;
    })();
    return (await net).evaluate({ samples }).accuracy;
  };
  return withEngine(obj, info, accuracy, () => {
    net = null;
    obj.dispose();
  });
}

/** The objective's members (methods called on it: a TF.js objective is a class instance) with the engine's. */
function withEngine(
  obj: Objective & { dispose(): void | Promise<void> },
  engine: EngineInfo,
  accuracy: () => Promise<number>,
  dispose: () => void | Promise<void> = () => obj.dispose(),
): EngineObjective {
  return { ...wrapObjective(obj), dispose, engine, accuracy };
}
