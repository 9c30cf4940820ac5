// The report of `pacgen sweep` for its reader: what the sweep found, in plain sentences (Ψ's τ
// against the weight norm's, capped and diverged runs, the curvature fraction), and the
// self-contained HTML report with the τ table, the figures, the runs and the budget.

import {
  MEASURE_INFO,
  type MeasureCorrelation,
  type MeasureName,
  type SweepResult,
} from '@pacgen/metrics/experiments';
import { fmt, intervalCell } from './format.js';
import { htmlReport, type ReportSection } from './plot/index.js';
import { runRow, tauRows } from './sweep-tables.js';

const CAUTION =
  'Ψ is on its curvature branch only where the Hessian diagonal exceeds about 1/κ²; elsewhere it scores weight magnitudes, so read it with its curvature fraction. The bound behind Ψ* assumes a loss in [0, 1]; for cross-entropy it is a score, not a guarantee.';

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
  for (const m of ['psi', 'psiStar', 'certificate'] as const) {
    const c = by(m);
    if (c && Number.isFinite(c.all.tau)) out.push(`${tauVerdict(c, norm)} ${bothGaps(c)}`);
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

/** One sentence: τ with its bootstrap interval against the cross-entropy and the 0-1 error gap. */
export function bothGaps(c: MeasureCorrelation): string {
  const one = (r: { all: { tau: number }; intervals: MeasureCorrelation['intervals'] }) =>
    `τ = ${fmt(r.all.tau, 3)} ${intervalCell(r.intervals.all) ?? '(no interval)'}`;
  const conf = Math.round(100 * c.intervals.all.confidence);
  return `Against the cross-entropy gap ${one(c)}, against the 0-1 error gap ${one(c.errorGap)} (${conf}% bootstrap intervals over the runs).`;
}

/**
 * One sentence on how a measure ranks the final gaps: its τ, whether the direction is the
 * predicted one (a larger measure, a larger gap) at p < 0.05, and against the weight norm.
 */
export function tauVerdict(
  c: Pick<MeasureCorrelation, 'measure' | 'all'>,
  norm: Pick<MeasureCorrelation, 'measure' | 'all'> | undefined,
): string {
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
  const tau = tauRows(result, 'crossEntropy');
  const tauError = tauRows(result, 'error');
  const runs = result.runs.map(runRow);
  const sections: ReportSection[] = [
    {
      heading: 'Findings',
      text: [...sweepFindings(result), CAUTION].join('\n\n'),
    },
    {
      heading: "Kendall's τ with the final cross-entropy gap",
      text: `τ-b between each measure at the end of training and the final gap (test − train loss), with its percentile bootstrap interval over resampled runs (${result.correlations.bootstrap.resamples.toLocaleString('en-US')} resamples), over the runs that did not diverge, and over those that reached the target loss. Granulated τ (Jiang et al. 2019): for each hyperparameter, the mean τ within groups of runs that differ only in it; Ψ is the mean over the hyperparameters. ${result.correlations.epochwise.map((e) => `Per epoch, ${e.measure === 'psi' ? 'Ψ' : 'Ψ*'} vs gap: τ = ${fmt(e.tau.tau, 3)} over ${e.tau.n} points.`).join(' ')}`,
      table: tau,
    },
    {
      heading: "Kendall's τ with the final 0-1 error gap",
      text: 'The same against the 0-1 error gap (test error − training error), as Jiang et al. 2020 rank measures. The certificate (cert. bound) is the PAC-Bayes-kl bound on the test error of each run, isotropic posterior at a cheap setting, 95% confidence.',
      table: tauError,
    },
    {
      heading: 'Gap and Ψ per epoch',
      text: 'One line per run: growing batch size at each learning rate, and shrinking learning rate at the largest batch size (docs/reproduction.md §2). Ψ is estimated every few epochs on a fixed subset of the training samples.',
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
