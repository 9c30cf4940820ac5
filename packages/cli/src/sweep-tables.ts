// The tables and data files of `pacgen sweep`: Kendall's τ of each measure against the final
// cross-entropy gap and the final 0-1 error gap, with bootstrap intervals (rows, tau.md,
// tau.json), one summary row per run, runs.csv and curves.csv.

import {
  MEASURE_INFO,
  type MeasureCorrelation,
  type MeasureName,
  type SweepResult,
  type SweepRunResult,
} from '@pacgen/metrics/experiments';
import { rowsToCsv, toCsv } from './csv.js';
import { fmt, intervalCell, markdownTable } from './format.js';

/** The gaps a τ table ranks against: cross-entropy (test − train loss) or 0-1 error. */
export type GapKind = 'crossEntropy' | 'error';

/** What each gap is, for titles. */
export const GAP_TITLES: Record<GapKind, string> = {
  crossEntropy: 'the cross-entropy gap (test − train loss, nats)',
  error: 'the 0-1 error gap (test error − training error)',
};

type GapRanking = Omit<MeasureCorrelation, 'measure' | 'errorGap'>;

/** The ranking of a measure against one gap. */
function against(c: MeasureCorrelation, gap: GapKind): GapRanking {
  return gap === 'error' ? c.errorGap : c;
}

/**
 * The τ table's rows against one gap: measure, τ (all runs) with its bootstrap interval, p, n,
 * τ at target, granulated per axis and mean with its interval.
 */
export function tauRows(
  result: SweepResult,
  gap: GapKind = 'crossEntropy',
): {
  columns: string[];
  rows: (string | number | null)[][];
} {
  const axes = result.correlations.final[0]?.granulated.perAxis.map((a) => a.axis) ?? [];
  const ci = `${Math.round(100 * result.correlations.bootstrap.confidence)}% CI`;
  const columns = [
    'measure',
    'τ (all runs)',
    ci,
    'p',
    'n',
    'τ (at target)',
    'n at target',
    ...axes.map((a) => `granulated τ ${a}`),
    'granulated τ mean',
    `granulated ${ci}`,
  ];
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  const rows = result.correlations.final.map((mc: MeasureCorrelation) => {
    const c = against(mc, gap);
    return [
      MEASURE_INFO[mc.measure].label,
      num(c.all.tau),
      intervalCell(c.intervals.all),
      num(c.all.pValue),
      c.all.n,
      num(c.atTarget.tau),
      c.atTarget.n,
      ...c.granulated.perAxis.map((a) => num(a.tau)),
      num(c.granulated.mean),
      intervalCell(c.intervals.granulated),
    ];
  });
  return { columns, rows };
}

/** A τ table cell as text: integers as they are, τ and p to 3 digits, `none` for no value. */
function tauCell(v: string | number | null, none: string): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : fmt(v, 3)) : (v ?? none);
}

/** The τ table against one gap for the terminal: text cells, "granulated" shortened. */
export function tauText(result: SweepResult, gap: GapKind = 'crossEntropy'): string[][] {
  const { columns, rows } = tauRows(result, gap);
  return [
    columns.map((c) => c.replace('granulated ', 'gran. ')),
    ...rows.map((r) => r.map((v) => tauCell(v, '-'))),
  ];
}

/** How the τ tables were computed, in one paragraph. */
function tauMethod(result: SweepResult): string {
  const b = result.correlations.bootstrap;
  const boot = ` Intervals: percentile bootstrap over the runs (${b.resamples.toLocaleString('en-US')} resamples with replacement, seed ${b.seed}), so a τ whose interval spans 0 is not told apart from noise.`;
  return `${result.runs.length} runs; τ-b with ties; p two-sided (exact without ties for n ≤ 33, normal approximation otherwise). Granulated τ (Jiang et al. 2019): mean τ over groups of runs that differ in one hyperparameter only, per hyperparameter and the mean over them (Jiang et al.'s Ψ, not PACGen's). Positive τ: a larger measure goes with a larger gap.${boot} The certificate (cert. bound) is the PAC-Bayes-kl bound on the test error of each run at a cheap setting (isotropic posterior, 95%).`;
}

/** The τ tables (cross-entropy gap, then 0-1 error gap) as markdown. */
export function tauMarkdown(result: SweepResult): string {
  const table = (gap: GapKind) => {
    const { columns, rows } = tauRows(result, gap);
    return markdownTable([columns, ...rows.map((r) => r.map((v) => tauCell(v, '–')))]);
  };
  const ep = result.correlations.epochwise
    .map(
      (e) =>
        `${e.measure === 'psi' ? 'Ψ' : 'Ψ*'}: τ = ${fmt(e.tau.tau, 3)} over ${e.tau.n} (run, epoch) points`,
    )
    .join('; ');
  return [
    `# Kendall's τ between each measure and the final generalization gaps`,
    '',
    tauMethod(result),
    '',
    `## Against ${GAP_TITLES.crossEntropy}`,
    '',
    ...table('crossEntropy'),
    '',
    `## Against ${GAP_TITLES.error}`,
    '',
    ...table('error'),
    '',
    `Per epoch (every run's epochs ≥ 1 with Ψ, cross-entropy gap): ${ep}.`,
    '',
  ].join('\n');
}

/**
 * The JSON of the τ tables: by measure, every KendallResult, granulated τ and bootstrap interval
 * against the cross-entropy gap (top level) and the 0-1 error gap (`errorGap`).
 */
export function tauJson(result: SweepResult) {
  return {
    gaps: {
      crossEntropy: GAP_TITLES.crossEntropy,
      errorGap: GAP_TITLES.error,
    },
    bootstrap: result.correlations.bootstrap,
    measures: Object.fromEntries(
      result.correlations.final.map((c) => [
        c.measure,
        {
          label: MEASURE_INFO[c.measure].label,
          all: c.all,
          atTarget: c.atTarget,
          granulated: c.granulated,
          intervals: c.intervals,
          errorGap: c.errorGap,
        },
      ]),
    ),
    epochwise: result.correlations.epochwise,
  };
}

/** One summary row per run (final fit and every measure). */
export function runRow(r: SweepRunResult) {
  const values: Partial<Record<MeasureName, number>> = {};
  for (const [k, v] of Object.entries(r.measures?.values ?? {})) values[k as MeasureName] = v.value;
  return {
    name: r.name,
    ...r.point,
    stopReason: r.stopReason,
    reachedTarget: r.reachedTarget,
    hitCap: r.hitCap,
    epochs: r.epochs,
    steps: r.steps,
    ...r.final,
    curvatureFraction: r.measures?.details.psi?.curvatureFraction ?? null,
    curvatureFractionStar: r.measures?.details.psi?.curvatureFractionStar ?? null,
    measures: values,
    measureCost: r.measures?.cost ?? null,
    seconds: r.seconds,
  };
}

/** runs.csv: one row per run. */
export function runsCsv(result: SweepResult): string {
  const rows = result.runs.map(runRow);
  const names = result.correlations.final.map((c) => c.measure);
  return rowsToCsv(rows, {
    name: (r) => r.name,
    optimizer: (r) => r.optimizer,
    batch_size: (r) => r.batchSize,
    learning_rate: (r) => r.learningRate,
    seed: (r) => r.seed,
    stop: (r) => r.stopReason,
    epochs: (r) => r.epochs,
    train_loss: (r) => r.trainLoss,
    test_loss: (r) => r.testLoss,
    gap: (r) => r.gap,
    train_accuracy: (r) => r.trainAccuracy,
    test_accuracy: (r) => r.testAccuracy,
    curvature_fraction: (r) => r.curvatureFraction ?? NaN,
    curvature_fraction_star: (r) => r.curvatureFractionStar ?? NaN,
    ...Object.fromEntries(
      names.map((m) => [m, (r: (typeof rows)[number]) => r.measures[m] ?? NaN]),
    ),
  });
}

/** curves.csv: one row per (run, epoch). */
export function curvesCsv(result: SweepResult): string {
  const cols: Record<string, (number | string)[]> = {
    name: [],
    epoch: [],
    train_loss: [],
    test_loss: [],
    gap: [],
    train_accuracy: [],
    test_accuracy: [],
    psi: [],
    psi_star: [],
    curvature_fraction: [],
  };
  const v = (x: number | null) => x ?? NaN;
  for (const r of result.runs) {
    const c = r.curves;
    c.epoch.forEach((e, i) => {
      cols.name.push(r.name);
      cols.epoch.push(e);
      cols.train_loss.push(v(c.trainLoss[i]));
      cols.test_loss.push(v(c.testLoss[i]));
      cols.gap.push(v(c.gap[i]));
      cols.train_accuracy.push(v(c.trainAccuracy[i]));
      cols.test_accuracy.push(v(c.testAccuracy[i]));
      cols.psi.push(v(c.psi[i]));
      cols.psi_star.push(v(c.psiStar[i]));
      cols.curvature_fraction.push(v(c.curvatureFraction[i]));
    });
  }
  return toCsv(cols);
}
