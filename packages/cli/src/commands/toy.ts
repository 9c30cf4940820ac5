// `pacgen toy`: the paper's toy experiment (docs/reproduction.md §1) — the loss surface of the
// two-parameter shared network, Ψ and the bound over it, the global and a flatter local minimum,
// and the labels each predicts — as figures (SVG and PNG), CSV/JSON data and an HTML report.

import { resolve } from 'node:path';
import { toyExperiment, type ToyExperimentResult } from '@pacgen/metrics/experiments';
import type { Argv, CommandModule } from 'yargs';
import { createContext, type GlobalArgs } from '../context.js';
import { asUsage, UsageError } from '../errors.js';
import { figureFileSet } from '../figure-output.js';
import { duration, fmt, int, table } from '../format.js';
import { breathe } from '../interrupt.js';
import { intArg, numArg, figureOptions } from '../options.js';
import { checkOutputTarget, toJsonText, withStagedDir, writeFiles } from '../output.js';
import {
  minimumLabel,
  toyFigures,
  toyFindings,
  toyGridCsv,
  toyHtml,
  toyReconstructionCsv,
  toySummary,
} from '../toy-report.js';
import { examples } from '../examples.js';

interface ToyArgs extends GlobalArgs {
  grid: number;
  range: [number, number];
  out: string;
  force: boolean;
  png: boolean;
  'png-width': number;
  starts: number;
  lattice: number;
  samples: number;
  seed: number;
  gamma: number;
  epsilon: number;
  delta: number;
}

/** `R` → [−R, R]; `LO,HI` → [LO, HI]. */
export function parseRange(v: unknown): [number, number] {
  const parts = String(v)
    .split(',')
    .map((s) => Number(s.trim()));
  const r: number[] = parts.length === 1 ? [-parts[0], parts[0]] : parts;
  if (r.length !== 2 || !r.every(Number.isFinite) || !(r[1] > r[0])) {
    throw new UsageError(`--range must be R > 0 or LO,HI with LO < HI, got ${String(v)}`);
  }
  return [r[0], r[1]];
}

const STAGES = { grid: 'grid (Ψ, bound)', minima: 'minima', reconstruction: 'reconstruction' };

/** Shown by --help: the command line, then what it does. */
const EXAMPLES = [
  '$0 toy  # the default 41×41 grid over [-4, 4]² into pacgen-toy/',
  '$0 toy --grid 21 --range=-3,1 --out toy-small --json  # a quick run, JSON summary',
];

const command: CommandModule<GlobalArgs, ToyArgs> = {
  command: 'toy',
  describe: "the paper's toy experiment: loss, Ψ and bound surfaces of a 2-parameter network",
  builder: (y) =>
    y
      .options({
        grid: {
          type: 'number',
          default: 41,
          describe: 'grid points per axis over (w1, w2)',
          coerce: intArg('grid', 2, 401),
        },
        range: {
          type: 'string',
          default: '4',
          describe: 'range of w1 and w2: R for [-R, R], or LO,HI (--range=-3,1 when LO < 0)',
          coerce: parseRange,
        },
        out: { type: 'string', default: 'pacgen-toy', describe: 'output folder' },
        force: { type: 'boolean', default: false, describe: 'replace an existing output folder' },
        ...figureOptions(),
        starts: {
          type: 'number',
          default: 7,
          describe: 'descent starts per axis (starts² in all) to locate the minima',
          coerce: intArg('starts', 1, 50),
        },
        lattice: {
          type: 'number',
          default: 5,
          describe: 'lattice points per axis of the ρ estimate over each box',
          coerce: intArg('lattice', 2, 21),
        },
        samples: {
          type: 'number',
          default: 2000,
          describe: 'draws from p(x) for the reconstruction',
          coerce: intArg('samples', 10),
        },
        seed: {
          type: 'number',
          default: 0,
          describe: 'seed of the training data',
          coerce: intArg('seed', 0, 2 ** 31 - 1),
        },
        gamma: {
          type: 'number',
          default: 0.1,
          describe: 'relative neighbourhood size γ',
          coerce: numArg('gamma', { gt: 0 }),
        },
        epsilon: {
          type: 'number',
          default: 0.1,
          describe: 'absolute neighbourhood size ε',
          coerce: numArg('epsilon', { gt: 0 }),
        },
        delta: {
          type: 'number',
          default: 0.05,
          describe: 'PAC-Bayes confidence δ',
          coerce: numArg('delta', { gt: 0, lt: 1 }),
        },
      })
      .example(examples(EXAMPLES)) as unknown as Argv<ToyArgs>,
  handler: async (argv) => {
    const ctx = createContext(argv);
    const t0 = Date.now();
    await checkOutputTarget(resolve(argv.out), argv.force);
    ctx.log(
      `toy experiment: ${argv.grid}×${argv.grid} grid over [${argv.range.join(', ')}]², ${argv.starts * argv.starts} descent starts`,
    );
    let stage = '';
    let bar = ctx.progress.bar('', 0);
    bar.stop();
    let result: ToyExperimentResult;
    try {
      result = await asUsage(() =>
        toyExperiment({
          grid: argv.grid,
          range: argv.range,
          starts: argv.starts,
          lattice: argv.lattice,
          samples: argv.samples,
          seed: argv.seed,
          gamma: argv.gamma,
          epsilon: argv.epsilon,
          delta: argv.delta,
          onProgress: async (s, done, total) => {
            if (s !== stage) {
              bar.stop();
              stage = s;
              bar = ctx.progress.bar(STAGES[s], total, s === 'grid' ? 'points' : 'starts');
            }
            bar.update(done, total);
            await breathe();
          },
        }),
      );
    } finally {
      bar.stop();
    }
    ctx.log(`computed in ${duration(result.cost.seconds)}; drawing figures`);

    const svgs = await toyFigures(result);
    const files = await figureFileSet(svgs, argv);
    const summary = toySummary(result);
    const seconds = (Date.now() - t0) / 1000;
    const doc = {
      out: resolve(argv.out),
      ...summary,
      files: [
        'summary.json',
        'grid.json',
        'grid.csv',
        'reconstruction.csv',
        'report.html',
        ...Object.keys(files),
      ].sort(),
      seconds,
    };
    files['summary.json'] = toJsonText(doc);
    files['grid.json'] = toJsonText(result.grid);
    files['grid.csv'] = toyGridCsv(result);
    files['reconstruction.csv'] = toyReconstructionCsv(result);
    files['report.html'] = toyHtml(
      result,
      svgs,
      `pacgen toy --grid ${argv.grid} --range ${argv.range.join(',')} --seed ${argv.seed}`,
    );
    await withStagedDir(argv.out, { overwrite: argv.force }, (dir) => writeFiles(dir, files));

    ctx.result(doc);
    ctx.print(
      table([
        ['minimum', 'w1', 'w2', 'loss', 'test loss', 'λmax', 'Ψ', 'bound'],
        ...result.minima.map((m, k) => [
          minimumLabel(result, k),
          fmt(m.w[0]),
          fmt(m.w[1]),
          fmt(m.loss, 6),
          fmt(m.testLoss),
          fmt(m.eigenvalues[0]),
          fmt(m.psi),
          fmt(m.bound),
        ]),
      ]),
    );
    ctx.print(`\n${toyFindings(result).join('\n')}`);
    ctx.print(`\ncaution: ${summary.caution}`);
    ctx.print(
      `\nwrote ${argv.out}/ (report.html, summary.json, grid.json, grid.csv, reconstruction.csv, ${int(Object.keys(svgs).length)} figures) in ${duration(seconds)}`,
    );
  },
};

export default command;
