// The engine a score runs on: core-wasm (one Network, or a ParallelNetwork of web workers) or
// TensorFlow.js, as an Objective at the model's parameters with the model's accuracy on the data.

import { Network, ParallelNetwork, type Precision } from '@pacgen/core-wasm';
import { networkObjective, parallelObjective, type Objective } from '@pacgen/metrics';
import { type Dataset } from '@pacgen/metrics/data';
import { type LoadedModel } from '@pacgen/metrics/models';
import type { ScoreJob } from './protocol';

export interface ScoreEngine {
  obj: Objective;
  /** Of the model on the scored samples (a count, not part of Ψ). */
  accuracy: number;
  /** What runs it, e.g. 'core-wasm · f64' or 'tfjs · webgpu · SwiftShader'. */
  label: string;
  threads: number;
  /** Releases its workers or tensors. */
  close(): Promise<void>;
}

/** The engine the job asks for, at the model's parameters on the data. */
export function openEngine(job: ScoreJob, model: LoadedModel, data: Dataset): Promise<ScoreEngine> {
  if (job.engine === 'tfjs') return tfjsEngine(job, model, data);
  return job.threads > 1 ? parallelEngine(job, model, data) : networkEngine(job, model, data);
}

/** A core-wasm Network at the model's parameters on the data. */
async function networkOn(model: LoadedModel, data: Dataset, precision: Precision) {
  const net = await Network.create(model.spec, { precision });
  net.setParams(model.params);
  // A batch-norm model's running statistics (graph models, ONNX): without them it scores the
  // initial state (means 0, variances 1), not the trained model.
  if (model.buffers) net.setBuffers(model.buffers);
  net.setData(data.x, data.y);
  return net;
}

async function networkEngine(job: ScoreJob, model: LoadedModel, data: Dataset) {
  const net = await networkOn(model, data, job.precision);
  const accuracy = net.evaluate().accuracy;
  return {
    obj: networkObjective(net),
    accuracy,
    label: `core-wasm · ${job.precision}`,
    threads: 1,
    close: async () => {},
  };
}

async function parallelEngine(job: ScoreJob, model: LoadedModel, data: Dataset) {
  const parallel = await ParallelNetwork.create(model.spec, {
    precision: job.precision,
    threads: job.threads,
  });
  parallel.setParams(model.params);
  if (model.buffers) await parallel.setBuffers(model.buffers);
  await parallel.setData(data.x, data.y);
  const accuracy = (await parallel.evaluate()).accuracy;
  return {
    obj: parallelObjective(parallel),
    accuracy,
    label: `core-wasm · ${job.precision} · ${parallel.threads} threads`,
    threads: parallel.threads,
    close: () => parallel.terminate(),
  };
}

async function tfjsEngine(job: ScoreJob, model: LoadedModel, data: Dataset) {
  // Imported here so that core-wasm scoring never downloads TensorFlow.js.
  const { tfjsScoreObjective } = await import('./score-tfjs');
  const t = await tfjsScoreObjective(model, data, job.backend);
  // The accuracy from one core-wasm f32 pass.
  const net = await networkOn(model, data, 'f32');
  return {
    obj: t.obj,
    accuracy: net.evaluate().accuracy,
    label: t.label,
    threads: 1,
    close: async () => t.obj.dispose(),
  };
}
