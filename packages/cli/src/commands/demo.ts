// `pacgen demo`: the project's main job on a built-in default. Trains one MNIST network with
// Adam and one with perturbedOPT (Adam inside, secant curvature, σ from the bound), scores both
// with PACGen in f64 on the same fixed training subset, prints the comparison and writes a
// report folder (report.json, both models in TF.js format, an HTML report with plots).

import { resolve } from 'node:path';
import type { NetworkSpec } from '@pacgen/core-wasm';
import {
  geometricScales,
  initialisationPrior,
  type CertificateReport,
  type CertifyOptions,
  type PacgenReport,
} from '@pacgen/metrics';
import { type Dataset } from '@pacgen/metrics/data';
import { toTfjs } from '@pacgen/metrics/models';
import { type TrainResult } from '@pacgen/metrics/train';
import { headline } from '../certify-report.js';
import { runCertify } from '../certification.js';
import { defineCommand } from '../command.js';
import type { Context, GlobalArgs } from '../context.js';
import { duration, fmt, int, pct, table } from '../format.js';
import type { Options } from 'yargs';
import { flags, str, withDefault } from '../flag.js';
import { estimatorOptions, runOptions, threadsOption } from '../options.js';
import { FLAG, epochs, out, samples, testSize, trainSize } from '../vocabulary.js';
import { buildOptimizer, parseNoiseScale, type OptimizerArgs } from '../optimizers.js';
import { checkOutputTarget, toJsonText, withStagedDir, writeFiles } from '../output.js';
import { demoReport } from '../demo-report.js';
import { checkCompatible, resolveData, resolveModel, type ResolvedData } from '../resolve.js';
import {
  BOUND_CAUTION,
  runPacgen,
  scoreDocument,
  scoringSetup,
  type ScoreDocument,
} from '../scoring.js';
import { runTraining } from '../training.js';
import { pacgenOptions, type EstimatorArgs } from './score.js';

interface DemoArgs extends GlobalArgs, EstimatorArgs {
  out: string;
  force: boolean;
  data: string;
  model: string;
  'train-size': number;
  'test-size': number;
  epochs: number;
  'batch-size': number;
  lr: number;
  'noise-scale': string;
  samples: number;
  precision: 'f32' | 'f64';
  /** Threads of the scoring engine (unset: all cores); the score does not depend on it. */
  threads?: number;
}

/** One trained and scored model of the demo. */
export interface DemoRun {
  name: string;
  /** The trained network's spec (for saving it). */
  spec: NetworkSpec;
  optimizer: string;
  train: TrainResult;
  score: ScoreDocument;
  /** Full training and test set metrics after the last epoch (evaluation mode). */
  final: {
    trainLoss: number | null;
    trainAccuracy: number | null;
    testLoss: number | null;
    testAccuracy: number | null;
    gap: number | null;
  };
  trainSeconds: number;
  scoreSeconds: number;
  /** The PAC-Bayes-kl certificate of the trained network (docs/method.md §9). */
  certificate: CertificateReport;
  certifySeconds: number;
}

/**
 * [choice] The demo's quick certificate: the scale searches on 1,000 samples over 9 coarse
 * scales (10⁻⁴ … 10 for σ*'s shape, 10⁻⁵ … 1 for the isotropic σ) refined twice on each side,
 * two shrinks of the mean besides 1, one epoch of the optimized posterior, and one Monte Carlo
 * pass over all n training and the test samples with about 2,000 weight draws (5 samples a
 * draw at n = 10,000: the sample-convergence bound adds about 0.01 more than with certify's
 * 5,000); σ* from the demo's own score (same n). The searches only choose the posteriors and
 * the bound counts every training sample, so it stays a certificate. About a third of the
 * forward passes and weight draws of certify's defaults (docs/certificates.md, time per step).
 */
const DEMO_CERTIFICATE: CertifyOptions = {
  search: {
    samples: 1000,
    sigmaStarScales: geometricScales(1e-4, 10, 9),
    isotropicScales: geometricScales(1e-5, 1, 9),
    refine: 2,
  },
  optimize: { epochs: 1, shrinks: [0.7, 0.45] },
  monteCarlo: { passes: 1, testPasses: 1, draws: 2000 },
};

/** The comparison table of the runs. */
export function comparisonTable(runs: DemoRun[]): string {
  // One row per quantity, one column per run.
  const row = (label: string, f: (r: DemoRun) => string) => [label, ...runs.map(f)];
  return table([
    row('', (r) => r.name),
    row('train loss', (r) => fmt(r.final.trainLoss)),
    row('train acc', (r) => pct(r.final.trainAccuracy)),
    row('test loss', (r) => fmt(r.final.testLoss)),
    row('test acc', (r) => pct(r.final.testAccuracy)),
    row('gap', (r) => fmt(r.final.gap)),
    row('Ψ', (r) => fmt(r.score.psi, 6)),
    row('Ψ/m', (r) => fmt(r.score.perParameter.psi)),
    row('Ψ*', (r) => fmt(r.score.psiStar, 6)),
    row('Ψ*/m', (r) => fmt(r.score.perParameter.psiStar)),
    row('curv. Ψ', (r) => pct(r.score.curvatureFraction)),
    row('curv. Ψ*', (r) => pct(r.score.curvatureFractionStar)),
    row('ρ', (r) => fmt(r.score.rho.value)),
    row('bound (loss scale)', (r) => fmt(r.score.bound.total)),
    row('test error ≤', (r) =>
      fmt(r.certificate.certificates.find((c) => c.posterior === r.certificate.best)?.bound),
    ),
  ]);
}

async function trainAndScore(
  name: string,
  opt: OptimizerArgs,
  argv: DemoArgs,
  data: ResolvedData,
  subset: Dataset,
  ctx: Context,
): Promise<DemoRun> {
  const model = await resolveModel(argv.model, { data: data.train });
  checkCompatible(model, data);
  const steps = Math.ceil(data.train.n / argv['batch-size']) * argv.epochs;
  const optimizer = await buildOptimizer(opt, steps, argv.seed);
  const t0 = Date.now();
  const train = await runTraining(
    {
      label: name,
      spec: model.spec,
      params: null,
      data,
      optimizer,
      batchSize: argv['batch-size'],
      epochs: argv.epochs,
      seed: argv.seed,
      precision: 'f32',
    },
    ctx,
  );
  const trainSeconds = (Date.now() - t0) / 1000;
  // Score in the chosen precision (f64 by default: ReLU kinks defeat f32 differences).
  const t1 = Date.now();
  // The engine layer `score` uses (objectiveFor on --threads), so both give the same Ψ.
  const { precision, threads, seed } = argv;
  const engine = { engine: 'core-wasm', precision, threads, seed } as const;
  const setup = await scoringSetup(model.spec, train.params, subset, engine, ctx);
  let report: PacgenReport;
  try {
    ctx.log(`${name}: scoring on ${int(subset.n)} training samples (${setup.engine.summary})`);
    const options = { ...pacgenOptions(argv), trainSamples: data.train.n };
    report = await runPacgen(setup.obj, options, ctx);
  } finally {
    await setup.dispose();
  }
  const score = scoreDocument(report, setup.obj.tensors);
  const last = train.history.at(-1);
  const scoreSeconds = (Date.now() - t1) / 1000;
  ctx.log(
    `${name}: Ψ ${fmt(score.psi, 6)}, Ψ* ${fmt(score.psiStar, 6)}, bound ${fmt(score.bound.total)} (${duration(scoreSeconds)})`,
  );
  const t2 = Date.now();
  const certificate = await runCertify(
    {
      spec: model.spec,
      params: train.params,
      train: data.train,
      test: data.test,
      prior: await initialisationPrior(model.spec, argv.seed, 'f32'),
      precision: 'f32',
    },
    {
      ...DEMO_CERTIFICATE,
      delta: argv.delta,
      seed: argv.seed,
      sigmaStar: { shape: report.sigmaStar },
    },
    ctx,
  );
  const certifySeconds = (Date.now() - t2) / 1000;
  ctx.log(`${name}: ${headline(certificate)} (${duration(certifySeconds)})`);
  return {
    name,
    spec: model.spec,
    optimizer:
      opt.optimizer === 'perturbed'
        ? `perturbedOPT(adam, ${opt.curvature}, s=${opt['noise-scale']})`
        : 'adam',
    train,
    score,
    final: {
      trainLoss: last?.trainLoss ?? null,
      trainAccuracy: last?.trainAccuracy ?? null,
      testLoss: last?.testLoss ?? null,
      testAccuracy: last?.testAccuracy ?? null,
      gap: last?.gap ?? null,
    },
    trainSeconds,
    scoreSeconds,
    certificate,
    certifySeconds,
  };
}

/** The demo's flags: the shared ones with the demo's quick budget as defaults. */
function demoOptions(): Record<string, Options> {
  const estimators = estimatorOptions();
  return {
    ...flags({
      out: out('pacgen-demo', 'report folder'),
      force: FLAG.force,
      data: FLAG.data,
      model: str('model preset', 'mnist-cnn'),
      'train-size': withDefault(trainSize(2), 10000),
      'test-size': withDefault(testSize(1), 2000),
      epochs: withDefault(epochs(), 2),
      'batch-size': FLAG['batch-size'],
      lr: withDefault(FLAG.lr, 1e-3),
      'noise-scale': FLAG['noise-scale'],
      samples: withDefault(samples(2), 1000),
    }),
    ...estimators,
    diagonal: { ...estimators.diagonal, default: 'hutchinson' },
    probes: { ...estimators.probes, default: 16 },
    'rho-probes': { ...estimators['rho-probes'], default: 4 },
    ...runOptions('f64'),
    ...threadsOption(),
  };
}

/** Optimizer flags of the demo's two runs (Adam, and perturbedOPT around the same Adam). */
function demoOptimizers(argv: DemoArgs): { name: string; opt: OptimizerArgs }[] {
  const base: OptimizerArgs = {
    optimizer: 'adam',
    inner: 'adam',
    lr: argv.lr,
    schedule: 'constant',
    momentum: 0,
    nesterov: false,
    'noise-scale': argv['noise-scale'],
    curvature: 'secant',
    'perturb-gamma': 0.1,
    'perturb-epsilon': 0.1,
    noise: 'uniform',
    warmup: 0,
  };
  return [
    { name: 'adam', opt: base },
    { name: 'perturbed', opt: { ...base, optimizer: 'perturbed' } },
  ];
}

export default defineCommand<DemoArgs>({
  command: 'demo',
  describe: 'train an MNIST network with Adam and with perturbedOPT, score both, write a report',
  options: demoOptions(),
  examples: [
    '$0 demo  # the default: about 1–2 minutes on 2 cores, report in ./pacgen-demo/',
    '$0 demo --train-size 2000 --epochs 1 --samples 200 --out quick  # a quick run',
    '$0 demo --model mlp --epochs 3 --json > demo.json  # an MLP, the report as JSON',
  ],
  handler: async (argv, ctx) => {
    const t0 = Date.now();
    await checkOutputTarget(argv.out, argv.force);
    // Checked now, not after the first training run.
    parseNoiseScale(argv['noise-scale']);
    const data = await resolveData(argv.data, {
      trainSize: argv['train-size'],
      testSize: argv['test-size'],
      seed: argv.seed,
    });
    // The scoring samples read again in the scoring precision (f64 values exact, not widened
    // from the f32 training inputs); the same samples as --samples of the training subset.
    const scoring = await resolveData(argv.data, {
      trainSize: argv['train-size'],
      testSize: 0,
      samples: argv.samples,
      seed: argv.seed,
      precision: argv.precision,
    });
    ctx.log(
      `pacgen demo: ${argv.model} on ${int(data.train.n)} ${data.source} training images (${int(data.test?.n ?? 0)} test), ${argv.epochs} epochs, Adam vs perturbedOPT`,
    );
    const runs: DemoRun[] = [];
    for (const { name, opt } of demoOptimizers(argv)) {
      runs.push(await trainAndScore(name, opt, argv, data, scoring.train, ctx));
    }
    const seconds = (Date.now() - t0) / 1000;
    const report = {
      format: 'pacgen-demo/1',
      settings: {
        data: argv.data,
        model: argv.model,
        trainSize: data.train.n,
        testSize: data.test?.n ?? 0,
        epochs: argv.epochs,
        batchSize: argv['batch-size'],
        lr: argv.lr,
        noiseScale: argv['noise-scale'],
        scoring: {
          samples: runs[0].score.numSamples,
          precision: argv.precision,
          diagonal: argv.diagonal,
          probes: argv.probes,
          rhoProbes: argv['rho-probes'],
          gamma: argv.gamma,
          epsilon: argv.epsilon,
          delta: argv.delta,
        },
        seed: argv.seed,
      },
      caution: BOUND_CAUTION,
      runs: runs.map((r) => ({
        name: r.name,
        optimizer: r.optimizer,
        final: r.final,
        score: r.score,
        history: r.train.history,
        certificate: r.certificate,
        trainSeconds: r.trainSeconds,
        scoreSeconds: r.scoreSeconds,
        certifySeconds: r.certifySeconds,
        model: `${r.name}/model.json`,
      })),
      seconds,
    };
    const html = await demoReport(report, runs);
    await withStagedDir(argv.out, { overwrite: argv.force }, async (dir) => {
      const files: Record<string, string | Uint8Array> = {
        'report.json': toJsonText(report),
        ...html.files,
      };
      for (const r of runs) {
        const { modelJson, weightData } = toTfjs(r.spec, r.train.params);
        files[`${r.name}/model.json`] = JSON.stringify(modelJson);
        files[`${r.name}/group1-shard1of1.bin`] = weightData;
      }
      await writeFiles(dir, files);
    });

    ctx.result({ out: resolve(argv.out), ...report });
    ctx.print(`\n${comparisonTable(runs)}`);
    ctx.print(`\ncaution: ${BOUND_CAUTION}`);
    ctx.print(
      `\nΨ* counts the curvature at the bound-optimal perturbation; lower is better, between models of one architecture on the same data; Ψ (η = 1) mostly scores weight magnitudes when few coordinates are on the curvature branch (see docs/method.md).`,
    );
    ctx.print('\nCertificates (pacgen certify, quick settings; docs/certificates.md):');
    for (const r of runs) ctx.print(`${r.name}: ${headline(r.certificate)}`);
    ctx.print(
      `\nwrote ${argv.out}/ (report.html, report.json, adam/, perturbed/) in ${duration(seconds)}`,
    );
  },
});
