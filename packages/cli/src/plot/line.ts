// Line charts (training curves, 1-D loss slices) as SVG.

import { renderVegaLite } from './vega.js';

export interface AxisSpec {
  label: string;
  /** Logarithmic axis: points with a value ≤ 0 are left out. */
  log?: boolean;
}

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /**
   * Series of one group share a colour from an ordered scheme (e.g. one batch size over several
   * seeds); give it to every series or none. Without groups each series has its own colour.
   */
  group?: string;
  /** Series of one style share a dash pattern (e.g. one seed). */
  style?: string;
}

export interface LineChartOptions {
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  series: Series[];
  /** Plot area size in pixels (default 520 × 320). */
  width?: number;
  height?: number;
  /** Draw a dot at each point too (default: only when a series has ≤ 60 points). */
  points?: boolean;
}

/** Rows {series, x, y} of the series, without non-finite values or ≤ 0 on a log axis. */
export function seriesRows(series: Series[], x: AxisSpec, y: AxisSpec) {
  const rows: {
    series: string;
    group: string;
    style: string;
    x: number;
    y: number;
    order: number;
  }[] = [];
  for (const s of series) {
    if (s.x.length !== s.y.length) {
      throw new Error(`series '${s.name}' has ${s.x.length} x values and ${s.y.length} y values`);
    }
    for (let i = 0; i < s.x.length; i++) {
      const a = s.x[i];
      const b = s.y[i];
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      if ((x.log && a <= 0) || (y.log && b <= 0)) continue;
      rows.push({
        series: s.name,
        group: s.group ?? s.name,
        style: s.style ?? '',
        x: a,
        y: b,
        order: i,
      });
    }
  }
  return rows;
}

/**
 * A line chart with one line per series and a legend: a colour per series, or per group (ordered)
 * with a dash pattern per style. Cost: one Vega render.
 */
export async function lineChart(options: LineChartOptions): Promise<string> {
  const { x, y, series } = options;
  const rows = seriesRows(series, x, y);
  const dots = options.points ?? series.every((s) => s.x.length <= 60);
  const grouped = series.some((s) => s.group !== undefined);
  return renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: options.width ?? 520,
    height: options.height ?? 320,
    data: { values: rows },
    mark: { type: 'line', point: dots, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: x.label,
        scale: x.log ? { type: 'log' } : { zero: false },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: y.label,
        scale: y.log ? { type: 'log' } : { zero: false },
      },
      ...(grouped
        ? {
            color: {
              field: 'group',
              type: 'ordinal',
              title: null,
              sort: [...new Set(series.map((s) => s.group as string))],
              scale: { scheme: 'viridis' },
            },
            detail: { field: 'series', type: 'nominal' },
            ...(series.some((s) => s.style)
              ? {
                  strokeDash: {
                    field: 'style',
                    type: 'nominal',
                    title: null,
                    sort: [...new Set(series.map((s) => s.style ?? ''))],
                  },
                }
              : {}),
          }
        : {
            color: {
              field: 'series',
              type: 'nominal',
              title: null,
              sort: series.map((s) => s.name),
            },
          }),
      order: { field: 'order', type: 'quantitative' },
    },
  });
}
