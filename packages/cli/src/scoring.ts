// Scoring a model with PACGen from the command line: a fixed, seeded subset of training samples
// on an engine of the chosen precision, the estimators' progress on stderr, and the report as
// a JSON document without its per-parameter arrays.

import { availableParallelism } from 'node:os';
import { Network, PacgenError, type NetworkSpec, type Precision } from '@pacgen/core-wasm';
import {
  BAD_NORMALIZATION,
  NON_FINITE,
  pacgen,
  summarizeReport,
  wrapObjective,
  type Objective,
  type PacgenOptions,
  type PacgenReport,
  type ReportSummary,
} from '@pacgen/metrics';
import {
  describeSelection,
  type Dataset,
  type SampleSelection,
  type SubsetMode,
} from '@pacgen/metrics/data';
import { MAX_THREADS, objectiveFor, type EngineSettings } from '@pacgen/metrics/engine';
import type { TfjsBackendName } from '@pacgen/metrics/tfjs';
import type { Context } from './context.js';
import { asUsage, CliError, UsageError } from './errors.js';
import { int } from './format.js';
import { breathe } from './interrupt.js';
import { SILENT_BAR } from './progress.js';
import {
  checkCompatible,
  resolveData,
  resolveModel,
  type ResolvedData,
  type ResolvedModel,
} from './resolve.js';
import {
  describeNormalization,
  modelNormalization,
  splitSize,
  type InputNormalization,
} from './run-normalization.js';
import { readRunLog } from './run-record.js';
import { describeTrainingSet, trainingSet } from './training-set.js';

/** The flags of the commands that evaluate a trained model on training samples. */
export interface ModelInputArgs {
  model: string;
  /** Unset: the model's run.json, else mnist. */
  data?: string;
  'train-size'?: number;
  subset?: SubsetMode;
  normalize?: 'none' | 'standard';
  arch?: string;
  samples?: number;
  seed: number;
}

/** Which samples a model was evaluated on and how they were standardised (JSON and logs). */
export interface InputsReport {
  /** e.g. "random 1,000 (seed 0) of 60,000 training samples of mnist". */
  samples: string;
  selection: SampleSelection | null;
  normalization: {
    method: 'none' | 'standard';
    mean: number[] | null;
    std: number[] | null;
    /** The run.json the values were read from, or null. */
    file: string | null;
    /** One line, as logged. */
    summary: string;
  };
}

/** The report of the inputs `data` holds, standardised as `norm` says. */
function inputsReport(data: ResolvedData, norm: InputNormalization): InputsReport {
  const d = data.train;
  const which = d.selection ? describeSelection(d.selection) : `all ${d.n.toLocaleString('en-US')}`;
  return {
    samples: `${which} training samples of ${data.source}`,
    selection: d.selection ?? null,
    normalization: {
      method: norm.method,
      mean: d.normalization?.mean ?? null,
      std: d.normalization?.std ?? null,
      file: norm.file,
      summary: describeNormalization(norm, data),
    },
  };
}

/**
 * Loads the model's training samples the loss is taken over (--samples of its training set,
 * chosen by --subset, in the engine's `precision` so f64 inputs are exact; only those are read
 * into memory), standardised as the model was trained; loads the model, checks they fit, warns
 * when it is an untrained preset or --samples exceeds the training set, and logs which samples
 * and which normalization were used. The training set and its normalization are the run's
 * (run.json beside the model) when there is one, else the flags'. `trainSamples` is the n of
 * the bound: the run's training set, else --train-size, else the whole training split (with a
 * warning that it is assumed).
 */
export async function loadModelInputs(
  argv: ModelInputArgs,
  ctx: Context,
  precision: Precision,
): Promise<{
  data: ResolvedData;
  model: ResolvedModel;
  subset: Dataset;
  inputs: InputsReport;
  trainSamples: number;
}> {
  const run = await readRunLog(argv.model, ctx);
  const set = trainingSet(argv, run);
  const norm = await modelNormalization(argv.model, argv.normalize, ctx, run);
  let data: ResolvedData;
  try {
    data = await resolveData(set.data, {
      trainSize: set.trainSize,
      testSize: 0,
      samples: argv.samples,
      subsetMode: set.subset,
      seed: set.seed,
      normalization: norm.normalization,
      precision,
    });
  } catch (e) {
    // Stored values with another channel count than --data's images.
    if (norm.file && e instanceof PacgenError && e.code === BAD_NORMALIZATION) {
      throw new CliError(`${norm.file} does not fit --data ${set.data}: ${e.message}`);
    }
    throw e;
  }
  const model = await resolveModel(argv.model, { data: data.train, arch: argv.arch });
  checkCompatible(model, data);
  if (!model.params) {
    ctx.warn(`${argv.model} is a preset: its untrained initialisation (seed ${argv.seed})`);
  }
  const split = data.train.selection ? splitSize(data.train.selection) : data.train.n;
  const available = set.trainSize ?? split;
  if (argv.samples !== undefined && argv.samples > available) {
    ctx.warn(
      `--samples ${int(argv.samples)} exceeds the ${int(available)} training samples: all ${int(available)} are used`,
    );
  }
  const trainSamples = set.n ?? split;
  if (set.n === null) {
    ctx.warn(
      `no run.json beside ${argv.model} and no --train-size: the bound takes n = ${int(trainSamples)}, the whole training split of ${set.data}; give --train-size if it was trained on fewer`,
    );
  }
  const inputs = inputsReport(data, norm);
  ctx.log(`training set: ${describeTrainingSet({ ...set, n: trainSamples })}`);
  ctx.log(`samples: ${inputs.samples}`);
  ctx.log(`normalization: ${inputs.normalization.summary}`);
  return { data, model, subset: data.train, inputs, trainSamples };
}

/** The arithmetic `args` select: --precision, else f64 on core-wasm and f32 on tfjs. */
export function enginePrecision(args: Pick<EngineArgs, 'engine' | 'precision'>): Precision {
  return args.precision ?? (args.engine === 'tfjs' ? 'f32' : 'f64');
}

/** Wraps an objective so each evaluation first lets the event loop run (Ctrl-C, redraws). */
export function responsive(obj: Objective): Objective {
  return wrapObjective(obj, async (_, call) => (await breathe(), call()));
}

/** The engine flags of `score`, `spectrum` and `landscape` (see engineOptions). */
export interface EngineArgs {
  engine: 'core-wasm' | 'tfjs';
  backend?: 'auto' | 'cpu' | 'wasm' | 'webgpu';
  precision?: Precision;
  /** core-wasm's threads (unset: all cores, at most 256). */
  threads?: number;
  seed: number;
}

/** What computed the loss, for the log line and the JSON document. */
export interface EngineReport {
  name: 'core-wasm' | 'tfjs';
  /** The tfjs backend (null on core-wasm). */
  backend: string | null;
  /** The WebGPU adapter (null elsewhere). */
  adapter: string | null;
  precision: Precision;
  /** Threads per pass (results on core-wasm are the same for any count). */
  threads: number;
  /** One line: 'core-wasm f64, 2 threads', 'tfjs webgpu on NVIDIA …', 'tfjs wasm, 1 thread(s)'. */
  summary: string;
}

/** An objective to score on, what computes it, and how to release it. */
export interface ScoringSetup {
  obj: Objective;
  engine: EngineReport;
  dispose(): Promise<void>;
}

/** The default of --threads: every core this process may use (os.availableParallelism), ≤ 256. */
export function defaultThreads(): number {
  return Math.min(MAX_THREADS, availableParallelism());
}

/** The TF.js backend of `--backend` (auto: webgpu on a hardware adapter, else wasm, logged). */
async function tfjsBackend(args: EngineArgs, ctx: Context): Promise<TfjsBackendName> {
  const backend = args.backend ?? 'auto';
  if (backend !== 'auto') return backend;
  const { useBackend } = await import('@pacgen/metrics/tfjs');
  try {
    const gpu = await useBackend('webgpu');
    if (!gpu.software) return 'webgpu';
    ctx.log(`webgpu adapter ${gpu.adapter} is a software renderer: using wasm`);
  } catch (e) {
    ctx.debug(`webgpu not used: ${(e as Error).message}`);
  }
  return 'wasm';
}

/**
 * The objective of the model's mean loss over `data` on the chosen engine (objectiveFor, the
 * library's one engine layer), at `params` (or the seeded initialisation of core-wasm, so both
 * engines start from the same weights). core-wasm runs on --threads (default all cores) with
 * results bit-identical for any count; tfjs is loaded only with `--engine tfjs`.
 */
export async function scoringSetup(
  spec: NetworkSpec,
  params: ArrayLike<number> | null,
  data: Dataset,
  args: EngineArgs,
  ctx: Context,
  buffers?: ArrayLike<number>,
): Promise<ScoringSetup> {
  const tfjs = args.engine === 'tfjs';
  if (!tfjs && args.backend !== undefined) {
    throw new UsageError(`--backend ${args.backend} applies to --engine tfjs only`);
  }
  if (tfjs && args.threads !== undefined) {
    throw new UsageError('--threads applies to --engine core-wasm only (TF.js picks its own)');
  }
  if (tfjs && args.precision === 'f64') {
    throw new UsageError('--engine tfjs computes in f32: drop --precision f64');
  }
  const precision = enginePrecision(args);
  // An untrained preset: core-wasm's seeded initialisation in the engine's precision.
  const w = params ?? (await Network.create(spec, { precision })).initParams(args.seed);
  const settings: EngineSettings = tfjs
    ? { engine: 'tfjs', backend: await tfjsBackend(args, ctx) }
    : { engine: 'core-wasm', precision, threads: args.threads ?? defaultThreads(), maxBatch: 256 };
  const hint = 'choose another --backend (cpu, wasm, webgpu) or --engine core-wasm';
  try {
    const obj = await objectiveFor(settings, { spec, params: w, buffers }, data);
    const { name, backend, adapter, threads, summary } = obj.engine;
    return {
      obj: responsive(obj),
      engine: { name, backend, adapter, precision: obj.engine.precision, threads, summary },
      dispose: async () => obj.dispose(),
    };
  } catch (e) {
    if (tfjs && e instanceof PacgenError) throw new CliError(e.message, { hint, cause: e });
    throw e;
  }
}

const STAGE_LABEL = {
  diagonal: 'Hessian diagonal',
  rho: 'ρ estimate',
  'monte-carlo': 'Monte Carlo',
};

/** Rethrows a non-finite loss or curvature as a failure of the model, anything else as it is. */
function nonFiniteFailure(e: unknown): never {
  if (e instanceof PacgenError && e.code === NON_FINITE) {
    throw new CliError(e.message, { hint: 'the model diverged or does not fit this data' });
  }
  throw e;
}

/**
 * Runs `pacgen` with progress bars per stage. Invalid estimator settings are usage errors
 * (the library checks them before spending a gradient); a non-finite loss is a failure.
 */
export async function runPacgen(
  obj: Objective,
  options: PacgenOptions,
  ctx: Context,
): Promise<PacgenReport> {
  let stage = '';
  let bar = SILENT_BAR;
  const onProgress: PacgenOptions['onProgress'] = (s, done, total) => {
    if (s !== stage) {
      bar.stop();
      stage = s;
      bar = ctx.progress.bar(STAGE_LABEL[s], total, s === 'monte-carlo' ? 'evals' : 'HVPs');
    }
    bar.update(done, total);
  };
  try {
    return await asUsage(() =>
      pacgen(obj, obj.params(), { ...options, onProgress }).catch(nonFiniteFailure),
    );
  } finally {
    bar.stop();
  }
}

/** The caution printed and stored with every bound on a cross-entropy-like loss. */
export const BOUND_CAUTION =
  'the bound assumes a loss in [0, 1]: for cross-entropy it is a score on the loss scale, not a guarantee';

/** What `pacgen score --json` prints (and `demo` stores per model). */
export type ScoreDocument = ReportSummary & { bound: ReportSummary['bound'] & { caution: string } };

/**
 * The report as one JSON-ready document: the library's summary of it (Ψ and Ψ*, their
 * ingredients, σ* statistics, the diagonal's method and summary, per-layer rows and the cost)
 * with the bound's caution. The per-parameter arrays (h, σ*) are left out; `--export` writes them.
 */
export function scoreDocument(r: PacgenReport, tensors: Objective['tensors']): ScoreDocument {
  const summary = summarizeReport(r, tensors);
  return { ...summary, bound: { ...summary.bound, caution: BOUND_CAUTION } };
}
