// Scoring in the worker: read a model (TF.js model.json + shards, or safetensors + a layer-list
// JSON), check it against the data, then the PACGen report and the Hessian spectrum.

import { PacgenError, compileNetwork, type NetworkSpec } from '@pacgen/core-wasm';
import {
  healthWarning,
  pacgen,
  spectralDensity,
  summarizeReport,
  topEigenvalues,
  type DensityResult,
  type EigenResult,
  type Objective,
  type PacgenOptions,
  type PacgenReport,
} from '@pacgen/metrics';
import { type Dataset } from '@pacgen/metrics/data';
import { fromTfjs, readSafetensors, torchToModel, type LoadedModel } from '@pacgen/metrics/models';
import { onnxToModel } from '@pacgen/metrics/onnx';
import { describe, firstSamples } from './data';
import { baseName, expandArchives, manifestPaths, weightLookup } from './model-files';
import type { NamedBytes, ScoreEstimate, ScoreJob, ScoreOutcome } from './protocol';
import { openEngine, type ScoreEngine } from './score-engine';
import { eigenIterations, scoreCost, secondsPerGradient } from './score-estimate';
import type { Progress } from './toy';

function parseJson(f: NamedBytes): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(f.bytes));
  } catch (e) {
    throw new PacgenError(`${f.name}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Reads a model from the chosen files, whichever of the two formats they are, a .zip of them
 * included; a TF.js model's weight files are found as weightLookup says (renamed downloads too).
 */
export function readModel(chosen: NamedBytes[]): LoadedModel & {
  format: ScoreOutcome['format'];
  name: string;
} {
  if (chosen.length === 0) throw new PacgenError('choose a model file first');
  const files = expandArchives(chosen);
  // ONNX (PyTorch's torch.onnx.export and others): one self-contained file, batch-norm buffers included.
  const onnx = files.find((f) => /\.onnx$/i.test(f.name));
  if (onnx) {
    const m = onnxToModel(onnx.bytes, { file: onnx.name });
    return {
      spec: m.spec,
      params: m.params,
      buffers: m.buffers,
      format: 'onnx',
      name: baseName(onnx.name),
    };
  }
  const weights = files.find((f) => /\.safetensors$/i.test(f.name));
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  if (weights) {
    const arch = jsons[0];
    if (!arch) {
      throw new PacgenError(
        `${weights.name}: a safetensors file needs its layer list: also choose the architecture JSON ({ inputShape, layers })`,
      );
    }
    const { tensors } = readSafetensors(weights.bytes, weights.name);
    const m = torchToModel(parseJson(arch), tensors, weights.name, arch.name);
    return { ...m, format: 'safetensors', name: baseName(weights.name) };
  }
  if (jsons.length === 0) {
    throw new PacgenError(
      `${files.map((f) => f.name).join(', ')}: not a model: choose a TF.js model.json with its .bin weight files, a .safetensors file with its layer-list JSON, or an .onnx file`,
    );
  }
  const modelFile = jsons[0];
  const json = parseJson(modelFile);
  const lookup = weightLookup(files, manifestPaths(json));
  const m = fromTfjs(
    json,
    (path) => {
      const bytes = lookup(path);
      if (!bytes) {
        throw new PacgenError(
          `${modelFile.name} refers to the weight file '${path}', which was not among the chosen files: choose it too`,
        );
      }
      return bytes;
    },
    { file: modelFile.name },
  );
  return { ...m, format: 'tfjs', name: baseName(modelFile.name) };
}

/** Checks a model can be evaluated on a data set, in words. */
export function checkFits(spec: NetworkSpec, data: Dataset): void {
  const compiled = compileNetwork(spec);
  const need = compiled.inputShape.reduce((a, b) => a * b, 1);
  const have = data.inputShape.reduce((a, b) => a * b, 1);
  if (need !== have) {
    throw new PacgenError(
      `wrong shapes: the model takes inputs of shape [${compiled.inputShape.join(', ')}] (${need} values) but the data's samples are [${data.inputShape.join(', ')}] (${have} values)`,
    );
  }
  if (spec.loss === 'softmax-cross-entropy' && compiled.outputSize < data.numClasses) {
    throw new PacgenError(
      `wrong shapes: the model has ${compiled.outputSize} outputs but the data has ${data.numClasses} classes`,
    );
  }
}

/** Throttles progress messages and lets the event loop run between units of work. */
function throttled(progress: Progress, stage: string) {
  let last = 0;
  return (done: number, total: number) => {
    const t = performance.now();
    if (t - last > 80 || done === total) {
      last = t;
      progress(stage, done, total);
    }
  };
}

/** Reads the model, checks it against the data, scores it and summarizes the result. */
export async function runScore(
  job: ScoreJob,
  loaded: { train: Dataset; test: Dataset | null },
  progress: Progress,
  onEstimate: (e: ScoreEstimate) => void = () => {},
): Promise<ScoreOutcome | ScoreEstimate> {
  const t0 = performance.now();
  const model = readModel(job.model);
  const data = firstSamples(loaded.train, job.samples);
  checkFits(model.spec, data);
  if (data.n < 2) throw new PacgenError('scoring needs at least 2 training samples');

  progress('engine', 0, 1);
  const engine = await openEngine(job, model, data);
  progress('engine', 1, 1);
  try {
    // A quick measurement first (3 + 1 gradients), so the page can say how long the rest takes.
    progress('estimate', 0, 1);
    const perGradient = await secondsPerGradient(engine.obj);
    const cost = scoreCost(job, engine.obj.numParams);
    const estimate = {
      seconds: perGradient * cost.total,
      perGradient,
      cost,
      numParams: engine.obj.numParams,
    };
    onEstimate(estimate);
    if (job.estimateOnly) return estimate;
    const report = await pacgen(engine.obj, engine.obj.params(), pacgenOptions(job, progress));
    const { eigen, density } = await spectrum(engine.obj, job, progress);
    return outcome({ model, data, engine, report, eigen, density, t0 });
  } finally {
    await engine.close();
  }
}

/** The PACGen report's settings, as the job gives them. */
function pacgenOptions(job: ScoreJob, progress: Progress): PacgenOptions {
  return {
    gamma: job.gamma,
    epsilon: job.epsilon,
    delta: job.delta,
    seed: job.seed,
    diagonal: {
      method: job.diagonal === 'auto' ? undefined : job.diagonal,
      probes: job.probes,
    },
    rho: { probes: job.rhoProbes },
    onProgress: (stage, done, total) => progress(stage, done, total),
  };
}

/** The top eigenvalues and the spectral density, each when the job asks for it. */
async function spectrum(obj: Objective, job: ScoreJob, progress: Progress) {
  const w = obj.params();
  const eigen =
    job.eigenvalues > 0
      ? await topEigenvalues(obj, w, {
          k: Math.min(job.eigenvalues, obj.numParams),
          iterations: eigenIterations(Math.min(job.eigenvalues, obj.numParams), obj.numParams),
          tol: obj.precision === 'f32' ? 1e-3 : 1e-6,
          seed: job.seed,
          onProgress: throttled(progress, 'eigenvalues'),
        })
      : null;
  const density =
    job.densityRuns > 0
      ? await spectralDensity(obj, w, {
          runs: job.densityRuns,
          steps: Math.min(obj.numParams, job.densitySteps),
          grid: 256,
          seed: job.seed,
          onProgress: throttled(progress, 'density'),
        })
      : null;
  return { eigen, density };
}

interface Scored {
  model: ReturnType<typeof readModel>;
  data: Dataset;
  engine: ScoreEngine;
  report: PacgenReport;
  eigen: EigenResult | null;
  density: DensityResult | null;
  /** When the job started (performance.now()). */
  t0: number;
}

/** What the page shows: the library's summary of the report, and the spectrum. */
function outcome({ model, data, engine, report, eigen, density, t0 }: Scored): ScoreOutcome {
  const sigma = Float64Array.from(report.sigmaStar).sort();
  return {
    modelName: model.name,
    format: model.format,
    layers: model.spec.layers.map((l) => l.name ?? l.type),
    data: describe(data, null),
    report: summarizeReport(report, engine.obj.tensors),
    accuracy: engine.accuracy,
    sigmaStarMedian: sigma[sigma.length >> 1],
    eigen: eigen && {
      values: eigen.values,
      residuals: eigen.residuals,
      converged: eigen.converged,
      cost: eigen.cost,
    },
    density: density && {
      grid: density.grid,
      density: density.density,
      sigma: density.sigma,
      moments: density.moments,
      cost: density.cost,
    },
    threads: engine.threads,
    engine: engine.label,
    seconds: (performance.now() - t0) / 1000,
    kinkNotes: kinkNotes(report, eigen, density),
  };
}

/** One line per estimate whose products crossed ReLU/max-pool kinks (the library's words). */
function kinkNotes(
  report: PacgenReport,
  eigen: EigenResult | null,
  density: DensityResult | null,
): ScoreOutcome['kinkNotes'] {
  return [
    healthWarning('Hessian diagonal', report.diagonal.health),
    report.rho.health && healthWarning('ρ estimate', report.rho.health),
    eigen && healthWarning('eigenvalues', eigen.health),
    density && healthWarning('density', density.health),
  ].filter((n) => n !== null);
}
