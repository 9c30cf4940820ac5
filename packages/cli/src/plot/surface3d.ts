// A 3-D surface as plain SVG: an orthographic projection of the grid's quads, drawn back to
// front (painter's algorithm) and coloured by a continuous scale, with a box, axes, colour bars,
// an optional flat heat map beneath (the "plane" of the paper's bound figure) and marked points.
// Vega has no 3-D marks, so this module draws its own paths.

import { colorScheme, escapeXml } from './vega.js';

export interface SurfaceLayer {
  name: string;
  /** Heights, row-major with one row per y: z[j·x.length + i]. Non-finite cells are skipped. */
  z: ArrayLike<number>;
  /** Values for the colour scale (default: z). */
  color?: ArrayLike<number>;
  /** One colour for the whole layer instead of the scale. */
  fill?: string;
  /** Default 1. */
  opacity?: number;
}

export interface Surface3dOptions {
  title: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  surfaces: SurfaceLayer[];
  xLabel: string;
  yLabel: string;
  zLabel: string;
  /** Title of the colour bar of the scaled layers (default: zLabel). */
  colorLabel?: string;
  /** Continuous scheme of the surfaces (default 'viridis'). */
  scheme?: string;
  /** A flat heat map drawn beneath the box, with its own colour bar. */
  floor?: { values: ArrayLike<number>; label: string; scheme?: string };
  /** Points marked on the surface (drawn on top, with a drop line to the floor). */
  points?: { x: number; y: number; z: number; label: string }[];
  /** SVG size in pixels (default 680 × 520). */
  width?: number;
  height?: number;
  /** View angles in degrees (default azimuth −50, elevation 30). */
  azimuth?: number;
  elevation?: number;
}

interface Projected {
  u: number;
  v: number;
  depth: number;
}

let uid = 0;

/** Up to `count` round tick values in [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    out.push(Number((k * step).toFixed(decimals)) || 0);
  }
  return out;
}

/** A short label for a tick value. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return [0, 1];
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The projection of the world box onto the SVG and the data-to-world maps. */
interface View {
  project: (px: number, py: number, pz: number) => Projected;
  X: (v: number) => number;
  Y: (v: number) => number;
  Z: (v: number) => number;
  px: (p: Projected) => number;
  py: (p: Projected) => number;
  pt: (p: Projected) => string;
  /** Height of the floor plane in world units. */
  zFloor: number;
  plot: { left: number; top: number; right: number; bottom: number };
}

/** Checks the grid and the layers' sizes. */
function checkGrid(options: Surface3dOptions): void {
  const nx = options.x.length;
  const ny = options.y.length;
  if (nx < 2 || ny < 2) throw new Error('surface3d needs at least a 2×2 grid');
  for (const s of options.surfaces) {
    if (s.z.length !== nx * ny) {
      throw new Error(`surface '${s.name}' has ${s.z.length} heights, the grid ${nx}×${ny}`);
    }
    if (s.color && s.color.length !== nx * ny) {
      throw new Error(
        `surface '${s.name}' has ${s.color.length} colour values, the grid ${nx}×${ny}`,
      );
    }
  }
}

/**
 * The view: world box x, y in [−1, 1], heights in [−0.7, 0.7], the floor plane 0.35 below;
 * rotated by the azimuth, tilted by the elevation, and fitted into the plot area (title above,
 * `bars` colour bars at the right).
 */
function makeView(options: Surface3dOptions, zRange: [number, number], bars: number): View {
  const { x, y } = options;
  const W = options.width ?? 680;
  const H = options.height ?? 520;
  const [zLo, zHi] = zRange;
  const [xLo, xHi] = [x[0], x[x.length - 1]];
  const [yLo, yHi] = [y[0], y[y.length - 1]];
  const X = (v: number) => (2 * (v - xLo)) / (xHi - xLo) - 1;
  const Y = (v: number) => (2 * (v - yLo)) / (yHi - yLo) - 1;
  const Z = (v: number) => (1.4 * (v - zLo)) / (zHi - zLo) - 0.7;
  const zFloor = options.floor ? -1.05 : -0.7;
  const a = ((options.azimuth ?? -50) * Math.PI) / 180;
  const e = ((options.elevation ?? 30) * Math.PI) / 180;
  const project = (px: number, py: number, pz: number): Projected => {
    const xr = px * Math.cos(a) - py * Math.sin(a);
    const yr = px * Math.sin(a) + py * Math.cos(a);
    return {
      u: xr,
      v: yr * Math.sin(e) + pz * Math.cos(e),
      depth: -yr * Math.cos(e) + pz * Math.sin(e),
    };
  };
  const plot = { left: 60, top: 44, right: W - 30 - 90 * bars, bottom: H - 40 };
  const corners = [-1, 1].flatMap((cx) =>
    [-1, 1].flatMap((cy) => [zFloor, 0.7].map((cz) => project(cx, cy, cz))),
  );
  const [uMin, uMax] = extent(corners.map((c) => c.u));
  const [vMin, vMax] = extent(corners.map((c) => c.v));
  const s = Math.min(
    (plot.right - plot.left) / (uMax - uMin),
    (plot.bottom - plot.top) / (vMax - vMin),
  );
  const ox = plot.left + (plot.right - plot.left - s * (uMax - uMin)) / 2;
  const oy = plot.top + (plot.bottom - plot.top - s * (vMax - vMin)) / 2;
  const px = (p: Projected) => r1(ox + (p.u - uMin) * s);
  const py = (p: Projected) => r1(oy + (vMax - p.v) * s);
  const pt = (p: Projected) => `${px(p)},${py(p)}`;
  return { project, X, Y, Z, px, py, pt, zFloor, plot };
}

/** The corners of the box's floor, in order around it. */
const CORNERS_XY = [
  [-1, -1],
  [1, -1],
  [1, 1],
  [-1, 1],
];

/** The floor heat map (one quad per cell, coloured by the mean of its corners). */
function floorPaths(
  v: View,
  options: Surface3dOptions,
  floor: NonNullable<Surface3dOptions['floor']>,
): string[] {
  const { x, y } = options;
  const nx = x.length;
  const ny = y.length;
  const [fLo, fHi] = extent(Array.from(floor.values));
  const floorPaint = colorScheme(floor.scheme ?? 'magma');
  const out: string[] = [];
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const vals = [j * nx + i, j * nx + i + 1, (j + 1) * nx + i + 1, (j + 1) * nx + i].map(
        (k) => floor.values[k],
      );
      if (!vals.every(Number.isFinite)) continue;
      const t = (vals.reduce((p, q) => p + q, 0) / 4 - fLo) / (fHi - fLo);
      const c = floorPaint(t);
      const path = [
        v.project(v.X(x[i]), v.Y(y[j]), v.zFloor),
        v.project(v.X(x[i + 1]), v.Y(y[j]), v.zFloor),
        v.project(v.X(x[i + 1]), v.Y(y[j + 1]), v.zFloor),
        v.project(v.X(x[i]), v.Y(y[j + 1]), v.zFloor),
      ].map(v.pt);
      out.push(`<path d="M${path.join('L')}Z" fill="${c}" stroke="${c}" stroke-width="0.5"/>`);
    }
  }
  return out;
}

/** The box: its floor outline and the vertical edges at the leftmost and farthest corners. */
function boxPaths(v: View, leftmost: number[]): string[] {
  const floorCorners = CORNERS_XY.map(([cx, cy]) => v.project(cx, cy, v.zFloor));
  const out = [
    `<path d="M${floorCorners.map(v.pt).join('L')}Z" fill="none" stroke="#888" stroke-width="1"/>`,
  ];
  const farthest = CORNERS_XY.reduce((b, c) =>
    v.project(c[0], c[1], 0).depth < v.project(b[0], b[1], 0).depth ? c : b,
  );
  for (const [cx, cy] of [leftmost, farthest]) {
    out.push(
      `<path d="M${v.pt(v.project(cx, cy, v.zFloor))}L${v.pt(v.project(cx, cy, 0.7))}" stroke="#888" stroke-width="1"/>`,
    );
  }
  return out;
}

/** The surfaces' quads, sorted back to front (painter's algorithm). */
function surfacePaths(
  v: View,
  options: Surface3dOptions,
  paint: (t: number) => string,
  cRange: [number, number],
): string[] {
  const { x, y, surfaces } = options;
  const nx = x.length;
  const ny = y.length;
  const [cLo, cHi] = cRange;
  const quads: { depth: number; svg: string }[] = [];
  for (const layer of surfaces) {
    const cv = layer.color ?? layer.z;
    const opacity = layer.opacity ?? 1;
    for (let j = 0; j + 1 < ny; j++) {
      for (let i = 0; i + 1 < nx; i++) {
        const idx = [j * nx + i, j * nx + i + 1, (j + 1) * nx + i + 1, (j + 1) * nx + i];
        const zs = idx.map((k) => layer.z[k]);
        if (!zs.every(Number.isFinite)) continue;
        const xs = [x[i], x[i + 1], x[i + 1], x[i]];
        const ys = [y[j], y[j], y[j + 1], y[j + 1]];
        const p = idx.map((_, k) => v.project(v.X(xs[k]), v.Y(ys[k]), v.Z(zs[k])));
        let fill = layer.fill;
        if (!fill) {
          const cs = idx.map((k) => cv[k]).filter(Number.isFinite);
          const mean = cs.length ? cs.reduce((q, r) => q + r, 0) / cs.length : NaN;
          fill = paint((mean - cLo) / (cHi - cLo));
        }
        const op = opacity < 1 ? ` fill-opacity="${opacity}"` : '';
        quads.push({
          depth: p.reduce((q, r) => q + r.depth, 0) / 4,
          svg: `<path d="M${p.map(v.pt).join('L')}Z" fill="${fill}"${op} stroke="#222" stroke-opacity="0.18" stroke-width="0.4"/>`,
        });
      }
    }
  }
  quads.sort((q, r) => q.depth - r.depth);
  return quads.map((q) => q.svg);
}

/** Axes: x along the nearer floor edge in y, y along the nearer floor edge in x, z at the left. */
function axisPaths(
  v: View,
  options: Surface3dOptions,
  zRange: [number, number],
  leftmost: number[],
): string[] {
  const { x, y } = options;
  const { project, px, py, plot, zFloor, X, Y, Z } = v;
  const out: string[] = [];
  const nearer = (p: Projected, q: Projected) => (p.depth >= q.depth ? 0 : 1);
  const yEdge = [-1, 1][nearer(project(0, -1, zFloor), project(0, 1, zFloor))];
  const xEdge = [-1, 1][nearer(project(-1, 0, zFloor), project(1, 0, zFloor))];
  const tickText = (
    p: Projected,
    dx: number,
    dy: number,
    label: string,
    anchor: string,
    bold = false,
  ) =>
    `<text x="${r1(px(p) + dx)}" y="${r1(py(p) + dy)}" text-anchor="${anchor}" ${bold ? 'font-weight="bold"' : 'fill="#333"'}>${escapeXml(label)}</text>`;
  const awayX = (p: Projected) => (px(p) < (plot.left + plot.right) / 2 ? -1 : 1);
  for (const t of niceTicks(x[0], x[x.length - 1])) {
    const p = project(X(t), yEdge, zFloor);
    out.push(tickText(p, 0, 16, tickLabel(t), 'middle'));
  }
  const xMid = project(0, yEdge, zFloor);
  out.push(tickText(xMid, 0, 32, options.xLabel, 'middle', true));
  for (const t of niceTicks(y[0], y[y.length - 1])) {
    const p = project(xEdge, Y(t), zFloor);
    const side = awayX(p);
    out.push(tickText(p, 10 * side, 12, tickLabel(t), side < 0 ? 'end' : 'start'));
  }
  const yMid = project(xEdge, 0, zFloor);
  const ySide = awayX(yMid);
  out.push(tickText(yMid, 34 * ySide, 30, options.yLabel, ySide < 0 ? 'end' : 'start', true));
  for (const t of niceTicks(zRange[0], zRange[1], 4)) {
    const p = project(leftmost[0], leftmost[1], Z(t));
    out.push(`<path d="M${v.pt(p)}l-5,0" stroke="#888"/>`, tickText(p, -8, 4, tickLabel(t), 'end'));
  }
  const zTop = project(leftmost[0], leftmost[1], 0.7);
  out.push(tickText(zTop, 0, -10, options.zLabel, 'middle', true));
  return out;
}

/** Marked points, with a dashed drop line to the floor. */
function pointPaths(v: View, points: NonNullable<Surface3dOptions['points']>): string[] {
  const out: string[] = [];
  for (const m of points) {
    if (![m.x, m.y, m.z].every(Number.isFinite)) continue;
    const top = v.project(v.X(m.x), v.Y(m.y), v.Z(m.z));
    const base = v.project(v.X(m.x), v.Y(m.y), v.zFloor);
    out.push(
      `<path d="M${v.pt(top)}L${v.pt(base)}" stroke="black" stroke-dasharray="3,2" stroke-width="1"/>`,
      `<circle cx="${v.px(top)}" cy="${v.py(top)}" r="5" fill="white" stroke="black" stroke-width="1.5"/>`,
      `<circle cx="${v.px(base)}" cy="${v.py(base)}" r="2.5" fill="black"/>`,
      `<text x="${r1(v.px(top) + 8)}" y="${r1(v.py(top) - 8)}" font-weight="bold" stroke="white" stroke-width="3" paint-order="stroke">${escapeXml(m.label)}</text>`,
    );
  }
  return out;
}

/** A vertical colour bar with its title and ticks at `barX`. */
function colorBarPaths(
  v: View,
  bar: {
    x: number;
    title: string;
    lo: number;
    hi: number;
    paint: (t: number) => string;
    id: string;
  },
): string[] {
  const { x: barX, title, lo, hi } = bar;
  const top = v.plot.top + 20;
  const h = Math.min(220, v.plot.bottom - top - 20);
  const stops = Array.from(
    { length: 11 },
    (_, k) => `<stop offset="${k * 10}%" stop-color="${bar.paint(1 - k / 10)}"/>`,
  );
  const out = [
    `<defs><linearGradient id="${bar.id}" x1="0" y1="0" x2="0" y2="1">${stops.join('')}</linearGradient></defs>`,
    `<text x="${barX}" y="${top - 8}" font-weight="bold">${escapeXml(title)}</text>`,
    `<rect x="${barX}" y="${top}" width="14" height="${h}" fill="url(#${bar.id})" stroke="#888"/>`,
  ];
  for (const t of niceTicks(lo, hi, 4)) {
    const yy = r1(top + h * (1 - (t - lo) / (hi - lo)));
    out.push(
      `<path d="M${barX + 14},${yy}l4,0" stroke="#888"/>`,
      `<text x="${barX + 21}" y="${yy + 4}" fill="#333">${tickLabel(t)}</text>`,
    );
  }
  return out;
}

/**
 * Renders the surfaces as an SVG string. Cost: O(cells · log cells) for the depth sort; about
 * 100 bytes of SVG per cell.
 */
export function surface3d(options: Surface3dOptions): string {
  checkGrid(options);
  const { surfaces, floor } = options;
  const W = options.width ?? 680;
  const H = options.height ?? 520;
  const id = `s3d${++uid}`;
  const scaled = surfaces.filter((s) => !s.fill);
  const zRange = extent(surfaces.flatMap((s) => Array.from(s.z)));
  const cRange = extent(scaled.flatMap((s) => Array.from(s.color ?? s.z)));
  const paint = colorScheme(options.scheme ?? 'viridis');
  const bars = (scaled.length > 0 ? 1 : 0) + (floor ? 1 : 0);
  const v = makeView(options, zRange, bars);
  // The vertical edge at the leftmost corner carries the z axis.
  const leftmost = CORNERS_XY.reduce((b, c) =>
    v.project(c[0], c[1], 0).u < v.project(b[0], b[1], 0).u ? c : b,
  );

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="16" y="26" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
    // Floor heat map and the box (behind everything), then the surfaces, axes and points.
    ...(floor ? floorPaths(v, options, floor) : []),
    ...boxPaths(v, leftmost),
    ...surfacePaths(v, options, paint, cRange),
    ...axisPaths(v, options, zRange, leftmost),
    ...pointPaths(v, options.points ?? []),
  ];
  let barX = W - 90 * bars - 10;
  if (scaled.length > 0) {
    const [lo, hi] = cRange;
    const title = options.colorLabel ?? options.zLabel;
    out.push(...colorBarPaths(v, { x: barX, title, lo, hi, paint, id: `${id}-c` }));
    barX += 90;
  }
  if (floor) {
    const [lo, hi] = extent(Array.from(floor.values));
    const floorPaint = colorScheme(floor.scheme ?? 'magma');
    out.push(
      ...colorBarPaths(v, {
        x: barX,
        title: floor.label,
        lo,
        hi,
        paint: floorPaint,
        id: `${id}-f`,
      }),
    );
  }
  // Names of uniformly filled layers.
  surfaces
    .filter((l) => l.fill)
    .forEach((l, k) => {
      const yy = H - 14 - 16 * k;
      out.push(
        `<rect x="16" y="${yy - 10}" width="12" height="12" fill="${l.fill}" fill-opacity="${l.opacity ?? 1}" stroke="#666"/>`,
        `<text x="34" y="${yy}">${escapeXml(l.name)}</text>`,
      );
    });
  out.push('</svg>');
  return out.join('\n');
}
