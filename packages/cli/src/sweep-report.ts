// What `pacgen sweep` writes beside its run files: the per-epoch curves of METHOD.md §6 (gap and
// Ψ per epoch, one line per batch size or learning rate), each measure against the final gap,
// the τ table (markdown and JSON, granulated τ included), CSVs and the HTML report.

import {
  MEASURE_INFO,
  type MeasureCorrelation,
  type MeasureName,
  type SweepResult,
  type SweepRunResult,
} from '@pacgen/metrics';
import { toCsv } from './csv.js';
import { fmt, markdownTable } from './format.js';
import { htmlReport, lineChart, scatter, type ReportSection, type Series } from './plot/index.js';

const CAUTION =
  'Ψ is on its curvature branch only where the Hessian diagonal exceeds about 1/κ²; elsewhere it scores weight magnitudes, so read it with its curvature fraction. The bound behind Ψ* assumes a loss in [0, 1]; for cross-entropy it is a score, not a guarantee.';

/** Which grid axes take more than one value. */
export function variedAxes(runs: readonly SweepRunResult[]) {
  const varies = (f: (r: SweepRunResult) => unknown) => new Set(runs.map(f)).size > 1;
  return {
    optimizer: varies((r) => r.point.optimizer),
    learningRate: varies((r) => r.point.learningRate),
    batchSize: varies((r) => r.point.batchSize),
    seed: varies((r) => r.point.seed),
  };
}

/** A short legend label of a run: only the axes that vary (besides `omit`). */
export function runLabel(r: SweepRunResult, runs: readonly SweepRunResult[], omit: string[] = []) {
  const v = variedAxes(runs);
  const parts: string[] = [];
  if (v.optimizer && !omit.includes('optimizer')) parts.push(r.point.optimizer);
  if (v.batchSize && !omit.includes('batchSize')) parts.push(`bs ${r.point.batchSize}`);
  if (v.learningRate && !omit.includes('learningRate')) parts.push(`lr ${r.point.learningRate}`);
  if (v.seed && !omit.includes('seed')) parts.push(`seed ${r.point.seed}`);
  return parts.join(' · ') || r.name;
}

type CurveKey = 'gap' | 'psi' | 'psiStar' | 'trainLoss' | 'testLoss';
const CURVE_LABEL: Record<CurveKey, string> = {
  gap: 'gap = test − train loss',
  psi: 'Ψ(0.1, 0.1) (nats)',
  psiStar: 'Ψ* (nats)',
  trainLoss: 'training loss',
  testLoss: 'test loss',
};

/** One series per run: curve `key` against the epoch (or against another curve, `xKey`). */
function series(
  runs: SweepRunResult[],
  key: CurveKey,
  label: (r: SweepRunResult) => string,
  group?: (r: SweepRunResult) => Pick<Series, 'group' | 'style'>,
  xKey: 'epoch' | CurveKey = 'epoch',
): Series[] {
  return runs.map((r) => {
    const x: number[] = [];
    const y: number[] = [];
    r.curves.epoch.forEach((_, i) => {
      const u = r.curves[xKey][i];
      const v = r.curves[key][i];
      if (u !== null && v !== null && Number.isFinite(u) && Number.isFinite(v)) {
        x.push(u);
        y.push(v);
      }
    });
    return { name: label(r), x, y, ...group?.(r) };
  });
}

/** A group of runs drawn in one panel: the runs that differ only along `axis` (and seed). */
interface Panel {
  stem: string;
  title: string;
  runs: SweepRunResult[];
  axis: 'batchSize' | 'learningRate';
}

/**
 * The paper's two panels: growing batch size at each learning rate, and shrinking learning rate
 * at the largest batch size (per optimizer when several).
 */
function panels(runs: SweepRunResult[]): Panel[] {
  const out: Panel[] = [];
  const ok = runs.filter((r) => r.stopReason !== 'diverged');
  const v = variedAxes(ok);
  const optimizers = [...new Set(ok.map((r) => r.point.optimizer))];
  for (const opt of optimizers) {
    const mine = ok.filter((r) => r.point.optimizer === opt);
    const tag = v.optimizer ? `${opt}-` : '';
    const lrs = [...new Set(mine.map((r) => r.point.learningRate))].sort((a, b) => b - a);
    const bss = [...new Set(mine.map((r) => r.point.batchSize))].sort((a, b) => a - b);
    if (bss.length > 1) {
      for (const lr of lrs) {
        out.push({
          stem: `${tag}by-batch-size-lr${lr}`,
          title: `${v.optimizer ? `${opt}, ` : ''}lr ${lr}, growing batch size`,
          runs: mine
            .filter((r) => r.point.learningRate === lr)
            .sort((a, b) => a.point.batchSize - b.point.batchSize || a.point.seed - b.point.seed),
          axis: 'batchSize',
        });
      }
    }
    if (lrs.length > 1) {
      const bs = bss[bss.length - 1];
      out.push({
        stem: `${tag}by-lr-bs${bs}`,
        title: `${v.optimizer ? `${opt}, ` : ''}batch ${bs}, shrinking learning rate`,
        runs: mine
          .filter((r) => r.point.batchSize === bs)
          .sort(
            (a, b) => b.point.learningRate - a.point.learningRate || a.point.seed - b.point.seed,
          ),
        axis: 'learningRate',
      });
    }
    if (bss.length === 1 && lrs.length === 1) {
      out.push({ stem: `${tag}runs`, title: `${opt}`, runs: mine, axis: 'batchSize' });
    }
  }
  return out;
}

/** Per-epoch curve figures, by file stem (SVG). Cost: one Vega render per figure. */
export async function curveFigures(result: SweepResult): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  const keys: CurveKey[] = ['gap', 'psi', 'psiStar', 'trainLoss'];
  for (const p of panels(result.runs)) {
    const label = (r: SweepRunResult) => {
      const main =
        p.axis === 'batchSize' ? `bs ${r.point.batchSize}` : `lr ${r.point.learningRate}`;
      return variedAxes(p.runs).seed ? `${main} · seed ${r.point.seed}` : main;
    };
    // One colour per batch size (or learning rate), one dash pattern per seed.
    const group = (r: SweepRunResult) => ({
      group: p.axis === 'batchSize' ? `bs ${r.point.batchSize}` : `lr ${r.point.learningRate}`,
      style: `seed ${r.point.seed}`,
    });
    for (const key of keys) {
      const s = series(p.runs, key, label, group).filter((x) => x.x.length > 0);
      if (s.length === 0) continue;
      figures[
        `${key === 'psiStar' ? 'psi-star' : key === 'trainLoss' ? 'train-loss' : key}-${p.stem}`
      ] = await lineChart({
        title: `${CURVE_LABEL[key]} per epoch: ${p.title}`,
        x: { label: 'epoch (log scale; epoch 0 left out)', log: true },
        y: { label: CURVE_LABEL[key], log: key === 'trainLoss' },
        series: s,
        width: 440,
        height: 280,
      });
    }
    // The gap at equal fit: runs compared at the same training loss, whatever their epochs.
    const fit = series(p.runs, 'gap', label, group, 'trainLoss').filter((x) => x.x.length > 0);
    if (fit.length > 0) {
      figures[`gap-vs-train-loss-${p.stem}`] = await lineChart({
        title: `gap against the training loss: ${p.title}`,
        x: { label: 'training loss (log scale; training goes right to left)', log: true },
        y: { label: CURVE_LABEL.gap },
        series: fit,
        width: 440,
        height: 280,
        points: false,
      });
    }
  }
  return figures;
}

/** One scatter per measure: its final value against the final gap, coloured by batch size (or learning rate). */
export async function scatterFigures(result: SweepResult): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  const ok = result.runs.filter((r) => r.measures !== null);
  // Colour by the batch size, or by the learning rate when only that varies.
  const byLr = !variedAxes(ok).batchSize && variedAxes(ok).learningRate;
  const key = (r: SweepRunResult) => (byLr ? r.point.learningRate : r.point.batchSize);
  const groups = [...new Set(ok.map(key))].sort((a, b) => a - b);
  for (const c of result.correlations.final) {
    const info = MEASURE_INFO[c.measure];
    figures[`scatter-${c.measure}`] = await scatter({
      title: `${info.label} vs gap: τ = ${fmt(c.all.tau, 3)} (n = ${c.all.n})`,
      x: { label: `${info.label} (${info.unit})`, log: c.measure === 'magnitudeFlatness' },
      y: { label: 'final gap (test − train loss)' },
      series: groups.map((g) => {
        const runs = ok.filter((r) => key(r) === g);
        return {
          name: byLr ? `lr ${g}` : `bs ${g}`,
          x: runs.map((r) => r.measures?.values[c.measure]?.value ?? NaN),
          y: runs.map((r) => r.final.gap),
        };
      }),
      size: 60,
      width: 300,
      height: 260,
    });
  }
  return figures;
}

/** The τ table's rows: measure, τ (all runs), p, n, τ at target, granulated per axis and mean. */
export function tauRows(result: SweepResult): {
  columns: string[];
  rows: (string | number | null)[][];
} {
  const axes = result.correlations.final[0]?.granulated.perAxis.map((a) => a.axis) ?? [];
  const columns = [
    'measure',
    'τ (all runs)',
    'p',
    'n',
    'τ (at target)',
    'n at target',
    ...axes.map((a) => `granulated τ ${a}`),
    'granulated τ mean',
  ];
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  const rows = result.correlations.final.map((c: MeasureCorrelation) => [
    MEASURE_INFO[c.measure].label,
    num(c.all.tau),
    num(c.all.pValue),
    c.all.n,
    num(c.atTarget.tau),
    c.atTarget.n,
    ...c.granulated.perAxis.map((a) => num(a.tau)),
    num(c.granulated.mean),
  ]);
  return { columns, rows };
}

/** The τ table as markdown. */
export function tauMarkdown(result: SweepResult): string {
  const { columns, rows } = tauRows(result);
  const cell = (v: string | number | null) =>
    v === null ? '–' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : fmt(v, 3)) : v;
  const lines = markdownTable([columns, ...rows.map((r) => r.map(cell))]);
  const ep = result.correlations.epochwise
    .map(
      (e) =>
        `${e.measure === 'psi' ? 'Ψ' : 'Ψ*'}: τ = ${fmt(e.tau.tau, 3)} over ${e.tau.n} (run, epoch) points`,
    )
    .join('; ');
  return [
    `# Kendall's τ between each measure and the final generalization gap`,
    '',
    `${result.runs.length} runs; τ-b with ties; p two-sided (exact without ties for n ≤ 33, normal approximation otherwise). Granulated τ (Jiang et al. 2019): mean τ over groups of runs that differ in one hyperparameter only, per hyperparameter and the mean over them (Jiang et al.'s Ψ, not PACGen's). Positive τ: a larger measure goes with a larger gap.`,
    '',
    ...lines,
    '',
    `Per epoch (every run's epochs ≥ 1 with Ψ): ${ep}.`,
    '',
  ].join('\n');
}

/** The JSON of the τ table: every KendallResult and granulated τ, by measure. */
export function tauJson(result: SweepResult) {
  return {
    measures: Object.fromEntries(
      result.correlations.final.map((c) => [
        c.measure,
        {
          label: MEASURE_INFO[c.measure].label,
          all: c.all,
          atTarget: c.atTarget,
          granulated: c.granulated,
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
  const col = <T extends number | string>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  return toCsv({
    name: col((r) => r.name),
    optimizer: col((r) => r.optimizer),
    batch_size: col((r) => r.batchSize),
    learning_rate: col((r) => r.learningRate),
    seed: col((r) => r.seed),
    stop: col((r) => r.stopReason),
    epochs: col((r) => r.epochs),
    train_loss: col((r) => r.trainLoss),
    test_loss: col((r) => r.testLoss),
    gap: col((r) => r.gap),
    train_accuracy: col((r) => r.trainAccuracy),
    test_accuracy: col((r) => r.testAccuracy),
    curvature_fraction: col((r) => r.curvatureFraction ?? NaN),
    curvature_fraction_star: col((r) => r.curvatureFractionStar ?? NaN),
    ...Object.fromEntries(names.map((m) => [m, col((r) => r.measures[m] ?? NaN)])),
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

/** Plain sentences: what the sweep found. */
export function sweepFindings(result: SweepResult): string[] {
  const out: string[] = [];
  const s = result.settings;
  const capped = result.runs.filter((r) => r.hitCap).map((r) => r.name);
  const reached = result.runs.filter((r) => r.reachedTarget).length;
  out.push(
    `${result.runs.length} runs of ${s.model.name} (${s.model.numParams.toLocaleString('en-US')} parameters) on ${s.data.name} (${s.data.train} training, ${s.data.test} test samples), each trained to a training loss of ${s.targetLoss} under a cap of ${s.maxEpochs} epochs: ${reached} reached the target.`,
  );
  if (capped.length > 0) {
    out.push(
      `Stopped by the epoch cap (compared at a worse fit): ${capped.join(', ')}. The "at target" τ leaves them out.`,
    );
  }
  if (result.diverged.length > 0)
    out.push(`Diverged (left out of τ): ${result.diverged.join(', ')}.`);
  const by = (m: MeasureName) => result.correlations.final.find((c) => c.measure === m);
  const norm = by('weightNorm');
  for (const m of ['psi', 'psiStar'] as const) {
    const c = by(m);
    if (c && Number.isFinite(c.all.tau)) out.push(tauVerdict(c, norm));
  }
  const meanOver = (
    f: (d: { curvatureFraction: number; curvatureFractionStar: number }) => number,
  ) => {
    const v = result.runs
      .map((r) => r.measures?.details.psi)
      .filter((d) => d !== undefined)
      .map(f)
      .filter(Number.isFinite);
    return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  };
  const fr = meanOver((d) => d.curvatureFraction);
  if (Number.isFinite(fr)) {
    out.push(
      `At the end of the runs, ${(100 * fr).toFixed(1)}% of the coordinates (mean over runs) are on Ψ's curvature branch, ${(100 * meanOver((d) => d.curvatureFractionStar)).toFixed(1)}% on Ψ*'s.`,
    );
  }
  return out;
}

/**
 * One sentence on how a measure ranks the final gaps: its τ, whether the direction is the
 * predicted one (a larger measure, a larger gap) at p < 0.05, and against the weight norm.
 */
export function tauVerdict(c: MeasureCorrelation, norm: MeasureCorrelation | undefined): string {
  const { tau, pValue } = c.all;
  const label = MEASURE_INFO[c.measure].label;
  const direction =
    pValue < 0.05
      ? tau > 0
        ? 'in the predicted direction (a larger value, a larger gap)'
        : 'in the WRONG direction (a larger value, a smaller gap)'
      : 'not significantly (p ≥ 0.05)';
  let versus = '';
  if (norm && norm.measure !== c.measure && Number.isFinite(norm.all.tau)) {
    const beats = tau > 0 && tau > norm.all.tau;
    versus = `; the weight norm has τ = ${fmt(norm.all.tau, 3)}, so ${label} ${beats ? 'beats' : 'does not beat'} that baseline`;
  }
  return `${label} ranks the gaps with τ = ${fmt(tau, 3)} (p = ${fmt(pValue, 2)}), ${direction}${versus}.`;
}

/** The self-contained HTML report. */
export function sweepHtml(
  result: SweepResult,
  figures: { curves: Record<string, string>; scatters: Record<string, string> },
  subtitle: string,
): string {
  const s = result.settings;
  const b = s.budget;
  const tau = tauRows(result);
  const runs = result.runs.map(runRow);
  const sections: ReportSection[] = [
    {
      heading: 'Findings',
      text: [...sweepFindings(result), CAUTION].join('\n\n'),
    },
    {
      heading: "Kendall's τ with the final gap",
      text: `τ-b between each measure at the end of training and the final gap (test − train loss), over the runs that did not diverge, and over those that reached the target loss. Granulated τ (Jiang et al. 2019): for each hyperparameter, the mean τ within groups of runs that differ only in it; Ψ is the mean over the hyperparameters. ${result.correlations.epochwise.map((e) => `Per epoch, ${e.measure === 'psi' ? 'Ψ' : 'Ψ*'} vs gap: τ = ${fmt(e.tau.tau, 3)} over ${e.tau.n} points.`).join(' ')}`,
      table: tau,
    },
    {
      heading: 'Gap and Ψ per epoch',
      text: 'One line per run: growing batch size at each learning rate, and shrinking learning rate at the largest batch size (METHOD.md §6). Ψ is estimated every few epochs on a fixed subset of the training samples.',
      svg: Object.values(figures.curves),
    },
    {
      heading: 'Measures against the final gap',
      svg: Object.values(figures.scatters),
    },
    {
      heading: 'Runs',
      table: {
        columns: [
          'run',
          'stop',
          'epochs',
          'train loss',
          'test loss',
          'gap',
          'test acc',
          'Ψ',
          'Ψ*',
          'curv. frac.',
          '‖w‖₂',
          'seconds',
        ],
        rows: runs.map((r) => [
          r.name,
          r.stopReason,
          r.epochs,
          r.trainLoss,
          r.testLoss,
          r.gap,
          r.testAccuracy,
          r.measures.psi ?? null,
          r.measures.psiStar ?? null,
          r.curvatureFraction,
          r.measures.weightNorm ?? null,
          r.seconds.train + r.seconds.measures,
        ]),
      },
    },
    {
      heading: 'Settings and budget',
      text: `Precision ${s.precision}; seed ${s.seed}; Ψ with γ = ${s.gamma}, ε = ${s.epsilon}, its curvature from ${b.psiSamples} training samples: Hutchinson diagonal with ${b.probes} probes, ρ̂ from ${b.rhoProbes} displacements, ${b.psiEvery === 'log' ? 'at epochs 0, 1, 2, 4, 8, …' : `every ${b.psiEvery} epochs`}. Final measures on the same samples: trace with ${b.probes} probes, λmax by ${b.lanczosIterations} Lanczos steps, SAM sharpness (ρ = ${s.samRho}) by ${b.sharpnessSteps} ascent points, magnitude-aware flatness (increase ≤ ${s.flatnessTarget}) with ${b.flatnessSamples} antithetic draws and ${b.flatnessIterations} bisection steps.`,
    },
  ];
  return htmlReport({ title: 'PACGen sweep', subtitle, sections });
}
