// `pacgen score MODEL`: the PACGen report of a trained model on a fixed subset of its training
// data: Ψ, Ψ*, their ingredients, σ*, the bound and a per-layer table; optionally the
// per-parameter Hessian diagonal and σ* as safetensors.

import { join } from 'node:path';
import { type DiagonalMethod, type KinkPolicy, type PacgenOptions } from '@pacgen/metrics';
import { splitByTensors } from '@pacgen/metrics/models';
import { toOnnxTensors } from '@pacgen/metrics/onnx';
import { writeSafetensorsFile } from '@pacgen/metrics/node';
import { defineCommand } from '../command.js';
import type { Context, GlobalArgs } from '../context.js';
import { reportHealth } from '../fd-health.js';
import { duration, fmt, int, keyValues, pct, table } from '../format.js';
import {
  MODEL_POSITIONAL,
  dataOptions,
  engineOptions,
  estimatorOptions,
  modelLossOptions,
  runOptions,
} from '../options.js';
import { checkOutputTarget, withStagedDir } from '../output.js';
import {
  BOUND_CAUTION,
  enginePrecision,
  runPacgen,
  loadModelInputs,
  scoreDocument,
  scoringSetup,
  type EngineArgs,
  type ScoreDocument,
  type ModelInputArgs,
} from '../scoring.js';

/** Flags of the estimators, as parsed (shared with `demo`). */
export interface EstimatorArgs {
  diagonal: 'auto' | DiagonalMethod;
  probes: number;
  'rho-probes': number;
  rho?: number;
  gamma: number;
  epsilon: number;
  delta: number;
  step?: number;
  'on-kink': KinkPolicy;
  'monte-carlo'?: number;
  seed: number;
}

interface ScoreArgs extends GlobalArgs, EstimatorArgs, EngineArgs, ModelInputArgs {
  samples: number;
  export?: string;
  force: boolean;
}

/** The `pacgen` options from the estimator flags. */
export function pacgenOptions(a: EstimatorArgs): PacgenOptions {
  return {
    gamma: a.gamma,
    epsilon: a.epsilon,
    delta: a.delta,
    seed: a.seed,
    diagonal: {
      method: a.diagonal === 'auto' ? undefined : a.diagonal,
      probes: a.probes,
      step: a.step,
      onKink: a['on-kink'],
    },
    rho: a.rho ?? { probes: a['rho-probes'], step: a.step, onKink: a['on-kink'] },
    monteCarlo: a['monte-carlo'],
  };
}

/** Whether the diagonal was estimated from random probes (Hutchinson, with or without a control). */
function probed(d: { method: DiagonalMethod }): boolean {
  return d.method === 'hutchinson' || d.method === 'hutchinson-cv';
}

/** The human-readable report of one score document. */
export function formatScore(doc: ScoreDocument): string {
  const d = doc.diagonal;
  const ing = doc.ingredients;
  const rho = doc.rho.estimated
    ? `${fmt(doc.rho.value)} (estimated from ${doc.rho.probes} displacements: a lower estimate; finite-difference noise ${fmt(doc.rho.noise)})`
    : `${fmt(doc.rho.value)} (given)`;
  const se = d.stdErr ? `, standard error mean ${fmt(d.stdErr.mean)}` : '';
  const lines = keyValues([
    [
      'Ψ*',
      `${fmt(doc.psiStar, 6)} nats (${fmt(doc.perParameter.psiStar)} per parameter; curvature enters ${pct(doc.curvatureFractionStar)} of coordinates): the headline, lower is better`,
    ],
    [
      'Ψ',
      `${fmt(doc.psi, 6)} nats (${fmt(doc.perParameter.psi)} per parameter; ${pct(doc.curvatureFraction)} of coordinates on the curvature branch)`,
    ],
    [
      'n',
      `${int(doc.ingredients.n)} training samples (the bound's n; the curvature is taken on ${int(doc.numSamples)} of them)`,
    ],
    ['training loss', `${fmt(doc.trainLoss)} on ${int(doc.numSamples)} samples (${doc.precision})`],
    [
      'Hessian diagonal',
      `${d.method}${probed(d) ? `, ${d.probes} probes` : ''}: mean ${fmt(d.summary.mean)}, min ${fmt(d.summary.min)}, max ${fmt(d.summary.max)}, ${pct(d.summary.negativeFraction)} negative${se}`,
    ],
    ['ρ', rho],
    [
      'neighbourhood',
      `γ = ${ing.gamma}, ε = ${ing.epsilon}: κ mean ${fmt(ing.kappa.mean)}, τ mean ${fmt(ing.tau.mean)}; a clamped to 0 for ${pct(ing.clampedFraction)}`,
    ],
    [
      'σ*',
      `min ${fmt(doc.sigmaStar.min)}, mean ${fmt(doc.sigmaStar.mean)}, max ${fmt(doc.sigmaStar.max)}; ${pct(doc.sigmaStar.fractionAtCap)} at the cap κ; η = ${fmt(doc.eta)}`,
    ],
    [
      'bound',
      `${fmt(doc.bound.total)} = L̂ ${fmt(doc.bound.trainLoss)} + curvature ${fmt(doc.bound.curvatureTerm)} + complexity ${fmt(doc.bound.complexityTerm)} (δ = ${ing.delta}, KL ${fmt(doc.bound.klTerm)})`,
    ],
  ]);
  const mc = doc.monteCarlo
    ? `\nMonte Carlo check at σ*: E[L̂(w+u)] = ${fmt(doc.monteCarlo.mean)} ± ${fmt(doc.monteCarlo.stdErr)} (${doc.monteCarlo.samples} samples); second-order prediction ${fmt(doc.monteCarlo.predicted)}, bound's curvature allowance ${fmt(doc.monteCarlo.boundCurvature)}`
    : '';
  const layers = table(
    [
      [
        'layer',
        'shape',
        'size',
        'Ψ',
        'Ψ/param',
        'Ψ*',
        'Ψ*/param',
        'curv.',
        'curv.*',
        'mean h',
        'mean σ*',
      ],
      ...doc.layers.map((l) => [
        l.name,
        `[${l.shape.join(',')}]`,
        int(l.size),
        fmt(l.psi, 5),
        fmt(l.psiPerParameter),
        fmt(l.psiStar, 5),
        fmt(l.psiStarPerParameter),
        pct(l.curvatureFraction),
        pct(l.curvatureFractionStar),
        fmt(l.h.mean),
        fmt(l.sigmaStar.mean),
      ]),
    ],
    { alignLeft: [1] },
  );
  return `${lines}\n  caution: ${BOUND_CAUTION}${mc}\n\n${layers}\n\n${readingPsi(doc)}`;
}

/**
 * What Ψ and Ψ* measure, which way is better and what they compare, with a warning when the
 * curvature reaches no coordinate (docs/method.md, "Reading Ψ").
 */
export function readingPsi(doc: ScoreDocument): string {
  const lines = [
    'Reading Ψ: Ψ* is the KL term of the PAC-Bayes bound at the bound-optimal perturbation σ*: the',
    'nats needed to state the weights to the precision the loss surface tolerates around them.',
    'Lower is better (smaller weights, a flatter minimum). Ψ is the same sum at the literal',
    'σ_i = min(1/√a_i, κ_i). Both compare models of the same architecture on the same data at the',
    'same n, γ and ε; they are not error rates. For a bound on the test error: pacgen certify.',
  ];
  const flat = (f: number, name: string) =>
    f === 0
      ? `warning: 0% of coordinates are on the curvature branch of ${name}: ${name} here measures weight size, not curvature.`
      : null;
  const warnings = [flat(doc.curvatureFraction, 'Ψ'), flat(doc.curvatureFractionStar, 'Ψ*')];
  return [...lines, ...warnings.filter((w) => w !== null)].join('\n');
}

/** Loads, scores, and returns the document and what `--export` needs. */
async function score(argv: ScoreArgs, ctx: Context) {
  const t0 = Date.now();
  const { data, model, subset, inputs, trainSamples } = await loadModelInputs(
    argv,
    ctx,
    enginePrecision(argv),
  );
  const setup = await scoringSetup(model.spec, model.params, subset, argv, ctx, model.buffers);
  const { obj, engine } = setup;
  ctx.log(
    `scoring ${model.source} (${int(obj.numParams)} parameters) on ${int(subset.n)} training samples of ${data.source}, ${engine.summary}, ${engine.precision}`,
  );
  try {
    const report = await runPacgen(obj, { ...pacgenOptions(argv), trainSamples }, ctx);
    const doc = scoreDocument(report, obj.tensors);
    return {
      doc,
      report,
      tensors: obj.tensors,
      engine,
      seconds: (Date.now() - t0) / 1000,
      model,
      data,
      inputs,
    };
  } finally {
    await setup.dispose();
  }
}

export default defineCommand<ScoreArgs>({
  command: 'score <model>',
  describe: 'PACGen score Ψ, Ψ*, σ* and the PAC-Bayes bound of a trained model',
  positional: { model: MODEL_POSITIONAL },
  options: {
    ...dataOptions('mnist', false),
    ...modelLossOptions(2),
    ...estimatorOptions(),
    ...runOptions('f64'),
    ...engineOptions(),
    export: {
      type: 'string',
      describe:
        'write the per-parameter Hessian diagonal and σ* into this folder as safetensors (an ONNX model: named and shaped as its initializers)',
    },
    force: { type: 'boolean', default: false, describe: 'replace an existing --export folder' },
  },
  examples: [
    "$0 score pacgen-demo/adam --train-size 10000 --diagonal hutchinson --probes 16 --rho-probes 4  # the demo's Adam model, scored as the demo scored it",
    '$0 score model.json --samples 2000 --diagonal hutchinson --probes 50 --json  # one JSON document on stdout',
    '$0 score net.safetensors --arch net.json --rho 0  # a PyTorch model, ρ given',
    '$0 score resnet.onnx --data cifar10 --export curvature/  # a PyTorch model exported to ONNX; h and σ* named as its initializers',
    '$0 score model.json --engine tfjs --backend webgpu  # on TensorFlow.js, on the GPU (WebGPU through Dawn in Node)',
    '$0 score model.json --export curvature/  # also write h and σ* per parameter',
  ],
  handler: async (argv, ctx) => {
    if (argv.export) await checkOutputTarget(argv.export, argv.force);
    const { doc, report, tensors, engine, seconds, model, data, inputs } = await score(argv, ctx);
    if (argv.export) {
      await withStagedDir(argv.export, { overwrite: argv.force }, async (dir) => {
        // An ONNX model's values go back under its initializers' names and layouts.
        const split = (v: Float64Array) =>
          model.onnx ? toOnnxTensors(model.onnx, tensors, v) : splitByTensors([...tensors], v);
        const h = split(report.diagonal.values);
        const sigma = split(report.sigmaStar);
        const meta = {
          format: 'pacgen-curvature/1',
          model: model.source,
          data: data.source,
          samples: String(doc.numSamples),
          selection: inputs.samples,
          normalization: inputs.normalization.summary,
          precision: doc.precision,
          diagonal: `${doc.diagonal.method}${probed(doc.diagonal) ? `:${doc.diagonal.probes}` : ''}`,
          rho: String(doc.rho.value),
          gamma: String(doc.ingredients.gamma),
          epsilon: String(doc.ingredients.epsilon),
          delta: String(doc.ingredients.delta),
        };
        await writeSafetensorsFile(
          join(dir, 'curvature.safetensors'),
          [
            ...h.map((t) => ({ ...t, name: `${t.name}.hessian_diagonal` })),
            ...sigma.map((t) => ({ ...t, name: `${t.name}.sigma_star` })),
          ],
          meta,
        );
      });
      ctx.log(`wrote ${join(argv.export, 'curvature.safetensors')}`);
    }
    reportHealth(ctx, [
      ['Hessian diagonal', report.diagonal.health],
      ['ρ estimate', report.rho.health],
    ]);
    ctx.result({ model: model.source, data: data.source, inputs, ...doc, engine, seconds });
    ctx.print(formatScore(doc));
    ctx.print(
      `\n${int(doc.cost.gradientEvaluations)} gradient evaluations on ${int(doc.numSamples)} samples, ${duration(seconds)}; ${engine.summary}`,
    );
  },
});
