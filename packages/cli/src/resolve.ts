// Data sets and models named on the command line: built-in names and presets, or files, with
// errors that say which file is missing and what forms are accepted.

import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  PacgenError,
  compileNetwork,
  type Loss,
  type NetworkSpec,
  type Precision,
} from '@pacgen/core-wasm';
import {
  cifarLike,
  subsetSamples,
  testSplitNormalization,
  toyGaussianMixture,
  type Dataset,
  type Normalization,
  type SubsetMode,
} from '@pacgen/metrics/data';
import { PRESET_NAMES, presetByName } from '@pacgen/metrics/models';
import { type OnnxTensorMapping } from '@pacgen/metrics/onnx';
import {
  fileKind,
  loadCifar10,
  loadCifar100,
  loadIdxDataset,
  loadMnist,
  loadTfjsModel,
  loadOnnxModel,
  loadTorchModel,
} from '@pacgen/metrics/node';
import { CliError, UsageError } from './errors.js';

/** A resolved data set: training samples, and test samples when the source has them. */
export interface ResolvedData {
  /** The name as given (e.g. 'mnist', 'cifar10:./data'). */
  source: string;
  train: Dataset;
  test?: Dataset;
}

export interface DataOptions {
  /** Keep a subset of this many training samples. */
  trainSize?: number;
  /** Keep a subset of this many test samples (0: no test set). */
  testSize?: number;
  /**
   * Then keep this many of the training samples (all when there are fewer), chosen the same
   * way: the samples a model is scored on. Only these are read into memory.
   */
  samples?: number;
  /** The first samples of each split, or seeded random subsets (default 'random'). */
  subsetMode?: SubsetMode;
  /** Seed of the subsets and of synthetic data (default 0). */
  seed?: number;
  /**
   * Pixel normalisation of image data (default 'none'); 'standard' uses the training split's
   * channel statistics for both splits.
   */
  normalization?: Normalization;
  /** Type of the inputs (default 'f32'): 'f64' reads them exactly for an f64 engine. */
  precision?: Precision;
}

/** The accepted forms of `--data`, for help text and errors. */
export const DATA_FORMS = [
  'mnist',
  'fashion:DIR',
  'idx:IMAGES,LABELS[,TEST_IMAGES,TEST_LABELS]',
  'cifar10:DIR',
  'cifar100:DIR',
  'synthetic-cifar',
  'toy',
];

const DATA_HINT = `--data takes one of: ${DATA_FORMS.join(', ')}`;

/** Synthetic sets' default sizes when no subset size is given. */
const SYNTHETIC_DEFAULTS = { 'synthetic-cifar': [1000, 500], toy: [100, 1000] } as const;

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * Fails with exit 1 when `p` is not an existing regular file (or folder, with `dir`), saying
 * what it is instead: a FIFO or a device would block a read or never end.
 */
async function requirePath(p: string, what: string, dir = false): Promise<void> {
  if (dir ? await isDir(p) : await isFile(p)) return;
  const found = await stat(p).catch(() => null);
  throw new CliError(
    found
      ? `${p}: the ${what} is not a ${dir ? 'folder' : 'regular file'} (${found.isFile() ? 'a file' : fileKind(found)})`
      : `${p}: the ${what} does not exist`,
    { hint: 'check the path' },
  );
}

/** The part after `prefix:`, required non-empty. */
function argOf(spec: string, prefix: string): string {
  const rest = spec.slice(prefix.length + 1);
  if (rest.length === 0) {
    throw new UsageError(`--data ${spec}: a path is missing after '${prefix}:'`, DATA_HINT);
  }
  return rest;
}

/** `--test-size 0` drops the test set (the loaders subset it otherwise). */
function keepTest(test: Dataset | undefined, size: number | undefined): Dataset | undefined {
  return size === 0 ? undefined : test;
}

/** The data flags of the training experiments (`sweep`, `compare`). */
export interface ExperimentDataArgs {
  data: string;
  normalize: 'none' | 'standard';
  'train-size': number;
  'test-size': number;
  seed: number;
}

/**
 * The training and test subsets of an experiment's --data; a set without a test split is a
 * failure naming `purpose` (what the test set is needed for).
 */
export async function resolveExperimentData(
  argv: ExperimentDataArgs,
  purpose: string,
): Promise<ResolvedData & { test: Dataset }> {
  const data = await resolveData(argv.data, {
    trainSize: argv['train-size'],
    testSize: argv['test-size'],
    seed: argv.seed,
    normalization: argv.normalize,
  });
  if (!data.test) throw new CliError(`data ${argv.data} has no test set: ${purpose}`);
  return { ...data, test: data.test };
}

/**
 * Loads the data set named by `spec` (see DATA_FORMS). File problems are failures (exit 1);
 * an unknown name is a usage error (exit 2).
 */
export async function resolveData(spec: string, options: DataOptions = {}): Promise<ResolvedData> {
  const { seed = 0, normalization, subsetMode, precision } = options;
  const testSubset = options.testSize === 0 ? undefined : options.testSize;
  const subset = { train: options.trainSize, test: testSubset };
  const sample = { train: options.samples };
  const read = { subset, sample, subsetMode, seed, normalization, precision };
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);

  switch (kind) {
    case 'mnist':
    case 'fashion': {
      let dir: string | undefined;
      if (kind === 'fashion' || colon >= 0) {
        dir = argOf(spec, kind);
        await requirePath(dir, 'MNIST-format data folder', true);
      }
      const d = await loadMnist({ dir, ...read });
      return { source: spec, train: d.train, test: keepTest(d.test, options.testSize) };
    }
    case 'idx': {
      const paths = argOf(spec, 'idx').split(',');
      if (paths.length !== 2 && paths.length !== 4) {
        throw new UsageError(
          `--data ${spec}: give IMAGES,LABELS or IMAGES,LABELS,TEST_IMAGES,TEST_LABELS`,
          DATA_HINT,
        );
      }
      for (const p of paths) await requirePath(p, 'IDX file');
      const common = { subsetMode, seed, precision };
      const train = await loadIdxDataset(paths[0], paths[1], {
        ...common,
        name: 'idx-train',
        subset: options.trainSize,
        sample: options.samples,
        normalization,
      });
      const test =
        paths.length === 4 && options.testSize !== 0
          ? await loadIdxDataset(paths[2], paths[3], {
              ...common,
              name: 'idx-test',
              numClasses: train.numClasses,
              subset: testSubset,
              normalization: testSplitNormalization(normalization, train),
            })
          : undefined;
      return { source: spec, train, test };
    }
    case 'cifar10':
    case 'cifar100': {
      const dir = argOf(spec, kind);
      await requirePath(dir, `${kind} data folder`, true);
      const load = kind === 'cifar10' ? loadCifar10 : loadCifar100;
      const d = await load(dir, read);
      return { source: spec, train: d.train, test: keepTest(d.test, options.testSize) };
    }
    case 'synthetic-cifar':
    case 'toy': {
      if (colon >= 0)
        throw new UsageError(`--data ${spec}: '${kind}' takes no argument`, DATA_HINT);
      const [dTrain, dTest] = SYNTHETIC_DEFAULTS[kind];
      const sizes = {
        train: options.trainSize ?? dTrain,
        test: options.testSize === 0 ? 1 : (options.testSize ?? dTest),
        seed,
      };
      const d = kind === 'toy' ? toyGaussianMixture(sizes) : cifarLike(sizes);
      const train = subsetSamples(d.train, options.samples, { mode: subsetMode, seed });
      return { source: spec, train, test: options.testSize === 0 ? undefined : d.test };
    }
    default:
      if (colon < 0 && (await isDir(spec))) {
        // A bare folder: MNIST-format IDX files (e.g. Fashion-MNIST).
        const d = await loadMnist({ dir: spec, ...read });
        return { source: spec, train: d.train, test: keepTest(d.test, options.testSize) };
      }
      throw new UsageError(`unknown data set '${spec}'`, DATA_HINT);
  }
}

/** A resolved model: its network spec and, for a file, its trained parameters. */
export interface ResolvedModel {
  source: string;
  kind: 'preset' | 'tfjs' | 'torch' | 'onnx';
  spec: NetworkSpec;
  /** Trained parameters (files); null for a preset (initialise with a seed). */
  params: Float64Array | null;
  /** Batch-norm running statistics read from the file (absent: none, or the initial state). */
  buffers?: Float64Array;
  /** An ONNX file's initializers: where each parameter tensor came from (for --export). */
  onnx?: OnnxTensorMapping[];
}

export interface ModelOptions {
  /** The data the model will see: sets a preset's input shape and number of classes. */
  data?: { inputShape: number[]; numClasses: number };
  /** The layer-list JSON of a safetensors model (default: beside it, .json). */
  arch?: string;
  /** Loss of a TF.js model without pacgen metadata (default: from its last activation). */
  loss?: Loss;
}

const MODEL_HINT = `give a preset (${PRESET_NAMES.join(', ')}; mlp:W1,W2 sets hidden widths, mnist-cnn:dropout=R the dropout rate) or the path of a TF.js model.json (or its folder), a .safetensors file or an ONNX .onnx file`;

/**
 * A model by preset name or file: `mlp`, `mlp:256,128`, `mnist-cnn`, `mnist-cnn:dropout=0`,
 * `cifar-cnn`, `toy`, the batch-norm graphs `resnet20`, `resnet-mnist`, `wrn-16-4`, `vgg-bn`, a
 * TF.js model.json or its folder, or a PyTorch .safetensors file with its layer-list JSON.
 */
export async function resolveModel(
  spec: string,
  options: ModelOptions = {},
): Promise<ResolvedModel> {
  const [name, arg] = spec.split(/:(.*)/s, 2);
  if ((PRESET_NAMES as string[]).includes(name) && !(await isFile(spec)) && !(await isDir(spec))) {
    return {
      source: spec,
      kind: 'preset',
      spec: presetSpec(name, arg, options.data),
      params: null,
    };
  }
  if (await isDir(spec)) {
    const json = join(spec, 'model.json');
    await requirePath(json, 'TF.js model.json');
    return loadTfjs(json, options);
  }
  if (!(await isFile(spec))) {
    const found = await stat(spec).catch(() => null);
    if (found) {
      throw new CliError(`${spec}: the model is not a regular file (${fileKind(found)})`, {
        hint: MODEL_HINT,
      });
    }
    const looksLikePath = /[/\\.]/.test(spec);
    if (looksLikePath) {
      throw new CliError(`${spec}: the model file does not exist`, { hint: MODEL_HINT });
    }
    throw new UsageError(`unknown model '${spec}'`, MODEL_HINT);
  }
  const ext = extname(spec).toLowerCase();
  if (ext === '.safetensors') {
    const arch = options.arch ?? spec.replace(/\.safetensors$/i, '.json');
    await requirePath(arch, 'layer-list JSON of the safetensors model (pass --arch)');
    const m = await loadTorchModel(spec, arch);
    return { source: spec, kind: 'torch', spec: m.spec, params: m.params, buffers: m.buffers };
  }
  if (ext === '.json') return loadTfjs(spec, options);
  if (ext === '.onnx') {
    const m = await loadOnnxModel(spec, { loss: options.loss });
    return { source: spec, kind: 'onnx', ...m, onnx: m.onnx.mappings };
  }
  throw new CliError(`${spec}: not a model file (expected model.json, .safetensors or .onnx)`, {
    hint: MODEL_HINT,
  });
}

async function loadTfjs(file: string, options: ModelOptions): Promise<ResolvedModel> {
  const m = await loadTfjsModel(file, { loss: options.loss });
  return { source: file, kind: 'tfjs', spec: m.spec, params: m.params, buffers: m.buffers };
}

function presetSpec(
  name: string,
  arg: string | undefined,
  data: ModelOptions['data'],
): NetworkSpec {
  const numClasses = data?.numClasses;
  switch (name) {
    case 'mlp': {
      let hidden: number[] | undefined;
      if (arg !== undefined) {
        hidden = arg.split(',').map(Number);
        if (arg === '' || hidden.some((h) => !Number.isInteger(h) || h < 1)) {
          throw new UsageError(
            `model ${name}:${arg}: hidden widths must be positive integers, e.g. mlp:128,64`,
          );
        }
      }
      return presetByName('mlp', {
        inputShape: data?.inputShape,
        hidden,
        numClasses,
      });
    }
    case 'mnist-cnn':
    case 'cifar-cnn':
      return presetByName(name, {
        ...(numClasses ? { numClasses } : {}),
        ...(arg === undefined ? {} : { dropout: dropoutArg(name, arg) }),
      });
    case 'toy':
    case 'resnet20':
    case 'resnet-mnist':
    case 'wrn-16-4':
    case 'vgg-bn':
      if (arg !== undefined) throw new UsageError(`model ${name} takes no ':' argument`);
      return presetByName(name, name === 'toy' || !numClasses ? {} : { numClasses });
    default:
      throw new UsageError(`unknown model '${name}'`, MODEL_HINT);
  }
}

/** The `dropout=R` argument of a CNN preset (`mnist-cnn:dropout=0`), 0 ≤ R < 1. */
function dropoutArg(name: string, arg: string): number {
  const m = /^dropout=(.+)$/.exec(arg);
  const rate = m ? Number(m[1]) : NaN;
  if (!m || !Number.isFinite(rate) || rate < 0 || rate >= 1) {
    throw new UsageError(
      `model ${name}:${arg}: the only argument is dropout=R with 0 ≤ R < 1, e.g. ${name}:dropout=0`,
    );
  }
  return rate;
}

/**
 * Checks that `model` accepts `data` (input size, label kind and range) with a message naming
 * both, instead of the engine's lower-level error at setData.
 */
export function checkCompatible(
  model: { spec: NetworkSpec; source: string },
  data: { train: Dataset; source: string },
): void {
  let c;
  try {
    c = compileNetwork(model.spec);
  } catch (e) {
    if (e instanceof PacgenError) throw new CliError(`${model.source}: ${e.message}`);
    throw e;
  }
  const d = data.train;
  const size = d.inputShape.reduce((a, b) => a * b, 1);
  if (c.inputSize !== size) {
    throw new CliError(
      `model ${model.source} takes inputs [${c.inputShape.join(', ')}] but data ${data.source} has [${d.inputShape.join(', ')}]`,
      { hint: 'pick a model made for this data (see --help)' },
    );
  }
  const labels = d.y instanceof Int32Array;
  if (labels !== c.targetIsLabel) {
    throw new CliError(
      `model ${model.source} (loss ${c.loss}) needs ${c.targetIsLabel ? 'class labels' : 'real targets'} but data ${data.source} has ${labels ? 'class labels' : 'real targets'}`,
      { hint: 'pick a model made for this data (see --help)' },
    );
  }
  if (labels && d.numClasses > c.outputSize) {
    throw new CliError(
      `model ${model.source} has ${c.outputSize} outputs but data ${data.source} has ${d.numClasses} classes`,
      { hint: 'pick a model made for this data (see --help)' },
    );
  }
  if (!labels && c.targetSize * d.n !== d.y.length) {
    throw new CliError(
      `model ${model.source} predicts ${c.targetSize} targets per sample but data ${data.source} has ${d.y.length / d.n}`,
    );
  }
}
