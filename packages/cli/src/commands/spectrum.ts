// `pacgen spectrum MODEL`: the Hessian's top eigenvalues (Lanczos or power iteration), its trace
// (Hutchinson or Hutch++) and its spectral density (stochastic Lanczos quadrature), with a plot.

import { extname } from 'node:path';
import {
  hessianTrace,
  spectralDensity,
  topEigenvalues,
  type DensityResult,
  type EigenResult,
  type KinkPolicy,
  type TraceResult,
} from '@pacgen/metrics';
import { writeFileAtomic } from '@pacgen/metrics/node';
import { defineCommand } from '../command.js';
import type { Context, GlobalArgs } from '../context.js';
import { asUsage, UsageError } from '../errors.js';
import { reportHealth } from '../fd-health.js';
import { duration, fmt, int, keyValues, table } from '../format.js';
import {
  MODEL_POSITIONAL,
  dataOptions,
  engineOptions,
  finiteDifferenceOptions,
  modelLossOptions,
  runOptions,
} from '../options.js';
import { CAPS, bool, choice, flags, integer } from '../flag.js';
import { densityChart, svgOrPng } from '../report-plots.js';
import { FLAG } from '../vocabulary.js';
import {
  enginePrecision,
  loadModelInputs,
  scoringSetup,
  type EngineArgs,
  type ModelInputArgs,
} from '../scoring.js';

interface SpectrumArgs extends GlobalArgs, EngineArgs, ModelInputArgs {
  samples: number;
  k: number;
  method: 'lanczos' | 'power';
  iterations?: number;
  trace: boolean;
  'trace-method': 'hutchinson' | 'hutch++';
  'trace-probes': number;
  density: boolean;
  runs: number;
  'lanczos-steps': number;
  grid: number;
  step?: number;
  'on-kink': KinkPolicy;
  plot?: string;
}

/** Runs one estimator with a progress bar counting its Hessian-vector products. */
async function withBar<T>(
  ctx: Context,
  label: string,
  run: (onProgress: (done: number, total: number) => void) => Promise<T>,
): Promise<T> {
  const bar = ctx.progress.bar(label, 1, 'HVPs');
  try {
    return await asUsage(() => run((done, total) => bar.update(done, total)));
  } finally {
    bar.stop();
  }
}

export default defineCommand<SpectrumArgs>({
  command: 'spectrum <model>',
  describe: 'Hessian spectrum: top eigenvalues, trace and spectral density (with a plot)',
  positional: { model: MODEL_POSITIONAL },
  options: {
    ...dataOptions('mnist', false),
    ...modelLossOptions(1),
    ...flags({
      k: integer('top eigenvalues to compute', { default: 5, min: 1, max: CAPS.iterations }),
      method: choice('eigenvalue method', ['lanczos', 'power'] as const, 'lanczos'),
      iterations: integer(
        'most HVPs of the eigenvalue method (lanczos: in all; power: per eigenvalue)',
        { min: 1, max: CAPS.iterations },
      ),
      trace: bool('estimate the trace (--no-trace to skip)', true),
      'trace-method': choice('trace estimator', ['hutchinson', 'hutch++'] as const, 'hutch++'),
      'trace-probes': integer('HVPs of the trace estimate (≥ 3 for hutch++)', {
        default: 30,
        min: 1,
        max: CAPS.probes,
      }),
      density: bool('estimate the spectral density (--no-density to skip)', true),
      runs: integer('stochastic Lanczos quadrature runs', { default: 4, min: 1, max: CAPS.probes }),
      'lanczos-steps': FLAG['lanczos-steps'],
      grid: integer('density grid points', { default: 400, min: 2, max: CAPS.grid }),
    }),
    ...finiteDifferenceOptions(),
    plot: { type: 'string', describe: 'write the density plot here (.svg or .png)' },
    ...runOptions('f64'),
    ...engineOptions(),
  },
  examples: [
    '$0 spectrum pacgen-demo/adam --k 10  # top 10 eigenvalues, trace, density',
    '$0 spectrum model.json --plot density.png --runs 8  # density plot as PNG',
    '$0 spectrum model.json --engine tfjs --backend wasm  # on TensorFlow.js (wasm)',
    '$0 spectrum model.json --no-density --trace-method hutchinson --json  # JSON only',
  ],
  check: (a) => {
    if (a.plot !== undefined && !['.svg', '.png'].includes(extname(a.plot).toLowerCase())) {
      throw new UsageError(`--plot must end in .svg or .png, got ${a.plot}`);
    }
    if (a.plot !== undefined && !a.density) {
      throw new UsageError('--plot needs the density (drop --no-density)');
    }
    if (a['trace-method'] === 'hutch++' && a['trace-probes'] < 3) {
      throw new UsageError('--trace-probes must be ≥ 3 for hutch++');
    }
  },
  handler: async (argv, ctx) => {
    const t0 = Date.now();
    const { data, model, subset, inputs } = await loadModelInputs(argv, ctx, enginePrecision(argv));
    // Not disposed: the process ends with the command.
    const { obj, engine } = await scoringSetup(
      model.spec,
      model.params,
      subset,
      argv,
      ctx,
      model.buffers,
    );
    if (argv.k > obj.numParams) {
      throw new UsageError(`--k ${argv.k} exceeds the ${obj.numParams} parameters`);
    }
    const w = obj.params();
    const common = { seed: argv.seed, step: argv.step, onKink: argv['on-kink'] };
    ctx.log(
      `spectrum of ${model.source} (${int(obj.numParams)} parameters) on ${int(subset.n)} training samples of ${data.source}, ${engine.summary}, ${engine.precision}`,
    );

    const eig: EigenResult = await withBar(ctx, 'eigenvalues', (onProgress) =>
      topEigenvalues(obj, w, {
        ...common,
        k: argv.k,
        method: argv.method,
        iterations: argv.iterations,
        onProgress,
      }),
    );
    const trace: TraceResult | null = argv.trace
      ? await withBar(ctx, 'trace', (onProgress) =>
          hessianTrace(obj, w, {
            ...common,
            method: argv['trace-method'],
            probes: argv['trace-probes'],
            onProgress,
          }),
        )
      : null;
    const density: DensityResult | null = argv.density
      ? await withBar(ctx, 'density', (onProgress) =>
          spectralDensity(obj, w, {
            ...common,
            runs: argv.runs,
            steps: argv['lanczos-steps'],
            grid: argv.grid,
            onProgress,
          }),
        )
      : null;
    if (argv.plot && density) {
      const svg = await densityChart(density, `Hessian spectral density: ${model.source}`);
      await writeFileAtomic(argv.plot, svgOrPng(svg, argv.plot));
      ctx.log(`wrote ${argv.plot}`);
    }
    const seconds = (Date.now() - t0) / 1000;
    const cost = eig.cost + (trace?.cost ?? 0) + (density?.cost ?? 0);
    reportHealth(ctx, [
      ['eigenvalues', eig.health],
      ['trace', trace?.health],
      ['density', density?.health],
    ]);

    ctx.result({
      model: model.source,
      data: data.source,
      inputs,
      numParams: obj.numParams,
      numSamples: subset.n,
      precision: engine.precision,
      engine,
      eigenvalues: {
        values: eig.values,
        residuals: eig.residuals,
        converged: eig.converged,
        method: eig.method,
        iterations: eig.iterations,
        cost: eig.cost,
        health: eig.health,
      },
      trace,
      density: density && {
        grid: density.grid,
        density: density.density,
        sigma: density.sigma,
        moments: density.moments,
        runs: density.runs,
        steps: density.steps,
        cost: density.cost,
        health: density.health,
      },
      plot: argv.plot ?? null,
      cost: { gradientEvaluations: cost },
      seconds,
    });
    printSpectrum(ctx, { eig, trace, density, cost, seconds, engine: engine.summary });
  },
});

/** The human output: the eigenvalue table, then one line per estimate, the cost and engine. */
function printSpectrum(
  ctx: Context,
  r: {
    eig: EigenResult;
    trace: TraceResult | null;
    density: DensityResult | null;
    cost: number;
    seconds: number;
    engine: string;
  },
): void {
  const { eig, trace, density, cost, seconds } = r;
  ctx.print(
    table([
      ['#', 'eigenvalue', 'residual'],
      ...eig.values.map((v, i) => [String(i + 1), fmt(v, 6), fmt(eig.residuals[i], 2)]),
    ]),
  );
  const lines: [string, string][] = [
    [
      'eigenvalues',
      `${eig.method}, ${eig.iterations} HVPs, ${eig.converged ? 'converged' : 'NOT converged (raise --iterations)'}`,
    ],
  ];
  if (trace)
    lines.push([
      'trace',
      `${fmt(trace.trace, 6)} ± ${fmt(trace.stdErr, 2)} (${trace.method}, ${trace.probes} HVPs)`,
    ]);
  if (density) {
    const m = density.moments;
    lines.push([
      'density',
      `${density.runs} runs × ${density.steps} Lanczos steps; mean eigenvalue ${fmt(m[0]?.value)}, mean square ${fmt(m[1]?.value)}`,
    ]);
  }
  lines.push(['cost', `${int(cost)} gradient evaluations, ${duration(seconds)}`]);
  lines.push(['engine', r.engine]);
  ctx.print(`\n${keyValues(lines)}`);
}
