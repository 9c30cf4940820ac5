// `pacgen landscape MODEL`: the training loss (and optionally Ψ) on a line or a plane through
// the model's parameters, along random filter-normalised directions (Li et al. 2018) or the top
// Hessian eigenvectors, as figures (SVG and PNG), CSV/JSON data and an HTML report.

import { resolve } from 'node:path';
import { lossLandscape, type LandscapeResult } from '@pacgen/metrics';
import type { Argv, CommandModule } from 'yargs';
import { createContext, type Context, type GlobalArgs } from '../context.js';
import { asUsage, UsageError } from '../errors.js';
import { duration, fmt, int, keyValues } from '../format.js';
import {
  MODEL_POSITIONAL,
  dataOptions,
  estimatorOptions,
  intArg,
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
import { parseRange } from './toy.js';
import { examples } from '../examples.js';

interface LandscapeArgs extends GlobalArgs, EstimatorArgs, ModelInputArgs {
  samples: number;
  dims: 1 | 2;
  directions: 'random' | 'eigen';
  steps?: number;
  range: [number, number];
  normalization: 'filter' | 'layer' | 'none';
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

/** Shown by --help: the command line, then what it does. */
const EXAMPLES = [
  '$0 landscape pacgen-demo/adam/model.json --data mnist  # 2-D slice, random directions',
  '$0 landscape model.json --dims 1 --directions eigen --range 0.5 --json  # loss along the top eigenvector',
];

const command: CommandModule<GlobalArgs, LandscapeArgs> = {
  command: 'landscape <model>',
  describe: 'loss (and Ψ) on 1-D or 2-D slices along random or Hessian-eigenvector directions',
  builder: (y) =>
    y
      .positional('model', MODEL_POSITIONAL)
      .options({
        ...dataOptions('mnist'),
        ...modelLossOptions(1),
        dims: {
          type: 'number',
          choices: [1, 2],
          default: 2,
          describe: 'a line (1) or a plane (2)',
        },
        directions: {
          choices: ['random', 'eigen'] as const,
          default: 'random',
          describe:
            'random filter-normalised directions, or the top Hessian eigenvectors (unit length)',
        },
        steps: {
          type: 'number',
          describe: 'grid points per axis (default 51 for 1-D, 21 for 2-D)',
          coerce: intArg('steps', 2, 1001),
        },
        range: {
          type: 'string',
          default: '1',
          describe: 'coefficient range: R for [-R, R], or LO,HI (--range=-0.5,1 when LO < 0)',
          coerce: parseRange,
        },
        normalization: {
          choices: ['filter', 'layer', 'none'] as const,
          default: 'filter',
          describe:
            'random directions: scale per filter (Li et al.), per tensor, or to unit length',
        },
        biases: {
          choices: ['zero', 'copy'] as const,
          default: 'zero',
          describe: "random directions: biases left out ('zero') or set to the biases ('copy')",
        },
        psi: {
          type: 'boolean',
          default: false,
          describe:
            'also compute Ψ at every grid point (a full PACGen score each: small models only)',
        },
        ...psiFlags(),
        out: { type: 'string', default: 'pacgen-landscape', describe: 'output folder' },
        force: { type: 'boolean', default: false, describe: 'replace an existing output folder' },
        png: { type: 'boolean', default: true, describe: 'also write PNGs (--no-png: SVG only)' },
        ...runOptions('f64'),
        ...threadsOption(),
      })
      .example(examples(EXAMPLES)) as unknown as Argv<LandscapeArgs>,
  handler: async (argv) => {
    const ctx = createContext(argv);
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
};

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
  const steps = argv.steps ?? (argv.dims === 1 ? 51 : 21);
  ctx.log(
    `landscape of ${model.source} (${int(obj.numParams)} parameters) on ${int(subset.n)} samples of ${data.source}: ${argv.dims}-D, ${argv.directions} directions, ${steps} steps per axis over [${argv.range.join(', ')}]; ${setup.engine.summary}`,
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
        normalization: argv.normalization,
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
    normalization: argv.normalization,
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

export default command;
