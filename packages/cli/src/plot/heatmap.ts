// Heat maps of a function on a regular 2-D grid (loss slices, Ψ maps), with marked points.

import { renderVegaLite } from './vega.js';

export interface MarkedPoint {
  x: number;
  y: number;
  label: string;
}

export interface HeatmapOptions {
  title: string;
  /** Grid coordinates along x (columns) and y (rows), increasing. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Values, row-major with one row per y: z[j·x.length + i]. Non-finite cells are left blank. */
  z: ArrayLike<number>;
  xLabel: string;
  yLabel: string;
  colorLabel: string;
  /** Points drawn on top with their labels (e.g. minima). */
  points?: MarkedPoint[];
  /** Continuous colour scheme (default 'viridis'); 'log' colours need z > 0. */
  scheme?: string;
  colorScale?: 'linear' | 'log';
  /** Plot area size in pixels (default 400 × 400). */
  width?: number;
  height?: number;
}

/** Cell edges: midpoints between coordinates, half a step beyond the ends. */
function edges(c: ArrayLike<number>): Float64Array {
  const n = c.length;
  const e = new Float64Array(n + 1);
  if (n === 1) {
    e[0] = c[0] - 0.5;
    e[1] = c[0] + 0.5;
    return e;
  }
  for (let i = 1; i < n; i++) e[i] = (c[i - 1] + c[i]) / 2;
  e[0] = c[0] - (e[1] - c[0]);
  e[n] = c[n - 1] + (c[n - 1] - e[n - 1]);
  return e;
}

/** A heat map with a colour bar and optional labelled points. Cost: one Vega render. */
export async function heatmap(options: HeatmapOptions): Promise<string> {
  const { x, y, z } = options;
  if (z.length !== x.length * y.length) {
    throw new Error(`heatmap: z has ${z.length} values, the grid ${x.length}×${y.length}`);
  }
  const ex = edges(x);
  const ey = edges(y);
  const log = options.colorScale === 'log';
  const cells = [];
  for (let j = 0; j < y.length; j++) {
    for (let i = 0; i < x.length; i++) {
      const v = z[j * x.length + i];
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      cells.push({ x0: ex[i], x1: ex[i + 1], y0: ey[j], y1: ey[j + 1], z: v });
    }
  }
  const noGrid = { grid: false };
  const xScale = { domain: [ex[0], ex[x.length]], nice: false, zero: false };
  const yScale = { domain: [ey[0], ey[y.length]], nice: false, zero: false };
  const colorScale = { scheme: options.scheme ?? 'viridis', type: log ? 'log' : 'linear' };
  const layers: object[] = [
    {
      data: { values: cells },
      // A hairline stroke in the cell's own colour hides anti-aliasing seams between cells.
      mark: { type: 'rect', strokeWidth: 0.6 },
      encoding: {
        x: {
          field: 'x0',
          type: 'quantitative',
          title: options.xLabel,
          scale: xScale,
          axis: noGrid,
        },
        x2: { field: 'x1' },
        y: {
          field: 'y0',
          type: 'quantitative',
          title: options.yLabel,
          scale: yScale,
          axis: noGrid,
        },
        y2: { field: 'y1' },
        color: { field: 'z', type: 'quantitative', title: options.colorLabel, scale: colorScale },
        stroke: { field: 'z', type: 'quantitative', scale: colorScale, legend: null },
      },
    },
  ];
  const points = options.points ?? [];
  if (points.length > 0) {
    const enc = {
      x: { field: 'x', type: 'quantitative', scale: xScale },
      y: { field: 'y', type: 'quantitative', scale: yScale },
    };
    layers.push(
      {
        data: { values: points },
        mark: {
          type: 'point',
          shape: 'diamond',
          size: 90,
          filled: true,
          color: 'white',
          stroke: 'black',
          strokeWidth: 1.2,
        },
        encoding: enc,
      },
      {
        data: { values: points },
        mark: {
          type: 'text',
          align: 'left',
          dx: 8,
          dy: -8,
          fontSize: 12,
          fontWeight: 'bold',
          color: 'white',
          stroke: 'black',
          strokeWidth: 0.4,
        },
        encoding: { ...enc, text: { field: 'label' } },
      },
    );
  }
  return renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: options.width ?? 400,
    height: options.height ?? 400,
    layer: layers,
    resolve: { scale: { color: 'independent' } },
  } as never);
}
