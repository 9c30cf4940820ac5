// The engine a score runs on, chosen through @pacgen/metrics/engine's objectiveFor (the one
// engine layer the CLI and the bench share): core-wasm (its ParallelNetwork, web workers when
// threads > 1, the same bits for any count) or TensorFlow.js, as an Objective at the model's
// parameters with the model's accuracy on the data.

import { type Dataset } from '@pacgen/metrics/data';
import { objectiveFor, type EngineObjective } from '@pacgen/metrics/engine';
import { type LoadedModel } from '@pacgen/metrics/models';
import type { ScoreJob } from './protocol';

export interface ScoreEngine {
  obj: EngineObjective;
  /** Of the model on the scored samples (a count, not part of Ψ). */
  accuracy: number;
  /** What runs it, e.g. 'core-wasm · f64' or 'tfjs · webgpu · SwiftShader'. */
  label: string;
  threads: number;
  /** Releases its workers or tensors. */
  close(): Promise<void>;
}

/** The engine the job asks for, at the model's parameters on the data. */
export async function openEngine(
  job: ScoreJob,
  model: LoadedModel,
  data: Dataset,
): Promise<ScoreEngine> {
  let label: (obj: EngineObjective) => string;
  if (job.engine === 'tfjs') {
    // Imported here so that core-wasm scoring never downloads TensorFlow.js.
    const { prepareTfjs, tfjsLabel } = await import('./score-tfjs');
    await prepareTfjs(job.backend);
    label = (obj) => tfjsLabel(obj.engine);
  } else {
    label = (obj) => {
      const t = obj.engine.threads;
      return `core-wasm · ${job.precision}${t > 1 ? ` · ${t} threads` : ''}`;
    };
  }
  const obj = await objectiveFor(
    job.engine === 'tfjs'
      ? { engine: 'tfjs', backend: job.backend }
      : { engine: 'core-wasm', precision: job.precision, threads: job.threads },
    // A batch-norm model's running statistics (graph models, ONNX): without them it scores the
    // initial state (means 0, variances 1), not the trained model.
    { spec: model.spec, params: model.params, buffers: model.buffers },
    data,
  );
  try {
    return {
      obj,
      accuracy: await obj.accuracy(),
      label: label(obj),
      threads: obj.engine.threads,
      close: async () => obj.dispose(),
    };
  } catch (e) {
    await obj.dispose();
    throw e;
  }
}
