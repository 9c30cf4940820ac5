// The charts of the CLI's own commands (learning curves, spectral density, the demo's
// comparison) built on the plot module, and SVG-or-PNG output by file extension.

import { extname } from 'node:path';
import type { DensityResult } from '@pacgen/metrics';
import type { EpochRecord } from '@pacgen/metrics/train';
import { barChart, lineChart, svgToPng, type Series } from './plot/index.js';

/** One training run's history with its legend name. */
export interface CurveRun {
  label: string;
  history: EpochRecord[];
}

function curve(
  runs: CurveRun[],
  pick: (r: EpochRecord) => number | null,
  suffix: string,
): Series[] {
  return runs.map(({ label, history }) => {
    const rows = history.filter((r) => pick(r) !== null);
    return {
      name: `${label} ${suffix}`.trim(),
      x: rows.map((r) => r.epoch),
      y: rows.map((r) => pick(r) as number),
    };
  });
}

/** Training and test loss per epoch of one or more runs (SVG). */
export async function curvesChart(runs: CurveRun[], title = 'Learning curves'): Promise<string> {
  return lineChart({
    title,
    x: { label: 'epoch' },
    y: { label: 'loss (evaluation mode)' },
    series: [
      ...curve(runs, (r) => r.trainLoss, 'train'),
      ...curve(runs, (r) => r.testLoss, 'test'),
    ],
  });
}

/** Training and test accuracy per epoch (SVG). */
export async function accuracyChart(runs: CurveRun[], title = 'Accuracy'): Promise<string> {
  return lineChart({
    title,
    x: { label: 'epoch' },
    y: { label: 'accuracy' },
    series: [
      ...curve(runs, (r) => r.trainAccuracy, 'train'),
      ...curve(runs, (r) => r.testAccuracy, 'test'),
    ],
  });
}

/** The smoothed spectral density on a log scale, floored 8 decades below its peak (SVG). */
export async function densityChart(density: DensityResult, title: string): Promise<string> {
  let peak = 0;
  for (const d of density.density) peak = Math.max(peak, d);
  // A log axis drops zeros: floor the tails so the gaps between eigenvalue clusters show.
  const floor = peak > 0 ? peak * 1e-8 : 1e-12;
  return lineChart({
    title,
    x: { label: 'eigenvalue λ' },
    y: { label: 'density φ(λ)', log: true },
    series: [
      {
        name: 'density (SLQ)',
        x: density.grid,
        y: Array.from(density.density, (d) => Math.max(d, floor)),
      },
    ],
  });
}

/** Grouped bars of one quantity per model (e.g. Ψ* per layer), SVG. */
export async function comparisonBars(
  title: string,
  label: string,
  bars: { group: string; series: string; value: number }[],
): Promise<string> {
  return barChart({ title, yLabel: label, bars });
}

/** The chart in the format `file`'s extension names: SVG text or PNG bytes. */
export function svgOrPng(svg: string, file: string): string | Uint8Array {
  return extname(file).toLowerCase() === '.png' ? svgToPng(svg) : svg;
}
