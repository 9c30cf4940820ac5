// Scatter plots (samples coloured by label or by run) as SVG.

import { seriesRows, type AxisSpec, type Series } from './line.js';
import { renderVegaLite } from './vega.js';

export interface ScatterOptions {
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  /** One colour per series (e.g. "label 0", "label 1"). */
  series: Series[];
  /** Colours by series, in order (default: Vega's category10). */
  colors?: string[];
  /** Dot area in square pixels (default 16). */
  size?: number;
  width?: number;
  height?: number;
}

/** A scatter plot with one colour per series and a legend. Cost: one Vega render. */
export async function scatter(options: ScatterOptions): Promise<string> {
  const { x, y, series } = options;
  const color: Record<string, unknown> = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: series.map((s) => s.name),
  };
  if (options.colors) color.scale = { domain: series.map((s) => s.name), range: options.colors };
  return renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: options.width ?? 360,
    height: options.height ?? 360,
    data: { values: seriesRows(series, x, y) },
    mark: { type: 'circle', size: options.size ?? 16, opacity: 0.8 },
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
      color,
    },
  });
}
