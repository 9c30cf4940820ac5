// Grouped bar charts (one quantity per group and series, e.g. Ψ* per layer and model) as SVG.

import { renderVegaLite } from './vega.js';

export interface Bar {
  /** Position on the x axis (e.g. a layer). */
  group: string;
  /** Colour within a group (e.g. a model). */
  series: string;
  value: number;
}

export interface BarChartOptions {
  title: string;
  /** The value axis' title. */
  yLabel: string;
  bars: Bar[];
  width?: number;
  height?: number;
}

/** Bars grouped along x, one colour per series, groups in first-seen order. Cost: one render. */
export async function barChart(options: BarChartOptions): Promise<string> {
  const bars = options.bars.filter((b) => Number.isFinite(b.value));
  return renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: options.width ?? 520,
    height: options.height ?? 300,
    data: { values: bars },
    mark: 'bar',
    encoding: {
      x: { field: 'group', type: 'nominal', title: null, sort: null },
      xOffset: { field: 'series', sort: null },
      y: { field: 'value', type: 'quantitative', title: options.yLabel },
      color: { field: 'series', type: 'nominal', title: null, sort: null },
    },
  });
}
