// Headless rendering of Vega-Lite specs to SVG strings: compile to Vega, run a View with no
// renderer, serialise with toSVG. No canvas and no network: data is always inline.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Shared look of every chart: fonts present on most systems, readable sizes. */
export const CHART_CONFIG = {
  // No ARIA labels per mark: they triple the size of heat maps and scatter plots.
  aria: false,
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  title: { fontSize: 15, anchor: 'start' as const, offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  view: { stroke: '#bbbbbb' },
  background: 'white',
};

/**
 * Renders a Vega-Lite spec to an SVG string (about 50–150 ms a chart).
 * Throws if the spec does not compile.
 */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const compiled = compile({ config: CHART_CONFIG, ...spec } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return compactSvg(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** Rounds the coordinates inside path data and transforms to 2 decimals (text is untouched). */
export function compactSvg(svg: string): string {
  return svg.replace(/ (d|transform)="([^"]*)"/g, (_, attr: string, value: string) => {
    const v = value.replace(/-?\d*\.\d{3,}(?:e-?\d+)?/g, (num) =>
      String(Math.round(Number(num) * 100) / 100),
    );
    return ` ${attr}="${v}"`;
  });
}

/** A continuous colour scheme of Vega by name ('viridis', 'magma', …) as t ∈ [0, 1] → CSS colour. */
export function colorScheme(name: string): (t: number) => string {
  const s = vega.scheme(name) as unknown;
  if (typeof s !== 'function') throw new Error(`unknown continuous colour scheme '${name}'`);
  const f = s as (t: number) => string;
  return (t) => f(Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)));
}

/** Escapes text for SVG/HTML element content and attribute values. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
