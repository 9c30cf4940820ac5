// What `pacgen compare` writes: the comparison table (mean ± sd over seeds, the difference to the
// plain optimizer with its standard error and Welch's t), perturbedOPT's σ statistics, one-line
// findings, CSVs of the runs and the per-epoch curves, and the figures (curves averaged over seeds,
// σ over training, final test accuracy per method).

import type {
  CompareCurves,
  CompareResult,
  CompareRun,
  CompareSummary,
  MeanDifference,
  MeanSd,
} from '@pacgen/metrics/experiments';
import { rowsToCsv, toCsv } from './csv.js';
import { fmt, int, intervalCell, markdownTable, pct } from './format.js';
import { barChart, lineChart, type Bar, type Series } from './plot/index.js';

/** A number with a real minus sign (for tables and sentences, not data files). */
function signed(x: number, digits = 3): string {
  return fmt(x, digits).replace(/^-/, '−');
}

/** `mean ± sd` (the mean alone with one seed). */
export function meanSdText(s: MeanSd, digits = 3): string {
  if (!Number.isFinite(s.mean)) return '–';
  return Number.isFinite(s.sd)
    ? `${signed(s.mean, digits)} ± ${fmt(s.sd, 2)}`
    : signed(s.mean, digits);
}

/** `mean% ± sd` of an accuracy (percentage points). */
function accuracyText(s: MeanSd): string {
  if (!Number.isFinite(s.mean)) return '–';
  return Number.isFinite(s.sd) ? `${pct(s.mean)} ± ${(100 * s.sd).toFixed(1)}` : pct(s.mean);
}

/** `difference ± SE (t = …)`, or the difference alone when there is no standard error. */
function differenceText(d: MeanDifference): string {
  if (!Number.isFinite(d.se)) return `${signed(d.difference)} (no SE: 1 seed)`;
  const t = Number.isFinite(d.t) ? signed(d.t, 2) : '–';
  return `${signed(d.difference)} ± ${fmt(d.se, 2)} (t = ${t})`;
}

/** The columns of the comparison table. */
export const COMPARE_COLUMNS = [
  'method',
  'gradients',
  'train loss',
  'test loss',
  'test acc',
  'gap',
  'Ψ',
  'Ψ*',
  'test err ≤',
  'Δ test loss vs plain ± SE (t)',
];

/** One table row per method (text cells): mean ± sd over seeds. */
export function compareRows(result: CompareResult): string[][] {
  return result.summaries.map((s) => [
    s.method,
    int(s.gradientEvaluations),
    meanSdText(s.trainLoss),
    meanSdText(s.testLoss),
    accuracyText(s.testAccuracy),
    meanSdText(s.gap),
    meanSdText(s.psi, 4),
    meanSdText(s.psiStar, 4),
    meanSdText(s.certificate),
    s.vsPlain ? differenceText(s.vsPlain.testLoss) : '–',
  ]);
}

/** The σ table's columns and rows (perturbedOPT methods only; empty when none ran). */
export function sigmaRows(result: CompareResult): string[][] {
  const rows = result.summaries
    .filter((s) => s.sigma !== null)
    .map((s) => {
      const g = s.sigma as NonNullable<CompareSummary['sigma']>;
      return [
        s.method,
        fmt(g.finalMean, 3),
        fmt(g.finalMedian, 3),
        pct(g.finalFractionAtCap),
        fmt(g.meanOverEpochs, 3),
        fmt(g.finalCurvatureMean, 3),
      ];
    });
  if (rows.length === 0) return [];
  return [
    [
      'method',
      'σ mean (final)',
      'σ median (final)',
      'σ at cap κ (final)',
      'σ mean over epochs',
      'ĥ mean (final)',
    ],
    ...rows,
  ];
}

/** compare.md: the comparison table, the σ table, the findings and the settings. */
export function compareMarkdown(result: CompareResult): string {
  const s = result.settings;
  const p = s.perturbed;
  const sigma = sigmaRows(result);
  const lines = [
    '# Perturbed optimization comparison',
    '',
    `${s.model.name} (${int(s.model.numParams)} parameters) on ${s.data.name} (${s.data.train} training, ${s.data.test} test samples); ${s.epochs} epochs of batch ${s.batchSize}, ${s.inner} at learning rate ${s.learningRate}; seeds ${s.seeds.join(', ')}. Mean ± sample sd over seeds at the end of training; gradients: minibatch gradient evaluations of a run; Ψ (γ = ε = ${s.psi.gamma}) of the final, unperturbed weights${s.certificate ? `; test err ≤: the certificate of the final network, a bound on the 0-1 test error of its stochastic version N(w, σ²I) holding with 95% confidence (the cheap setting of the sweeps' certificate measure, n = ${int(s.data.train)}; docs/certificates.md)` : ''}. Δ: the method's mean test loss minus plain's, ± √(sd₁²/n₁ + sd₂²/n₂), with Welch's t.`,
    '',
    ...markdownTable([COMPARE_COLUMNS, ...compareRows(result)]),
    '',
  ];
  if (sigma.length > 0) {
    lines.push(
      '## σ of perturbedOPT',
      '',
      `Half-widths of the uniform perturbation at the last step of an epoch (parameter units), mean over seeds; noise scale s = ${p.scale}, κ_i = ${p.gamma}|w_i| + ${p.epsilon}, ${p.warmup} noise-free warm-up steps (σ = 0); probes: ${p.probeCount} every ${p.probeEvery} steps.`,
      '',
      ...markdownTable(sigma),
      '',
    );
  }
  lines.push('## Findings', '', ...compareFindings(result).map((f) => `- ${f}`), '');
  lines.push(compareTauSentence(result.correlations), '');
  if (!result.complete) lines.push('The comparison was interrupted: some runs are missing.', '');
  return lines.join('\n');
}

/**
 * Kendall's τ-b of the final Ψ, Ψ* and certificate against the cross-entropy and the 0-1 error
 * gap, each with its p-value and bootstrap interval, in one paragraph (the certificate only when
 * the runs have one).
 */
export function compareTauSentence(c: CompareResult['correlations']): string {
  const one = (t: CompareResult['correlations']['psi']) =>
    `${fmt(t.tau, 3)} (p = ${fmt(t.pValue, 2)}; ${intervalCell(t.interval) ?? 'no interval'})`;
  const cert = (t: CompareResult['correlations']['certificate']) =>
    t ? `, the certificate ${one(t)}` : '';
  const conf = Math.round(100 * c.bootstrap.confidence);
  return `Kendall's τ-b of the final models' measure against their cross-entropy gap (test − train loss), over all ${c.psi.n} runs (methods and seeds together): Ψ ${one(c.psi)}, Ψ* ${one(c.psiStar)}${cert(c.certificate)}; against their 0-1 error gap (test error − training error): Ψ ${one(c.errorGap.psi)}, Ψ* ${one(c.errorGap.psiStar)}${cert(c.errorGap.certificate)}. The intervals are ${conf}% percentile bootstrap intervals over the runs (${c.bootstrap.resamples.toLocaleString('en-US')} resamples with replacement, seed ${c.bootstrap.seed}).`;
}

/** One sentence per method: its test loss against plain's, and whether it differs at 2 SE. */
export function compareFindings(result: CompareResult): string[] {
  const plain = result.summaries.find((s) => s.method === 'plain');
  const out: string[] = [];
  for (const s of result.summaries) {
    const div = s.diverged > 0 ? ` (${s.diverged} of ${s.n} runs diverged)` : '';
    if (s.method === 'plain') {
      out.push(
        `plain: test loss ${meanSdText(s.testLoss)}, test accuracy ${accuracyText(s.testAccuracy)}${div}`,
      );
      continue;
    }
    const head = `${s.method}: test loss ${meanSdText(s.testLoss)}`;
    if (!plain || !s.vsPlain) {
      out.push(
        `${head}, test accuracy ${accuracyText(s.testAccuracy)} (no plain runs to compare)${div}`,
      );
      continue;
    }
    const d = s.vsPlain.testLoss;
    let verdict: string;
    if (!Number.isFinite(d.se)) verdict = 'one seed on a side: no test';
    else if (Math.abs(d.t) >= 2)
      verdict = `${d.difference < 0 ? 'lower' : 'higher'} than plain at 2 SE`;
    else verdict = 'not significant at 2 SE';
    const diff = Number.isFinite(d.se)
      ? `${signed(d.difference)} ± ${fmt(d.se, 2)} (t = ${Number.isFinite(d.t) ? signed(d.t, 2) : '–'})`
      : signed(d.difference);
    out.push(
      `${head} vs plain ${meanSdText(plain.testLoss)}, difference ${diff}: ${verdict}; test accuracy ${accuracyText(s.testAccuracy)} vs ${accuracyText(plain.testAccuracy)}${div}`,
    );
  }
  return out;
}

/** A run without its curves (for summary.json). */
export function runRow(r: CompareRun): Omit<CompareRun, 'curves'> {
  const { curves: _curves, ...rest } = r;
  return rest;
}

/** runs.csv: one row per run. */
export function compareRunsCsv(result: CompareResult): string {
  return rowsToCsv(result.runs, {
    method: (r) => r.method,
    name: (r) => r.name,
    seed: (r) => r.seed,
    stop: (r) => r.stopReason,
    epochs: (r) => r.epochs,
    steps: (r) => r.steps,
    gradient_evaluations: (r) => r.gradientEvaluations,
    train_loss: (r) => r.final.trainLoss,
    test_loss: (r) => r.final.testLoss,
    gap: (r) => r.final.gap,
    train_accuracy: (r) => r.final.trainAccuracy,
    test_accuracy: (r) => r.final.testAccuracy,
    psi: (r) => r.psi?.psi ?? NaN,
    psi_star: (r) => r.psi?.psiStar ?? NaN,
    curvature_fraction: (r) => r.psi?.curvatureFraction ?? NaN,
    curvature_fraction_star: (r) => r.psi?.curvatureFractionStar ?? NaN,
    bound: (r) => r.psi?.bound ?? NaN,
    certificate: (r) => r.certificate?.bound ?? NaN,
    certificate_test_error_q: (r) => r.certificate?.testErrorQ ?? NaN,
    seconds: (r) => r.seconds,
  });
}

const CURVE_COLUMNS: [string, keyof Omit<CompareCurves, 'epoch'>][] = [
  ['train_loss', 'trainLoss'],
  ['test_loss', 'testLoss'],
  ['gap', 'gap'],
  ['train_accuracy', 'trainAccuracy'],
  ['test_accuracy', 'testAccuracy'],
  ['psi', 'psi'],
  ['psi_star', 'psiStar'],
  ['sigma_mean', 'sigmaMean'],
  ['sigma_median', 'sigmaMedian'],
  ['sigma_min', 'sigmaMin'],
  ['sigma_max', 'sigmaMax'],
  ['sigma_fraction_at_cap', 'sigmaFractionAtCap'],
  ['noise_scale', 'noiseScale'],
  ['curvature_mean', 'curvatureMean'],
];

/** curves.csv: one row per (run, epoch). */
export function compareCurvesCsv(result: CompareResult): string {
  const cols: Record<string, (number | string)[]> = { method: [], seed: [], epoch: [] };
  for (const [c] of CURVE_COLUMNS) cols[c] = [];
  for (const r of result.runs) {
    r.curves.epoch.forEach((e, i) => {
      cols.method.push(r.method);
      cols.seed.push(r.seed);
      cols.epoch.push(e);
      for (const [c, k] of CURVE_COLUMNS) cols[c].push(r.curves[k][i] ?? NaN);
    });
  }
  return toCsv(cols);
}

/** A method's curve averaged over its seeds, per epoch (epochs where some seed has a value). */
function meanCurve(
  runs: readonly CompareRun[],
  key: keyof Omit<CompareCurves, 'epoch'>,
): { x: number[]; y: number[] } {
  const byEpoch = new Map<number, number[]>();
  for (const r of runs) {
    r.curves.epoch.forEach((e, i) => {
      const v = r.curves[key][i];
      if (v === null || !Number.isFinite(v)) return;
      byEpoch.set(e, [...(byEpoch.get(e) ?? []), v]);
    });
  }
  const x = [...byEpoch.keys()].sort((a, b) => a - b);
  return {
    x,
    y: x.map((e) => {
      const vs = byEpoch.get(e) as number[];
      return vs.reduce((a, b) => a + b, 0) / vs.length;
    }),
  };
}

function methodSeries(
  result: CompareResult,
  key: keyof Omit<CompareCurves, 'epoch'>,
  suffix = '',
): Series[] {
  return result.summaries
    .map((s) => ({
      name: `${s.method}${suffix}`,
      ...meanCurve(
        result.runs.filter((r) => r.method === s.method),
        key,
      ),
    }))
    .filter((s) => s.x.length > 0);
}

/** The figures by file stem (SVG). Cost: one Vega render each. */
export async function compareFigures(result: CompareResult): Promise<Record<string, string>> {
  const seeds = result.settings.seeds.length;
  const avg = seeds > 1 ? ` (mean over ${seeds} seeds)` : '';
  const figures: Record<string, string> = {};
  const curves: [string, keyof Omit<CompareCurves, 'epoch'>, string][] = [
    ['test-loss', 'testLoss', 'test loss'],
    ['test-accuracy', 'testAccuracy', 'test accuracy'],
    ['gap', 'gap', 'gap = test − train loss'],
  ];
  for (const [stem, key, label] of curves) {
    const series = methodSeries(result, key);
    if (series.length === 0) continue;
    figures[stem] = await lineChart({
      title: `${label} per epoch${avg}`,
      x: { label: 'epoch' },
      y: { label },
      series,
    });
  }
  const sigma = [
    ...methodSeries(result, 'sigmaMean', ' mean'),
    ...methodSeries(result, 'sigmaMedian', ' median'),
  ].filter((s) => s.name.startsWith('perturbed'));
  if (sigma.length > 0) {
    figures.sigma = await lineChart({
      title: `σ of perturbedOPT at each epoch's last step${avg}`,
      x: { label: 'epoch' },
      y: { label: 'σ (parameter units)' },
      series: sigma,
    });
  }
  const bars: Bar[] = [];
  for (const s of result.summaries) {
    for (const r of result.runs.filter((x) => x.method === s.method)) {
      bars.push({ group: s.method, series: `seed ${r.seed}`, value: r.final.testAccuracy });
    }
    if (s.n > 1) bars.push({ group: s.method, series: 'mean', value: s.testAccuracy.mean });
  }
  if (bars.length > 0) {
    figures['final-test-accuracy'] = await barChart({
      title: 'final test accuracy per method',
      yLabel: 'test accuracy',
      bars,
    });
  }
  return figures;
}
