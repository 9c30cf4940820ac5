// `pacgen sweep`: the sweeps of METHOD.md §6 — a grid of training runs (batch sizes, learning
// rates, optimizers, seeds), each trained to a common training loss under an epoch cap, with the
// gap and Ψ per epoch, the final generalization measures and Kendall's τ of each against the gap.
// Resumable: --out keeps one result file per finished run and a checkpoint per unfinished one,
// and rerunning the same command skips what is done.

import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PacgenError } from '@pacgen/core-wasm';
import {
  DEFAULT_SWEEP_BUDGET,
  MEASURE_INFO,
  SWEEP_OPTIMIZERS,
  runSweep,
  writeFileAtomic,
  type PsiSchedule,
  type SweepOptimizer,
  type SweepResult,
} from '@pacgen/metrics';
import type { Argv, CommandModule } from 'yargs';
import { createContext, type GlobalArgs } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { duration, fmt, pct, table } from '../format.js';
import { breathe } from '../interrupt.js';
import { intArg, listArg, numArg, figureOptions } from '../options.js';
import { claimWorkFolder, toJsonText } from '../output.js';
import { figureFiles } from '../plot/index.js';
import { DATA_FORMS, checkCompatible, resolveExperimentData, resolveModel } from '../resolve.js';
import {
  curveFigures,
  curvesCsv,
  runRow,
  runsCsv,
  scatterFigures,
  sweepFindings,
  sweepHtml,
  tauJson,
  tauMarkdown,
  tauRows,
} from '../sweep-report.js';

interface SweepArgs extends GlobalArgs {
  data: string;
  normalize: 'none' | 'standard';
  model: string;
  'batch-sizes': number[];
  lrs: number[];
  optimizers: SweepOptimizer[];
  seeds: number[];
  'target-loss': number;
  'max-epochs': number;
  'train-subset': number;
  'test-subset': number;
  'psi-samples': number;
  probes: number;
  'rho-probes': number;
  'psi-every': PsiSchedule;
  lanczos: number;
  'sharpness-steps': number;
  'flatness-samples': number;
  'flatness-iterations': number;
  seed: number;
  precision: 'f32' | 'f64';
  out: string;
  force: boolean;
  'keep-checkpoints': boolean;
  png: boolean;
  'png-width': number;
}

const optimizerItem = (s: string): SweepOptimizer => {
  if (!(SWEEP_OPTIMIZERS as readonly string[]).includes(s)) {
    throw new UsageError(
      `--optimizers: unknown optimizer '${s}' (valid: ${SWEEP_OPTIMIZERS.join(', ')})`,
    );
  }
  return s as SweepOptimizer;
};

/** Files this command writes into --out (removed by --force, with the run files). */
const OWN = [
  'sweep.json',
  'runs',
  'checkpoints',
  'figures',
  'summary.json',
  'tau.md',
  'tau.json',
  'runs.csv',
  'curves.csv',
  'report.html',
];

/**
 * Claims --out (see `claimWorkFolder`): absent, empty, or a sweep folder holding only what a sweep
 * wrote; with --force, clears what a sweep wrote.
 */
async function prepareOut(out: string, force: boolean): Promise<void> {
  await claimWorkFolder(out, {
    command: 'sweep',
    known: (f) => OWN.includes(f),
    marker: 'sweep.json',
  });
  if (force) for (const e of OWN) await rm(join(out, e), { recursive: true, force: true });
}

const command: CommandModule<GlobalArgs, SweepArgs> = {
  command: 'sweep',
  describe: 'a grid of training runs: gap and Ψ per epoch, final measures, Kendall τ with the gap',
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
          default: 'none',
          describe: "pixel scaling: 'none' (v/255) or 'standard'",
        },
        model: {
          type: 'string',
          default: 'mnist-cnn',
          describe:
            'model preset (mnist-cnn, cifar-cnn, mlp, mlp:W1,W2) or a model file (its architecture; trained from scratch)',
        },
        'batch-sizes': {
          type: 'string',
          default: '32,64,128,256',
          describe: 'batch sizes of the grid',
          coerce: listArg('batch-sizes', (s) => intArg('batch-sizes', 1)(s)),
        },
        lrs: {
          type: 'string',
          default: '0.1',
          describe: 'learning rates of the grid (the paper: SGD 0.1)',
          coerce: listArg('lrs', (s) => numArg('lrs', { gt: 0 })(s)),
        },
        optimizers: {
          type: 'string',
          default: 'sgd',
          describe: `optimizers of the grid: ${SWEEP_OPTIMIZERS.join(', ')} (sam and perturbed over SGD)`,
          coerce: listArg('optimizers', optimizerItem),
        },
        seeds: {
          type: 'string',
          default: '1',
          describe: 'seeds of the grid (initialisation, shuffles, dropout)',
          coerce: listArg('seeds', (s) => intArg('seeds', 0, 2 ** 31 - 1)(s)),
        },
        'target-loss': {
          type: 'number',
          default: 0.01,
          describe: 'train each run until its training loss (evaluation mode) is at most this',
          coerce: numArg('target-loss', { ge: 0 }),
        },
        'max-epochs': {
          type: 'number',
          default: 30,
          describe: 'epoch cap; a run stopped by it is marked',
          coerce: intArg('max-epochs', 1),
        },
        'train-subset': {
          type: 'number',
          default: DEFAULT_SWEEP_BUDGET.trainSubset,
          describe: 'training samples (a seeded subset)',
          coerce: intArg('train-subset', 2),
        },
        'test-subset': {
          type: 'number',
          default: DEFAULT_SWEEP_BUDGET.testSubset,
          describe: 'test samples (a seeded subset)',
          coerce: intArg('test-subset', 1),
        },
        'psi-samples': {
          type: 'number',
          default: DEFAULT_SWEEP_BUDGET.psiSamples,
          describe: 'training samples the curvature of Ψ and the final measures is estimated on',
          coerce: intArg('psi-samples', 1),
        },
        probes: {
          type: 'number',
          default: DEFAULT_SWEEP_BUDGET.probes,
          describe: 'Hutchinson probes of the Hessian diagonal (Ψ) and trace (2 gradients each)',
          coerce: intArg('probes', 1),
        },
        'rho-probes': {
          type: 'number',
          default: DEFAULT_SWEEP_BUDGET.rhoProbes,
          describe: 'random displacements of the ρ estimate',
          coerce: intArg('rho-probes', 1),
        },
        'psi-every': {
          type: 'string',
          default: String(DEFAULT_SWEEP_BUDGET.psiEvery),
          describe:
            "Ψ every k epochs, and at the first and last (0: no Ψ curve; 'log': epochs 0, 1, 2, 4, 8, …)",
          coerce: (v: unknown): PsiSchedule =>
            String(v) === 'log' ? 'log' : intArg('psi-every', 0)(v),
        },
        lanczos: {
          type: 'number',
          default: DEFAULT_SWEEP_BUDGET.lanczosIterations,
          describe: 'Lanczos steps of the top Hessian eigenvalue',
          coerce: intArg('lanczos', 1),
        },
        'sharpness-steps': {
          type: 'number',
          default: DEFAULT_SWEEP_BUDGET.sharpnessSteps,
          describe: 'ascent points of the SAM sharpness (1 gradient each)',
          coerce: intArg('sharpness-steps', 1),
        },
        'flatness-samples': {
          type: 'number',
          default: DEFAULT_SWEEP_BUDGET.flatnessSamples,
          describe: 'antithetic draws per noise level of the magnitude-aware flatness',
          coerce: intArg('flatness-samples', 1),
        },
        'flatness-iterations': {
          type: 'number',
          default: DEFAULT_SWEEP_BUDGET.flatnessIterations,
          describe: 'bisection steps of the magnitude-aware flatness',
          coerce: intArg('flatness-iterations', 0),
        },
        seed: {
          type: 'number',
          default: 0,
          describe: 'seed of the data subsets and of every estimator probe',
          coerce: intArg('seed', 0, 2 ** 31 - 1),
        },
        precision: {
          choices: ['f32', 'f64'] as const,
          default: 'f32',
          describe: 'engine arithmetic',
        },
        out: { type: 'string', default: 'pacgen-sweep', describe: 'results folder (resumable)' },
        force: {
          type: 'boolean',
          default: false,
          describe: 'discard the results already in --out and start over',
        },
        'keep-checkpoints': {
          type: 'boolean',
          default: false,
          describe: "keep each run's checkpoint (its final parameters) in --out/checkpoints",
        },
        ...figureOptions(),
      })
      .example(
        '$0 sweep --batch-sizes 32,64,128,256 --lrs 0.1 --out sweep-mnist',
        'SGD lr 0.1 with growing batch size on an MNIST subset',
      )
      .example(
        '$0 sweep --batch-sizes 256 --lrs 0.1,0.05,0.01 --seeds 1,2 --out sweep-lr',
        'batch 256 with shrinking learning rate, two seeds',
      )
      .example(
        '$0 sweep --data synthetic-cifar --model cifar-cnn --batch-sizes 32,128 --max-epochs 5',
        'the CIFAR-shaped path without downloads',
      ) as unknown as Argv<SweepArgs>,
  handler: async (argv) => {
    const ctx = createContext(argv);
    const t0 = Date.now();
    const out = resolve(argv.out);
    await prepareOut(out, argv.force);
    const data = await resolveExperimentData(argv, 'a sweep needs the gap');
    const model = await resolveModel(argv.model, {
      data: { inputShape: data.train.inputShape, numClasses: data.train.numClasses },
    });
    checkCompatible(model, data);
    if (model.params)
      ctx.warn(
        `${argv.model}: the sweep trains its architecture from scratch (the stored weights are not used)`,
      );
    const tooBig = argv['batch-sizes'].filter((b) => b > data.train.n);
    if (tooBig.length > 0) {
      throw new UsageError(
        `--batch-sizes ${tooBig.join(',')} exceed the ${data.train.n} training samples`,
        'lower the batch sizes or raise --train-subset',
      );
    }
    const grid = {
      batchSizes: argv['batch-sizes'],
      learningRates: argv.lrs,
      optimizers: argv.optimizers,
      seeds: argv.seeds,
    };
    const total =
      grid.batchSizes.length *
      grid.learningRates.length *
      grid.optimizers.length *
      grid.seeds.length;
    ctx.log(
      `sweep: ${total} runs of ${argv.model} on ${argv.data} (${data.train.n} train, ${data.test.n} test), target loss ${argv['target-loss']}, at most ${argv['max-epochs']} epochs → ${argv.out}/`,
    );

    let bar = ctx.progress.bar('', 0);
    bar.stop();
    const maxEpochs = argv['max-epochs'];
    let result: SweepResult;
    try {
      result = await runSweep({
        grid,
        model: { name: argv.model, spec: model.spec },
        data: { name: argv.data, train: data.train, test: data.test },
        outDir: out,
        targetLoss: argv['target-loss'],
        maxEpochs,
        precision: argv.precision,
        seed: argv.seed,
        keepCheckpoints: argv['keep-checkpoints'],
        budget: {
          trainSubset: argv['train-subset'],
          testSubset: argv['test-subset'],
          psiSamples: argv['psi-samples'],
          probes: argv.probes,
          rhoProbes: argv['rho-probes'],
          psiEvery: argv['psi-every'],
          lanczosIterations: argv.lanczos,
          sharpnessSteps: argv['sharpness-steps'],
          flatnessSamples: argv['flatness-samples'],
          flatnessIterations: argv['flatness-iterations'],
        },
        onProgress: {
          run: (e) => {
            bar.stop();
            const tag = `[${e.index + 1}/${e.total}] ${e.name}`;
            if (e.status === 'skipped') ctx.log(`${tag}: finished earlier, skipped`);
            else if (e.status === 'done' && e.result) {
              const r = e.result;
              const how =
                r.stopReason === 'target'
                  ? `target reached at epoch ${r.epochs}`
                  : r.stopReason === 'diverged'
                    ? `diverged in epoch ${r.epochs + 1}`
                    : `epoch cap ${r.epochs} reached first (train loss ${fmt(r.final.trainLoss)})`;
              const psi = r.measures?.values.psi?.value;
              if (r.resumedFrom !== null)
                ctx.log(`${tag}: resumed from its checkpoint after epoch ${r.resumedFrom}`);
              ctx.log(
                `${tag}: ${how}; train ${fmt(r.final.trainLoss)}, test ${fmt(r.final.testLoss)}, gap ${fmt(r.final.gap)}, test acc ${pct(r.final.testAccuracy)}${psi === undefined ? '' : `, Ψ ${fmt(psi)}`} (${duration(r.seconds.train + r.seconds.measures)})`,
              );
            } else ctx.debug(`${tag}: training`);
          },
          step: async (name, e) => {
            if (e.step === 1)
              bar = ctx.progress.bar(`${name} ${e.epoch}/${maxEpochs}`, e.stepsPerEpoch, 'steps');
            bar.update(e.step);
            if (e.step === e.stepsPerEpoch) bar.stop();
            await breathe();
          },
          epoch: async (name, e) => {
            bar.stop();
            const psi = e.psi ? `, Ψ ${fmt(e.psi.psi)}` : '';
            ctx.debug(
              `${name} epoch ${e.epoch}: train ${fmt(e.trainLoss)}, test ${fmt(e.testLoss)}, gap ${fmt(e.gap)}${psi} (${duration(e.seconds)})`,
            );
            await breathe();
          },
          measure: async (name, m, i, n) => {
            bar.stop();
            bar = ctx.progress.bar(`${name} measures`, n, 'measures');
            bar.update(i);
            ctx.debug(`${name}: measure ${MEASURE_INFO[m].label}`);
            await breathe();
          },
        },
      });
    } catch (e) {
      if (
        e instanceof PacgenError &&
        /holds a sweep of other settings|a run of other settings/.test(e.message)
      ) {
        throw new CliError(e.message, {
          hint: 'use another --out, or pass --force to discard those results',
        });
      }
      throw e;
    } finally {
      bar.stop();
    }
    if (result.skipped.length > 0) {
      ctx.log(
        result.trained.length === 0
          ? `all ${result.skipped.length} runs were finished earlier: nothing to train`
          : `${result.skipped.length} runs finished earlier were skipped, ${result.trained.length} trained now`,
      );
    }

    ctx.log('drawing figures');
    const curves = await curveFigures(result);
    const scatters = await scatterFigures(result);
    const files: Record<string, string | Uint8Array> = {};
    for (const [name, svg] of Object.entries({ ...curves, ...scatters })) {
      Object.assign(
        files,
        figureFiles(`figures/${name}`, svg, { png: argv.png, width: argv['png-width'] }),
      );
      await breathe();
    }
    const seconds = (Date.now() - t0) / 1000;
    const doc = {
      out,
      settings: result.settings,
      grid,
      runs: result.runs.map(runRow),
      trained: result.trained,
      skipped: result.skipped,
      diverged: result.diverged,
      correlations: tauJson(result),
      findings: sweepFindings(result),
      files: [
        'sweep.json',
        ...result.runs.map((r) => `runs/${r.name}.json`),
        'summary.json',
        'tau.md',
        'tau.json',
        'runs.csv',
        'curves.csv',
        'report.html',
        ...Object.keys(files),
      ].sort(),
      seconds,
    };
    files['summary.json'] = toJsonText(doc);
    files['tau.md'] = tauMarkdown(result);
    files['tau.json'] = toJsonText(tauJson(result));
    files['runs.csv'] = runsCsv(result);
    files['curves.csv'] = curvesCsv(result);
    files['report.html'] = sweepHtml(
      result,
      { curves, scatters },
      `pacgen sweep --data ${argv.data} --model ${argv.model} --batch-sizes ${grid.batchSizes.join(',')} --lrs ${grid.learningRates.join(',')} --optimizers ${grid.optimizers.join(',')} --seeds ${grid.seeds.join(',')} --target-loss ${argv['target-loss']} --max-epochs ${maxEpochs}`,
    );
    // The folder is a working directory (runs and checkpoints live there), so each report file is
    // replaced atomically on its own rather than the folder as a whole.
    for (const [name, content] of Object.entries(files))
      await writeFileAtomic(join(out, name), content);

    ctx.result(doc);
    const { columns, rows } = tauRows(result);
    ctx.print(
      table([
        columns.map((c) => c.replace('granulated ', 'gran. ')),
        ...rows.map((r) =>
          r.map((v) =>
            typeof v === 'number' ? (Number.isInteger(v) ? String(v) : fmt(v, 3)) : (v ?? '-'),
          ),
        ),
      ]),
    );
    ctx.print(`\n${sweepFindings(result).join('\n')}`);
    ctx.print(
      `\nwrote ${argv.out}/ (report.html, tau.md, summary.json, runs/, ${Object.keys(curves).length + Object.keys(scatters).length} figures) in ${duration(seconds)}`,
    );
  },
};

export default command;
