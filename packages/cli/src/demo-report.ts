// The demo's HTML report: the comparison table, learning curves, per-layer scores and the
// settings, as one self-contained file built with the plot module.

import type { DemoRun } from './commands/demo.js';
import { fmt, pct } from './format.js';
import { htmlReport } from './plot/html.js';
import { accuracyChart, comparisonBars, curvesChart } from './report-plots.js';

/** Files of the report (report.html and the charts as SVG). */
export async function demoReport(
  report: { settings: object; caution: string; seconds: number },
  runs: DemoRun[],
): Promise<{ files: Record<string, string> }> {
  const curveRuns = runs.map((r) => ({ label: r.name, history: r.train.history }));
  const loss = await curvesChart(curveRuns, 'Loss per epoch (evaluation mode)');
  const acc = await accuracyChart(curveRuns, 'Accuracy per epoch');
  const layerBars = (pick: (l: DemoRun['score']['layers'][number]) => number) =>
    runs.flatMap((r) =>
      r.score.layers.map((l) => ({ group: l.name, series: r.name, value: pick(l) })),
    );
  const psiStar = await comparisonBars(
    'Ψ* per parameter, by layer',
    'Ψ*/m (nats)',
    layerBars((l) => l.psiStarPerParameter),
  );
  const psi = await comparisonBars(
    'Ψ per parameter, by layer',
    'Ψ/m (nats)',
    layerBars((l) => l.psiPerParameter),
  );
  const columns = ['', ...runs.map((r) => r.name)];
  const rows = [
    ['optimizer', ...runs.map((r) => r.optimizer)],
    ['train loss', ...runs.map((r) => fmt(r.final.trainLoss))],
    ['train accuracy', ...runs.map((r) => pct(r.final.trainAccuracy))],
    ['test loss', ...runs.map((r) => fmt(r.final.testLoss))],
    ['test accuracy', ...runs.map((r) => pct(r.final.testAccuracy))],
    ['gap (test − train loss)', ...runs.map((r) => fmt(r.final.gap))],
    ['Ψ (nats)', ...runs.map((r) => fmt(r.score.psi, 6))],
    ['Ψ* (nats)', ...runs.map((r) => fmt(r.score.psiStar, 6))],
    ['curvature fraction Ψ', ...runs.map((r) => pct(r.score.curvatureFraction))],
    ['curvature fraction Ψ*', ...runs.map((r) => pct(r.score.curvatureFractionStar))],
    ['ρ (lower estimate)', ...runs.map((r) => fmt(r.score.rho.value))],
    ['bound (loss scale, a score)', ...runs.map((r) => fmt(r.score.bound.total))],
    [
      'certificate: test error ≤',
      ...runs.map((r) => {
        const c = r.certificate.certificates.find((x) => x.posterior === r.certificate.best);
        return `${fmt(c?.bound)} (${c?.posterior})`;
      }),
    ],
  ];
  const html = htmlReport({
    title: 'pacgen demo: Adam vs perturbedOPT',
    sections: [
      { heading: 'Comparison', table: { columns, rows }, text: report.caution },
      { heading: 'Learning curves', svg: loss },
      { heading: 'Accuracy', svg: acc },
      { heading: 'Ψ* by layer', svg: psiStar },
      { heading: 'Ψ by layer', svg: psi },
      { heading: 'Settings', text: JSON.stringify(report.settings, null, 2) },
    ],
  });
  return {
    files: {
      'report.html': html,
      'plots/loss.svg': loss,
      'plots/accuracy.svg': acc,
      'plots/psi-star-by-layer.svg': psiStar,
    },
  };
}
