// `pacgen toy`: the paper's toy experiment (docs/reproduction.md §1) — the loss surface of the
// two-parameter shared network, Ψ and the bound over it, the global and a flatter local minimum,
// and the labels each predicts — as figures (SVG and PNG), CSV/JSON data and an HTML report.

import { resolve } from 'node:path';
import { toyExperiment, type ToyExperimentResult } from '@pacgen/metrics/experiments';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { asUsage } from '../errors.js';
import { figureFileSet } from '../figure-output.js';
import { duration, fmt, int, table } from '../format.js';
import { breathe } from '../interrupt.js';
import { CAPS, flags, integer } from '../flag.js';
import { figureOptions } from '../options.js';
import { FLAG, out, range } from '../vocabulary.js';
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

interface ToyArgs extends GlobalArgs {
  grid: number;
  range: [number, number];
  out: string;
  force: boolean;
  png: boolean;
  'png-width': number;
  starts: number;
  lattice: number;
  'reconstruction-samples': number;
  seed: number;
  gamma: number;
  epsilon: number;
  delta: number;
}

const STAGES = { grid: 'grid (Ψ, bound)', minima: 'minima', reconstruction: 'reconstruction' };

export default defineCommand<ToyArgs>({
  command: 'toy',
  describe: "the paper's toy experiment: loss, Ψ and bound surfaces of a 2-parameter network",
  options: {
    ...flags({
      grid: integer('grid points per axis over (w1, w2)', { default: 41, min: 2, max: 401 }),
      range: range('4', 'range of w1 and w2'),
      out: out('pacgen-toy'),
      force: FLAG.force,
    }),
    ...figureOptions(),
    ...flags({
      starts: integer('descent starts per axis (starts² in all) to locate the minima', {
        default: 7,
        min: 1,
        max: 50,
      }),
      lattice: integer('lattice points per axis of the ρ estimate over each box', {
        default: 5,
        min: 2,
        max: 21,
      }),
      'reconstruction-samples': integer('draws from p(x) for the reconstruction', {
        default: 2000,
        min: 10,
        max: CAPS.samples,
      }),
      seed: FLAG.seed,
      gamma: FLAG.gamma,
      epsilon: FLAG.epsilon,
      delta: FLAG.delta,
    }),
  },
  examples: [
    '$0 toy  # the default 41×41 grid over [-4, 4]² into pacgen-toy/',
    '$0 toy --grid 21 --range=-3,1 --out toy-small --json  # a quick run, JSON summary',
  ],
  handler: async (argv, ctx) => {
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
          samples: argv['reconstruction-samples'],
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
});
