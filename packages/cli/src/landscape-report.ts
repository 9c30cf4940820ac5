// What `pacgen landscape` writes: the slice's figures (a line for 1-D; a heat map and a 3-D
// surface for 2-D; the same for Ψ when computed), its values as CSV, a JSON summary and the
// HTML report.

import type { LandscapeResult } from '@pacgen/metrics';
import { toCsv } from './csv.js';
import { heatmap, htmlReport, lineChart, surface3d, type ReportSection } from './plot/index.js';

/** Axis titles of the two directions. */
export function directionLabels(r: LandscapeResult): [string, string] {
  if (r.kind === 'eigen') {
    const ev = r.eigenvalues ?? [];
    const f = (v: number | undefined) => (v === undefined ? '?' : Number(v.toPrecision(3)));
    return [`α along v1 (λ1 = ${f(ev[0])})`, `β along v2 (λ2 = ${f(ev[1])})`];
  }
  return r.kind === 'random'
    ? ['α along d1 (random)', 'β along d2 (random)']
    : ['α along d1', 'β along d2'];
}

/** Every figure of the slice, by file stem, as SVG. */
export async function landscapeFigures(
  r: LandscapeResult,
  title: string,
): Promise<Record<string, string>> {
  const [xl, yl] = directionLabels(r);
  const figures: Record<string, string> = {};
  const maps: [string, string, Float64Array | undefined][] = [
    ['loss', 'training loss', r.loss],
    ['psi', 'Ψ', r.psi],
  ];
  for (const [stem, label, z] of maps) {
    if (!z) continue;
    if (r.dims === 1) {
      figures[`${stem}-1d`] = await lineChart({
        title: `${title}: ${label} along one direction`,
        x: { label: xl },
        y: { label },
        series: [{ name: label, x: r.alpha, y: z }],
      });
      continue;
    }
    const beta = r.beta as Float64Array;
    const centre = [{ x: 0, y: 0, label: 'w' }].filter(
      () =>
        r.alpha[0] <= 0 &&
        r.alpha[r.alpha.length - 1] >= 0 &&
        beta[0] <= 0 &&
        beta[beta.length - 1] >= 0,
    );
    figures[`${stem}-heatmap`] = await heatmap({
      title: `${title}: ${label}`,
      x: r.alpha,
      y: beta,
      z,
      xLabel: xl,
      yLabel: yl,
      colorLabel: label,
      points: centre,
    });
    figures[`${stem}-surface`] = surface3d({
      title: `${title}: ${label}`,
      x: r.alpha,
      y: beta,
      surfaces: [{ name: label, z }],
      xLabel: 'α',
      yLabel: 'β',
      zLabel: label,
    });
  }
  return figures;
}

/** One CSV row per grid point: α (β), loss (Ψ, Ψ*). */
export function landscapeCsv(r: LandscapeResult): string {
  const n = r.loss.length;
  const nx = r.alpha.length;
  const cols: Record<string, ArrayLike<number>> = {
    alpha: Float64Array.from({ length: n }, (_, c) => r.alpha[c % nx]),
  };
  if (r.beta) {
    const beta = r.beta;
    cols.beta = Float64Array.from({ length: n }, (_, c) => beta[Math.floor(c / nx)]);
  }
  cols.loss = r.loss;
  if (r.psi) cols.psi = r.psi;
  if (r.psiStar) cols.psi_star = r.psiStar;
  return toCsv(cols);
}

/** The JSON data: grid values and direction metadata (not the direction vectors themselves). */
export function landscapeData(r: LandscapeResult) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of r.loss) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return {
    dims: r.dims,
    directions: r.kind,
    eigenvalues: r.eigenvalues ?? null,
    directionNorms: r.directionNorms,
    centerNorm: r.centerNorm,
    centerLoss: r.centerLoss,
    lossRange: [lo, hi],
    alpha: r.alpha,
    beta: r.beta ?? null,
    loss: r.loss,
    psi: r.psi ?? null,
    psiStar: r.psiStar ?? null,
    cost: r.cost,
  };
}

/** The self-contained HTML report. */
export function landscapeHtml(
  r: LandscapeResult,
  figures: Record<string, string>,
  title: string,
  subtitle: string,
  notes: string[],
): string {
  const sections: ReportSection[] = [
    {
      heading: 'Slice',
      text: notes.join('\n\n'),
      table: {
        columns: ['quantity', 'value'],
        rows: [
          ['L̂(w) at the centre', r.centerLoss],
          ['‖w‖₂', r.centerNorm],
          ...r.directionNorms.map((v, k): [string, number] => [`‖d${k + 1}‖₂`, v]),
          ...(r.eigenvalues ?? []).map((v, k): [string, number] => [`λ${k + 1}`, v]),
          ['forward passes', r.cost.lossEvaluations],
          ['gradient evaluations', r.cost.gradientEvaluations],
        ],
      },
    },
    {
      heading: 'Loss',
      svg: Object.keys(figures)
        .filter((k) => k.startsWith('loss'))
        .map((k) => figures[k]),
    },
  ];
  if (r.psi) {
    sections.push({
      heading: 'Ψ',
      svg: Object.keys(figures)
        .filter((k) => k.startsWith('psi'))
        .map((k) => figures[k]),
    });
  }
  return htmlReport({ title, subtitle, sections });
}
