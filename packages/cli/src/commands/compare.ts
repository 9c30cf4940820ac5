// `pacgen compare`: the perturbed-optimization comparison of METHOD.md §5 — the plain optimizer,
// dropout, SAM, ASAM and perturbedOPT (secant and probe curvature) trained on the same data and
// budget over several seeds; test loss and accuracy with their spread, the difference to the
// plain optimizer, perturbedOPT's σ over training and Ψ of each final model. One command
// regenerates the whole folder (written atomically).

import { resolve } from 'node:path';
import {
  COMPARE_METHODS,
  DEFAULT_PERTURBED_COMPARE,
  compareRunName,
  compareTraining,
  presetByName,
  type CompareMethod,
  type CompareResult,
  type PsiSchedule,
} from '@pacgen/metrics';
import type { NetworkSpec } from '@pacgen/core-wasm';
import type { Argv, CommandModule } from 'yargs';
import {
  COMPARE_COLUMNS,
  compareCurvesCsv,
  compareFigures,
  compareFindings,
  compareMarkdown,
  compareRows,
  compareRunsCsv,
  runRow,
  sigmaRows,
} from '../compare-report.js';
import { createContext, type GlobalArgs } from '../context.js';
import { UsageError } from '../errors.js';
import { duration, fmt, int, pct, table } from '../format.js';
import { breathe } from '../interrupt.js';
import { intArg, listArg, numArg, figureOptions } from '../options.js';
import { checkOutputTarget, toJsonText, withStagedDir, writeFiles } from '../output.js';
import { figureFiles } from '../plot/index.js';
import { DATA_FORMS, checkCompatible, resolveExperimentData, resolveModel } from '../resolve.js';

interface CompareArgs extends GlobalArgs {
  data: string;
  normalize: 'none' | 'standard';
  model: string;
  methods: CompareMethod[];
  inner: 'adam' | 'sgd';
  lr: number;
  'batch-size': number;
  epochs: number;
  seeds: number[];
  'train-subset': number;
  'test-subset': number;
  dropout: number;
  'sam-rho': number;
  'asam-rho': number;
  scale: number;
  gamma: number;
  epsilon: number;
  warmup: number;
  'probe-every': number;
  'probe-count': number;
  'psi-samples': number;
  probes: number;
  'rho-probes': number;
  'psi-every'?: PsiSchedule;
  seed: number;
  precision: 'f32' | 'f64';
  out: string;
  force: boolean;
  png: boolean;
  'png-width': number;
}

/** The presets the comparison can build with and without dropout. */
const COMPARE_MODELS = ['mnist-cnn', 'cifar-cnn', 'mlp'] as const;
const MODEL_HINT =
  'give mnist-cnn, cifar-cnn or mlp[:W1,W2]: the comparison builds the dropout-free network and its --dropout variant from the preset';

const methodItem = (s: string): CompareMethod => {
  if (!(COMPARE_METHODS as readonly string[]).includes(s)) {
    throw new UsageError(`--methods: unknown method '${s}' (valid: ${COMPARE_METHODS.join(', ')})`);
  }
  return s as CompareMethod;
};

/** The preset name and its ':' argument, checked to be one the comparison can vary. */
function comparisonPreset(model: string): { name: (typeof COMPARE_MODELS)[number]; arg?: string } {
  const [name, arg] = model.split(/:(.*)/s, 2);
  if (!(COMPARE_MODELS as readonly string[]).includes(name)) {
    throw new UsageError(
      `--model ${model}: compare trains a preset from scratch, not ${/[/\\.]/.test(model) ? 'a model file' : `'${name}'`}`,
      MODEL_HINT,
    );
  }
  if (name !== 'mlp' && arg !== undefined) {
    throw new UsageError(
      `--model ${model}: give ${name} without ':' (the comparison sets its dropout: 0, and --dropout for the dropout method)`,
      MODEL_HINT,
    );
  }
  return { name: name as (typeof COMPARE_MODELS)[number], arg };
}

const command: CommandModule<GlobalArgs, CompareArgs> = {
  command: 'compare',
  describe:
    'plain optimizer, dropout, SAM, ASAM and perturbedOPT on the same budget: test loss, σ, Ψ',
  builder: (y) =>
    y
      .options({
        data: {
          type: 'string',
          default: 'mnist',
          describe: `data set: ${DATA_FORMS.join(' | ')}`,
        },
        normalize: {
          choices: ['none', 'standard'] as const,
          default: 'standard',
          describe: "pixel scaling: 'none' (v/255) or 'standard' (the data set's mean/std)",
        },
        model: {
          type: 'string',
          default: 'mnist-cnn',
          describe:
            'preset: mnist-cnn, cifar-cnn, mlp or mlp:W1,W2 (trained without dropout, and with --dropout for the dropout method)',
        },
        methods: {
          type: 'string',
          default: COMPARE_METHODS.join(','),
          describe: `methods to compare: ${COMPARE_METHODS.join(', ')}`,
          coerce: listArg('methods', methodItem),
        },
        inner: {
          choices: ['adam', 'sgd'] as const,
          default: 'adam',
          describe: 'the optimizer every method steps with',
        },
        lr: {
          type: 'number',
          default: 0.001,
          describe: 'learning rate of the inner optimizer',
          coerce: numArg('lr', { gt: 0 }),
        },
        'batch-size': {
          type: 'number',
          default: 64,
          describe: 'samples per step',
          coerce: intArg('batch-size', 1),
        },
        epochs: {
          type: 'number',
          default: 30,
          describe: 'epochs of every run',
          coerce: intArg('epochs', 1),
        },
        seeds: {
          type: 'string',
          default: '1,2,3',
          describe: 'seeds of every method (initialisation, shuffles, dropout, perturbations)',
          coerce: listArg('seeds', (s) => intArg('seeds', 0, 2 ** 31 - 1)(s)),
        },
        'train-subset': {
          type: 'number',
          default: 1000,
          describe: 'training samples (a seeded subset, the same for every run)',
          coerce: intArg('train-subset', 2),
        },
        'test-subset': {
          type: 'number',
          default: 2000,
          describe: 'test samples (a seeded subset)',
          coerce: intArg('test-subset', 1),
        },
        dropout: {
          type: 'number',
          default: 0.5,
          describe: 'dropout rate of the dropout method, in (0, 1)',
          coerce: numArg('dropout', { gt: 0, lt: 1 }),
        },
        'sam-rho': {
          type: 'number',
          default: 0.05,
          describe: 'SAM radius ρ (parameter units)',
          coerce: numArg('sam-rho', { gt: 0 }),
        },
        'asam-rho': {
          type: 'number',
          default: 0.5,
          describe: 'ASAM radius ρ (relative)',
          coerce: numArg('asam-rho', { gt: 0 }),
        },
        scale: {
          type: 'number',
          default: DEFAULT_PERTURBED_COMPARE.scale,
          describe: 'perturbedOPT noise scale s: σ_i = min(s/√a_i, κ_i)',
          coerce: numArg('scale', { gt: 0 }),
        },
        gamma: {
          type: 'number',
          default: DEFAULT_PERTURBED_COMPARE.gamma,
          describe: 'perturbedOPT relative neighbourhood γ (κ_i = γ|w_i| + ε)',
          coerce: numArg('gamma', { ge: 0 }),
        },
        epsilon: {
          type: 'number',
          default: DEFAULT_PERTURBED_COMPARE.epsilon,
          describe: 'perturbedOPT absolute neighbourhood ε (parameter units)',
          coerce: numArg('epsilon', { gt: 0 }),
        },
        warmup: {
          type: 'number',
          default: DEFAULT_PERTURBED_COMPARE.warmup,
          describe: 'noise-free perturbedOPT steps at the start',
          coerce: intArg('warmup', 0),
        },
        'probe-every': {
          type: 'number',
          default: DEFAULT_PERTURBED_COMPARE.probeEvery,
          describe: 'perturbed-probes: steps between curvature estimates',
          coerce: intArg('probe-every', 1),
        },
        'probe-count': {
          type: 'number',
          default: DEFAULT_PERTURBED_COMPARE.probeCount,
          describe: 'perturbed-probes: Hutchinson probes per estimate (2 gradients each)',
          coerce: intArg('probe-count', 1),
        },
        'psi-samples': {
          type: 'number',
          default: 256,
          describe: "training samples Ψ's curvature is estimated on (a fixed seeded subset)",
          coerce: intArg('psi-samples', 1),
        },
        probes: {
          type: 'number',
          default: 8,
          describe: "Hutchinson probes of Ψ's Hessian diagonal (2 gradients each)",
          coerce: intArg('probes', 1),
        },
        'rho-probes': {
          type: 'number',
          default: 2,
          describe: "random displacements of Ψ's ρ estimate",
          coerce: intArg('rho-probes', 1),
        },
        'psi-every': {
          type: 'string',
          describe:
            "Ψ every k epochs, and at the first and last (default: --epochs, i.e. first and last only; 'log': epochs 0, 1, 2, 4, 8, …)",
          coerce: (v: unknown): PsiSchedule =>
            String(v) === 'log' ? 'log' : intArg('psi-every', 1)(v),
        },
        seed: {
          type: 'number',
          default: 0,
          describe: 'seed of the data subsets, the Ψ subset and its probes',
          coerce: intArg('seed', 0, 2 ** 31 - 1),
        },
        precision: {
          choices: ['f32', 'f64'] as const,
          default: 'f32',
          describe: 'engine arithmetic',
        },
        out: { type: 'string', default: 'pacgen-compare', describe: 'output folder' },
        force: { type: 'boolean', default: false, describe: 'replace an existing output folder' },
        ...figureOptions(),
      })
      .example('$0 compare --out compare-mnist', 'all six methods, 3 seeds, the MNIST CNN')
      .example(
        '$0 compare --methods plain,perturbed-secant --epochs 10 --seeds 1,2',
        'plain Adam against perturbedOPT only',
      )
      .example(
        '$0 compare --data synthetic-cifar --model cifar-cnn --epochs 5 --train-subset 500',
        'the CIFAR-shaped path without downloads',
      ) as unknown as Argv<CompareArgs>,
  handler: async (argv) => {
    const ctx = createContext(argv);
    const t0 = Date.now();
    const out = resolve(argv.out);
    const preset = comparisonPreset(argv.model);
    await checkOutputTarget(out, argv.force);
    const data = await resolveExperimentData(argv, 'the comparison needs one');
    const test = data.test;
    const shape = { inputShape: data.train.inputShape, numClasses: data.train.numClasses };
    const base = await resolveModel(
      preset.name === 'mlp' ? argv.model : `${preset.name}:dropout=0`,
      { data: shape },
    );
    checkCompatible(base, data);
    const hidden = preset.arg === undefined ? undefined : preset.arg.split(',').map(Number);
    const classes = shape.numClasses ? { numClasses: shape.numClasses } : {};
    const specFor = (dropout: number): NetworkSpec => {
      if (dropout === 0) return base.spec;
      return preset.name === 'mlp'
        ? presetByName('mlp', { inputShape: shape.inputShape, hidden, ...classes, dropout })
        : presetByName(preset.name, { ...classes, dropout });
    };
    if (argv['batch-size'] > data.train.n) {
      throw new UsageError(
        `--batch-size ${argv['batch-size']} exceeds the ${data.train.n} training samples`,
        'lower --batch-size or raise --train-subset',
      );
    }
    const methods = argv.methods;
    const seeds = argv.seeds;
    const epochs = argv.epochs;
    const total = methods.length * seeds.length;
    ctx.log(
      `compare: ${methods.length} methods × ${seeds.length} seeds = ${total} runs of ${argv.model} on ${argv.data} (${int(data.train.n)} train, ${int(test.n)} test), ${epochs} epochs of batch ${argv['batch-size']} with ${argv.inner} (lr ${argv.lr}) → ${argv.out}/`,
    );

    let bar = ctx.progress.bar('', 0);
    bar.stop();
    let result: CompareResult;
    try {
      result = await compareTraining({
        specFor,
        methods,
        inner: argv.inner,
        learningRate: argv.lr,
        dropout: argv.dropout,
        samRho: argv['sam-rho'],
        asamRho: argv['asam-rho'],
        perturbed: {
          scale: argv.scale,
          gamma: argv.gamma,
          epsilon: argv.epsilon,
          warmup: argv.warmup,
          probeEvery: argv['probe-every'],
          probeCount: argv['probe-count'],
        },
        data: { name: argv.data, train: data.train, test },
        modelName: argv.model,
        seeds,
        epochs,
        batchSize: argv['batch-size'],
        precision: argv.precision,
        psiEvery: argv['psi-every'] ?? epochs,
        psiSamples: argv['psi-samples'],
        probes: argv.probes,
        rhoProbes: argv['rho-probes'],
        seed: argv.seed,
        onProgress: {
          run: (e) => {
            bar.stop();
            const tag = `[${e.index + 1}/${e.total}] ${e.name}`;
            if (e.status === 'done' && e.result) {
              const r = e.result;
              const psi = r.psi ? `, Ψ ${fmt(r.psi.psi)}` : '';
              const how = r.stopReason === 'diverged' ? ` diverged in epoch ${r.epochs + 1};` : '';
              ctx.log(
                `${tag}:${how} train ${fmt(r.final.trainLoss)}, test ${fmt(r.final.testLoss)}, test acc ${pct(r.final.testAccuracy)}${psi}, ${int(r.gradientEvaluations)} gradients (${duration(r.seconds)})`,
              );
            } else ctx.debug(`${tag}: training`);
          },
          step: async (name, e) => {
            if (e.step === 1)
              bar = ctx.progress.bar(`${name} ${e.epoch}/${epochs}`, e.stepsPerEpoch, 'steps');
            bar.update(e.step);
            if (e.step === e.stepsPerEpoch) bar.stop();
            await breathe();
          },
          epoch: async (name, e) => {
            bar.stop();
            const psi = e.psi ? `, Ψ ${fmt(e.psi.psi)}` : '';
            const sigma = e.optimizer?.sigmaMean;
            ctx.debug(
              `${name} epoch ${e.epoch}: train ${fmt(e.trainLoss)}, test ${fmt(e.testLoss)}, gap ${fmt(e.gap)}${psi}${sigma === undefined ? '' : `, σ mean ${fmt(sigma)}`} (${duration(e.seconds)})`,
            );
            await breathe();
          },
        },
      });
    } finally {
      bar.stop();
    }

    ctx.log('drawing figures');
    const svgs = await compareFigures(result);
    const files: Record<string, string | Uint8Array> = {};
    for (const [name, svg] of Object.entries(svgs)) {
      Object.assign(
        files,
        figureFiles(`figures/${name}`, svg, { png: argv.png, width: argv['png-width'] }),
      );
      await breathe();
    }
    const runFiles: Record<string, string> = {};
    for (const r of result.runs) {
      runFiles[`runs/${compareRunName(r.method, r.seed)}.json`] = toJsonText({
        format: 'pacgen-compare-run/1',
        settings: result.settings,
        ...r,
      });
    }
    const findings = compareFindings(result);
    const seconds = (Date.now() - t0) / 1000;
    const doc = {
      out,
      settings: result.settings,
      variants: result.variants,
      summaries: result.summaries,
      correlations: result.correlations,
      runs: result.runs.map(runRow),
      findings,
      files: [
        'summary.json',
        'compare.md',
        'runs.csv',
        'curves.csv',
        ...Object.keys(runFiles),
        ...Object.keys(files),
      ].sort(),
      seconds,
    };
    Object.assign(files, runFiles);
    files['summary.json'] = toJsonText(doc);
    files['compare.md'] = compareMarkdown(result);
    files['runs.csv'] = compareRunsCsv(result);
    files['curves.csv'] = compareCurvesCsv(result);
    await withStagedDir(out, { overwrite: argv.force }, (dir) => writeFiles(dir, files));

    ctx.result(doc);
    ctx.print(table([COMPARE_COLUMNS, ...compareRows(result)]));
    const sigma = sigmaRows(result);
    if (sigma.length > 0) ctx.print(`\n${table(sigma)}`);
    ctx.print(`\n${findings.join('\n')}`);
    ctx.print(
      `\nwrote ${argv.out}/ (compare.md, summary.json, runs.csv, curves.csv, runs/, ${Object.keys(svgs).length} figures) in ${duration(seconds)}`,
    );
  },
};

export default command;
