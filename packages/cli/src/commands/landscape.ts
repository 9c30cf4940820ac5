// `pacgen landscape MODEL`: the training loss (and optionally Ψ) on a line or a plane through
// the model's parameters, along random filter-normalised directions (Li et al. 2018) or the top
// Hessian eigenvectors, as figures (SVG and PNG), CSV/JSON data and an HTML report.

import { resolve } from 'node:path';
import { lossLandscape, type LandscapeResult } from '@pacgen/metrics';
import { defineCommand } from '../command.js';
import type { Context, GlobalArgs } from '../context.js';
import { asUsage, UsageError } from '../errors.js';
import { duration, fmt, int, keyValues } from '../format.js';
import {
  MODEL_POSITIONAL,
  dataOptions,
  estimatorOptions,
  modelLossOptions,
  runOptions,
  threadsOption,
} from '../options.js';
import { checkOutputTarget, withStagedDir, writeFiles } from '../output.js';
import {
  loadModelInputs,
  scoringSetup,
  type ModelInputArgs,
  type ScoringSetup,
} from '../scoring.js';
import { landscapeOutput } from '../landscape-output.js';
import { pacgenOptions, type EstimatorArgs } from './score.js';
import { bool, choice, flags, integer } from '../flag.js';
import { FLAG, out, range } from '../vocabulary.js';

interface LandscapeArgs extends GlobalArgs, EstimatorArgs, ModelInputArgs {
  samples: number;
  dims: 1 | 2;
  directions: 'random' | 'eigen';
  grid?: number;
  range: [number, number];
  'direction-norm': 'filter' | 'layer' | 'none';
  biases: 'zero' | 'copy';
  psi: boolean;
  out: string;
  force: boolean;
  png: boolean;
  precision: 'f32' | 'f64';
  threads?: number;
}

/** What the handler loaded for `landscape()`. */
interface Loaded extends Pick<
  Awaited<ReturnType<typeof loadModelInputs>>,
  'data' | 'model' | 'subset' | 'inputs'
> {
  t0: number;
  setup: ScoringSetup;
}

const STAGES = { directions: 'eigenvectors', loss: 'loss grid', psi: 'Ψ grid' };

/** The estimator flags without the Monte Carlo check (not used per grid point). */
function psiFlags() {
  const { 'monte-carlo': _unused, ...rest } = estimatorOptions();
  return rest;
}

export default defineCommand<LandscapeArgs>({
  command: 'landscape <model>',
  describe: 'loss (and Ψ) on 1-D or 2-D slices along random or Hessian-eigenvector directions',
  positional: { model: MODEL_POSITIONAL },
  options: {
    ...dataOptions('mnist'),
    ...modelLossOptions(1),
    ...flags({
      dims: choice('a line (1) or a plane (2)', [1, 2] as const, 2),
      directions: choice(
        'random filter-normalised directions, or the top Hessian eigenvectors (unit length)',
        ['random', 'eigen'] as const,
        'random',
      ),
      grid: integer('grid points per axis (default 51 for 1-D, 21 for 2-D)', {
        min: 2,
        max: 1001,
      }),
      range: range('1', 'coefficient range'),
      'direction-norm': choice(
        'random directions: scale per filter (Li et al.), per tensor, or to unit length',
        ['filter', 'layer', 'none'] as const,
        'filter',
      ),
      biases: choice(
        "random directions: biases left out ('zero') or set to the biases ('copy')",
        ['zero', 'copy'] as const,
        'zero',
      ),
      psi: bool('also compute Ψ at every grid point (a full PACGen score each: small models only)'),
    }),
    ...psiFlags(),
    ...flags({ out: out('pacgen-landscape'), force: FLAG.force, png: FLAG.png }),
    ...runOptions('f64'),
    ...threadsOption(),
  },
  examples: [
    '$0 landscape pacgen-demo/adam/model.json --data mnist  # 2-D slice, random directions',
    '$0 landscape model.json --dims 1 --directions eigen --range 0.5 --json  # loss along the top eigenvector',
  ],
  handler: async (argv, ctx) => {
    const t0 = Date.now();
    await checkOutputTarget(resolve(argv.out), argv.force);
    const { data, model, subset, inputs } = await loadModelInputs(argv, ctx, argv.precision);
    const setup = await scoringSetup(
      model.spec,
      model.params,
      subset,
      { engine: 'core-wasm', precision: argv.precision, threads: argv.threads, seed: argv.seed },
      ctx,
      model.buffers,
    );
    try {
      await landscape(argv, ctx, { t0, data, model, subset, inputs, setup });
    } finally {
      await setup.dispose();
    }
  },
});

/** Computes the landscape on the engine of `setup`, writes the output folder and prints. */
async function landscape(
  argv: LandscapeArgs,
  ctx: Context,
  { t0, data, model, subset, inputs, setup }: Loaded,
): Promise<void> {
  const obj = setup.obj;
  if (argv.directions === 'eigen' && argv.dims > obj.numParams) {
    throw new UsageError(`--dims ${argv.dims} needs at least ${argv.dims} parameters`);
  }
  const steps = argv.grid ?? (argv.dims === 1 ? 51 : 21);
  ctx.log(
    `landscape of ${model.source} (${int(obj.numParams)} parameters) on ${int(subset.n)} samples of ${data.source}: ${argv.dims}-D, ${argv.directions} directions, ${steps} grid points per axis over [${argv.range.join(', ')}]; ${setup.engine.summary}`,
  );

  let stage = '';
  let bar = ctx.progress.bar('', 0);
  bar.stop();
  let r: LandscapeResult;
  try {
    r = await asUsage(() =>
      lossLandscape(obj, obj.params(), {
        dims: argv.dims,
        directions: argv.directions,
        steps,
        range: argv.range,
        normalization: argv['direction-norm'],
        biases: argv.biases,
        seed: argv.seed,
        eigen: { step: argv.step, onKink: argv['on-kink'] },
        psi: argv.psi ? pacgenOptions(argv) : false,
        onProgress: (s, done, total) => {
          if (s !== stage) {
            bar.stop();
            stage = s;
            bar = ctx.progress.bar(STAGES[s], total, s === 'directions' ? 'HVPs' : 'points');
          }
          bar.update(done, total);
        },
      }),
    );
  } finally {
    bar.stop();
  }

  const seconds = (Date.now() - t0) / 1000;
  const { files, summary, figures } = await landscapeOutput(r, {
    out: resolve(argv.out),
    command: `pacgen landscape ${argv.model} --data ${data.source}`,
    model: model.source,
    data: data.source,
    inputs,
    numParams: obj.numParams,
    numSamples: subset.n,
    precision: argv.precision,
    steps,
    range: argv.range,
    normalization: argv['direction-norm'],
    biases: argv.biases,
    seed: argv.seed,
    png: argv.png,
    seconds,
  });
  await withStagedDir(argv.out, { overwrite: argv.force }, (dir) => writeFiles(dir, files));

  ctx.result(summary);
  const lines: [string, string][] = [
    ['centre loss', fmt(r.centerLoss, 6)],
    ['loss range', `${fmt(summary.lossRange[0], 6)} … ${fmt(summary.lossRange[1], 6)}`],
    ['‖w‖₂', fmt(r.centerNorm)],
    ['‖d‖₂', r.directionNorms.map((v) => fmt(v)).join(', ')],
  ];
  if (r.eigenvalues) lines.push(['eigenvalues', r.eigenvalues.map((v) => fmt(v, 6)).join(', ')]);
  lines.push([
    'cost',
    `${int(r.cost.lossEvaluations)} forward passes, ${int(r.cost.gradientEvaluations)} gradient evaluations, ${duration(seconds)}`,
  ]);
  ctx.print(keyValues(lines));
  ctx.print(
    `\nwrote ${argv.out}/ (report.html, landscape.json, landscape.csv, ${figures} figures)`,
  );
}
