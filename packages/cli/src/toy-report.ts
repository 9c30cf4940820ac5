// What `pacgen toy` writes: the figures of the toy experiment (loss, Ψ and bound surfaces, the
// minima, the reconstruction panels), its grid as CSV, a JSON summary and the HTML report.

import type { ToyExperimentResult, ToyPrediction } from '@pacgen/metrics/experiments';
import { toCsv } from './csv.js';
import { heatmap, htmlReport, scatter, surface3d, type ReportSection } from './plot/index.js';

/** The bound caution, for cross-entropy. */
const CAUTION =
  'The bound assumes a loss in [0, 1]; for cross-entropy it is a score on the loss scale, not a guarantee.';

/** A minimum's label in figures and tables. */
export function minimumLabel(r: ToyExperimentResult, k: number): string {
  if (k === r.global) return 'global';
  if (k === r.local) return 'local (lowest Ψ)';
  return `minimum ${k + 1}`;
}

function markers(r: ToyExperimentResult, z?: ArrayLike<number>) {
  return r.minima.map((m, k) => ({
    x: m.w[0],
    y: m.w[1],
    z: z ? nearest(r, z, m.w) : m.loss,
    label: minimumLabel(r, k),
  }));
}

/** The grid value of `z` at the cell nearest to w (for marking points on a surface). */
function nearest(r: ToyExperimentResult, z: ArrayLike<number>, w: [number, number]): number {
  const idx = (axis: Float64Array, v: number) => {
    let best = 0;
    for (let i = 1; i < axis.length; i++)
      if (Math.abs(axis[i] - v) < Math.abs(axis[best] - v)) best = i;
    return best;
  };
  return z[idx(r.grid.w2, w[1]) * r.grid.w1.length + idx(r.grid.w1, w[0])];
}

/** Draws of p(x) split by a 0/1 labelling, as two scatter series. */
function labelSeries(x: Float64Array, labels: Uint8Array, names: [string, string]) {
  return [0, 1].map((c) => {
    const xs: number[] = [];
    const ys: number[] = [];
    labels.forEach((l, i) => {
      if (l === c) {
        xs.push(x[2 * i]);
        ys.push(x[2 * i + 1]);
      }
    });
    return { name: names[c], x: xs, y: ys };
  });
}

const CLASS_COLORS = ['#4c78a8', '#f58518'];

/** Every figure of the experiment, by file stem, as SVG. Cost: about 10 chart renders. */
export async function toyFigures(r: ToyExperimentResult): Promise<Record<string, string>> {
  const g = r.grid;
  const axes = { x: g.w1, y: g.w2, xLabel: 'w1', yLabel: 'w2' };
  const figures: Record<string, string> = {
    'loss-surface': surface3d({
      ...axes,
      title: 'Training loss surface L̂(w1, w2)',
      zLabel: 'loss',
      surfaces: [{ name: 'loss', z: g.loss }],
      points: markers(r),
    }),
    'loss-heatmap': await heatmap({
      ...axes,
      title: 'Training loss L̂ with the minima found',
      z: g.loss,
      colorLabel: 'loss',
      points: markers(r),
    }),
    'psi-surface': surface3d({
      ...axes,
      title: 'Loss surface coloured by Ψ, the bound as a plane beneath',
      zLabel: 'loss',
      colorLabel: 'Ψ',
      surfaces: [{ name: 'loss', z: g.loss, color: g.psi }],
      floor: { values: g.bound, label: 'bound' },
      points: markers(r),
    }),
    'psi-heatmap': await heatmap({
      ...axes,
      title: 'Ψ(0.1, 0.1) with the exact Hessian',
      z: g.psi,
      colorLabel: 'Ψ',
      points: markers(r),
    }),
    'bound-surface': surface3d({
      ...axes,
      title: 'Bound L̂ + √((Ψ + ln(2n/δ)) / (2(n−1))) over the loss (grey)',
      zLabel: 'loss / bound',
      colorLabel: 'Ψ',
      surfaces: [
        { name: 'training loss', z: g.loss, fill: '#bbbbbb', opacity: 0.55 },
        { name: 'bound', z: g.bound, color: g.psi },
      ],
      points: markers(r, g.bound),
    }),
    'bound-heatmap': await heatmap({
      ...axes,
      title: 'Bound L̂ + √((Ψ + ln(2n/δ)) / (2(n−1)))',
      z: g.bound,
      colorLabel: 'bound',
      points: markers(r),
    }),
    'top-eigenvalue-heatmap': await heatmap({
      ...axes,
      title: 'Largest Hessian eigenvalue λmax',
      z: g.lambdaMax,
      colorLabel: 'λmax',
      points: markers(r),
    }),
  };
  const rec = r.reconstruction;
  const xAxis = { label: 'x1' };
  const yAxis = { label: 'x2' };
  figures['reconstruction-truth'] = await scatter({
    title: 'True labels of draws from p(x)',
    x: xAxis,
    y: yAxis,
    series: labelSeries(rec.x, rec.truth, ['class 0', 'class 1']),
    colors: CLASS_COLORS,
  });
  const panel = async (name: string, p: ToyPrediction | null) => {
    if (!p) return;
    const label = minimumLabel(r, p.minimum);
    figures[`reconstruction-${name}`] = await scatter({
      title: `Predicted at the ${label} minimum (P > its median)`,
      x: xAxis,
      y: yAxis,
      series: labelSeries(rec.x, p.medianLabels, ['class 0', 'class 1']),
      colors: CLASS_COLORS,
    });
    figures[`decision-${name}`] = await heatmap({
      title: `P(y = 1 | x) at the ${label} minimum`,
      x: rec.x1,
      y: rec.x2,
      z: p.gridProbability,
      xLabel: 'x1',
      yLabel: 'x2',
      colorLabel: 'P(y=1)',
      scheme: 'blueorange',
      width: 320,
      height: 320,
    });
  };
  await panel('global', rec.global);
  await panel('local', rec.local);
  return figures;
}

/** One CSV row per grid point, with every map. */
export function toyGridCsv(r: ToyExperimentResult): string {
  const g = r.grid;
  const nx = g.w1.length;
  const n = g.loss.length;
  return toCsv({
    w1: Float64Array.from({ length: n }, (_, c) => g.w1[c % nx]),
    w2: Float64Array.from({ length: n }, (_, c) => g.w2[Math.floor(c / nx)]),
    loss: g.loss,
    psi: g.psi,
    psi_star: g.psiStar,
    rho: g.rho,
    lambda_max: g.lambdaMax,
    lambda_min: g.lambdaMin,
    curvature_fraction: g.curvatureFraction,
    bound: g.bound,
    bound_star: g.boundStar,
  });
}

/** One CSV row per draw from p(x): its true label and each minimum's P(y = 1) and labels. */
export function toyReconstructionCsv(r: ToyExperimentResult): string {
  const rec = r.reconstruction;
  const n = rec.truth.length;
  const cols: Record<string, ArrayLike<number>> = {
    x1: Float64Array.from({ length: n }, (_, i) => rec.x[2 * i]),
    x2: Float64Array.from({ length: n }, (_, i) => rec.x[2 * i + 1]),
    truth: rec.truth,
  };
  for (const [name, p] of [
    ['global', rec.global],
    ['local', rec.local],
  ] as const) {
    if (!p) continue;
    cols[`${name}_p`] = p.probability;
    cols[`${name}_label`] = p.labels;
    cols[`${name}_median_label`] = p.medianLabels;
  }
  return toCsv(cols);
}

function predictionSummary(p: ToyPrediction | null) {
  if (!p) return null;
  return {
    minimum: p.minimum,
    accuracy: p.accuracy,
    medianAccuracy: p.medianAccuracy,
    medianThreshold: p.medianThreshold,
    positiveFraction: p.labels.reduce((s, v) => s + v, 0) / p.labels.length,
    complexity: p.complexity,
  };
}

/** The JSON summary: everything but the grid maps and per-draw arrays (those go to files). */
export function toySummary(r: ToyExperimentResult) {
  const cf = r.grid.curvatureFraction;
  let onBranch = 0;
  for (const v of cf) if (v > 0) onBranch++;
  return {
    n: r.n,
    depth: r.depth,
    settings: { ...r.settings, grid: r.grid.w1.length },
    minima: r.minima,
    global: r.global,
    local: r.local,
    comparison: r.comparison,
    descent: r.descent,
    grid: {
      points: r.grid.loss.length,
      /** Fraction of grid points where any coordinate is on Ψ's curvature branch. */
      curvatureBranchFraction: onBranch / cf.length,
      lossRange: range(r.grid.loss),
      psiRange: range(r.grid.psi),
      boundRange: range(r.grid.bound),
    },
    reconstruction: {
      samples: r.reconstruction.truth.length,
      truth: r.reconstruction.truthComplexity,
      global: predictionSummary(r.reconstruction.global),
      local: predictionSummary(r.reconstruction.local),
    },
    caution: CAUTION,
    cost: r.cost,
  };
}

function range(v: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    if (!Number.isFinite(x)) continue;
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return [lo, hi];
}

const f = (x: number, d = 4) =>
  Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : String(x);

/** Plain sentences of what the run found, for the report and the terminal. */
export function toyFindings(r: ToyExperimentResult): string[] {
  const out: string[] = [];
  if (r.global < 0) {
    out.push('No strict minimum was found inside the range: widen --range or add --starts.');
    return out;
  }
  const describe = (k: number) => {
    const m = r.minima[k];
    return `${minimumLabel(r, k)} minimum at (${f(m.w[0])}, ${f(m.w[1])}): L̂ = ${f(m.loss, 6)}, Ψ = ${f(m.psi)}, λmax = ${f(m.eigenvalues[0])}, bound = ${f(m.bound)}, test loss = ${f(m.testLoss)}`;
  };
  out.push(`${r.minima.length} strict minima found from ${r.descent.starts} starts.`);
  out.push(`${describe(r.global)}.`);
  if (r.local >= 0 && r.comparison) {
    out.push(`${describe(r.local)}.`);
    const c = r.comparison;
    const yes = (b: boolean) => (b ? 'yes' : 'no');
    out.push(
      `Local vs global: lower Ψ ${yes(c.lowerPsi)}; smaller top eigenvalue ${yes(c.smallerTopEigenvalue)}; lower bound ${yes(c.lowerBound)}; lower test loss ${yes(c.lowerTestLoss)}.`,
    );
  } else {
    out.push('Only one strict minimum was found, so there is no flat/sharp pair to compare.');
  }
  const s = toySummary(r);
  out.push(
    `Ψ is on its curvature branch at ${(100 * s.grid.curvatureBranchFraction).toFixed(1)}% of the grid points; elsewhere it equals Σ ln((|w_i| + κ_i)/κ_i), a weight-magnitude score.`,
  );
  const rec = r.reconstruction;
  for (const p of [rec.global, rec.local]) {
    if (!p) continue;
    const pos = p.labels.reduce((a, b) => a + b, 0) / p.labels.length;
    out.push(
      `Reconstruction at the ${minimumLabel(r, p.minimum)} minimum: P > ½ labels ${(100 * pos).toFixed(1)}% of the draws 1 (accuracy ${f(p.accuracy, 3)}); the median rule gives accuracy ${f(p.medianAccuracy, 3)} with ${p.complexity.median.regions} regions and boundary fraction ${f(p.complexity.median.boundaryFraction, 3)} (true labels: ${rec.truthComplexity.regions} regions, ${f(rec.truthComplexity.boundaryFraction, 3)}).`,
    );
  }
  return out;
}

/** The self-contained HTML report. */
export function toyHtml(
  r: ToyExperimentResult,
  figures: Record<string, string>,
  subtitle: string,
): string {
  const minimaTable = {
    columns: [
      'minimum',
      'w1',
      'w2',
      'L̂',
      'test loss',
      'λmax',
      'λmin',
      'ρ̂',
      'Ψ',
      'Ψ*',
      'bound',
      'starts',
    ],
    rows: r.minima.map((m, k) => [
      minimumLabel(r, k),
      m.w[0],
      m.w[1],
      m.loss,
      m.testLoss,
      m.eigenvalues[0],
      m.eigenvalues[1],
      m.rho,
      m.psi,
      m.psiStar,
      m.bound,
      m.starts,
    ]),
  };
  const rec = r.reconstruction;
  const recRows: (string | number)[][] = [
    ['true labels', '-', '-', rec.truthComplexity.regions, rec.truthComplexity.boundaryFraction],
  ];
  for (const p of [rec.global, rec.local]) {
    if (!p) continue;
    recRows.push([
      `${minimumLabel(r, p.minimum)}, P > ½`,
      p.accuracy,
      p.labels.reduce((a, b) => a + b, 0) / p.labels.length,
      p.complexity.argmax.regions,
      p.complexity.argmax.boundaryFraction,
    ]);
    recRows.push([
      `${minimumLabel(r, p.minimum)}, P > median`,
      p.medianAccuracy,
      p.medianLabels.reduce((a, b) => a + b, 0) / p.medianLabels.length,
      p.complexity.median.regions,
      p.complexity.median.boundaryFraction,
    ]);
  }
  const pick = (...names: string[]) => names.filter((n) => figures[n]).map((n) => figures[n]);
  const sections: ReportSection[] = [
    {
      heading: 'Findings',
      text: [
        `Toy network of ${r.depth} layers sharing (w1, w2), n = ${r.n} training samples, a ${r.grid.w1.length}×${r.grid.w2.length} grid over [${r.settings.range.join(', ')}]², Ψ with γ = ${r.settings.gamma}, ε = ${r.settings.epsilon}, δ = ${r.settings.delta}, the exact 2×2 Hessian and ρ̂ from a ${r.settings.lattice}×${r.settings.lattice} lattice over each box.`,
        ...toyFindings(r),
        CAUTION,
      ].join('\n\n'),
      table: minimaTable,
    },
    { heading: 'Loss surface', svg: pick('loss-surface', 'loss-heatmap') },
    {
      heading: 'Ψ and the bound',
      text: 'The loss surface coloured by Ψ, with the bound drawn as a plane beneath; Ψ, the bound and the top eigenvalue as heat maps.',
      svg: pick(
        'psi-surface',
        'psi-heatmap',
        'bound-surface',
        'bound-heatmap',
        'top-eigenvalue-heatmap',
      ),
    },
    {
      heading: 'Reconstruction',
      text: `${rec.truth.length} draws from p(x). The true label is 1 where p(x) exceeds its median. Predictions use the classifier's rule (P > ½) and the median rule (P above its median over the draws, the rule that made the true labels). Regions and boundary fraction are measured on a ${rec.x1.length}×${rec.x2.length} grid of the input plane.`,
      svg: pick(
        'reconstruction-truth',
        'reconstruction-global',
        'reconstruction-local',
        'decision-global',
        'decision-local',
      ),
      table: {
        columns: ['labels', 'accuracy', 'fraction 1', 'regions', 'boundary fraction'],
        rows: recRows,
      },
    },
  ];
  return htmlReport({ title: 'PACGen toy experiment', subtitle, sections });
}
