// The figures of `pacgen sweep` (docs/reproduction.md §2): the per-epoch curves (gap, Ψ, Ψ* and
// the training loss, one line per batch size or learning rate), the gap against the training
// loss, and each final measure against the final gap.

import { MEASURE_INFO, type SweepResult, type SweepRunResult } from '@pacgen/metrics/experiments';
import { fmt } from './format.js';
import { lineChart, scatter, type Series } from './plot/index.js';

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
