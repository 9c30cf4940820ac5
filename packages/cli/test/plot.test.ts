import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  barChart,
  heatmap,
  htmlReport,
  lineChart,
  niceTicks,
  PNG_SIGNATURE,
  scatter,
  surface3d,
  svgToPng,
} from '../src/plot/index.js';
import { toCsv } from '../src/csv.js';

/** Width, height and the decompressed scanline bytes of an 8-bit RGBA PNG. */
function decodePng(png: Uint8Array) {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Uint8Array[] = [];
  while (offset < png.length) {
    const len = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      colorType = data[9];
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  return { width, height, colorType, raw };
}

/** Whether the text is well-formed XML-ish SVG: one root, balanced tags. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name);
  }
  return stack.length === 0;
}

describe('charts as SVG', () => {
  it('lineChart names its title, axes and series, and drops ≤ 0 on a log axis', async () => {
    const svg = await lineChart({
      title: 'Loss per epoch',
      x: { label: 'epoch' },
      y: { label: 'loss', log: true },
      series: [
        { name: 'train run', x: [1, 2, 3], y: [1, 0.5, 0] },
        { name: 'test run', x: [1, 2, 3], y: [1.2, 0.9, 0.8] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(balanced(svg)).toBe(true);
    for (const s of ['Loss per epoch', 'epoch', 'loss', 'train run', 'test run'])
      expect(svg).toContain(s);
  });

  it('heatmap draws one cell per finite value, the colour legend and the marked points', async () => {
    const x = [0, 1, 2];
    const y = [10, 20];
    const svg = await heatmap({
      title: 'A heat map',
      x,
      y,
      z: [1, 2, 3, 4, NaN, 6],
      xLabel: 'alpha',
      yLabel: 'beta',
      colorLabel: 'value',
      points: [{ x: 1, y: 10, label: 'here' }],
    });
    expect(balanced(svg)).toBe(true);
    for (const s of ['A heat map', 'alpha', 'beta', 'value', 'here']) expect(svg).toContain(s);
    // 5 finite cells: rect marks carry the cell colour as their stroke too.
    const cells = svg.match(/<path d="[^"]*" fill="rgb[^"]*" stroke="rgb/g) ?? [];
    expect(cells.length).toBe(5);
    await expect(
      heatmap({ title: 't', x, y, z: [1], xLabel: '', yLabel: '', colorLabel: '' }),
    ).rejects.toThrow(/z has 1 values/);
  });

  it('scatter and barChart name their series', async () => {
    const sc = await scatter({
      title: 'Samples',
      x: { label: 'x1' },
      y: { label: 'x2' },
      series: [
        { name: 'class 0', x: [0, 1], y: [0, 1] },
        { name: 'class 1', x: [2], y: [3] },
      ],
      colors: ['#111111', '#eeeeee'],
    });
    for (const s of ['Samples', 'class 0', 'class 1', 'x1', 'x2']) expect(sc).toContain(s);
    const bars = await barChart({
      title: 'Per layer',
      yLabel: 'Ψ*',
      bars: [
        { group: 'fc1', series: 'adam', value: 2 },
        { group: 'fc1', series: 'perturbed', value: 1 },
      ],
    });
    for (const s of ['Per layer', 'fc1', 'adam', 'perturbed']) expect(bars).toContain(s);
  });

  it('surface3d draws one quad per finite cell, painter-ordered, with axes, colour bar and points', () => {
    const x = [0, 1, 2, 3];
    const y = [0, 1, 2];
    const z = y.flatMap((b) => x.map((a) => a * a + b));
    const svg = surface3d({
      title: 'Bowl <3D>',
      x,
      y,
      surfaces: [{ name: 'bowl', z, color: z.map((v) => -v) }],
      xLabel: 'w1',
      yLabel: 'w2',
      zLabel: 'loss',
      colorLabel: 'Ψ',
      floor: { values: z, label: 'bound' },
      points: [{ x: 0, y: 0, z: 0, label: 'minimum' }],
    });
    expect(balanced(svg)).toBe(true);
    for (const s of ['Bowl &lt;3D&gt;', 'w1', 'w2', 'loss', 'Ψ', 'bound', 'minimum'])
      expect(svg).toContain(s);
    // 3·2 surface quads and 3·2 floor quads.
    const quads = svg.match(/<path d="M[^"]*Z" fill="(rgb|#)/g) ?? [];
    expect(quads.length).toBe(12);
    expect(() =>
      surface3d({
        title: '',
        x,
        y,
        surfaces: [{ name: 'a', z: [1] }],
        xLabel: '',
        yLabel: '',
        zLabel: '',
      }),
    ).toThrow(/heights/);
  });

  it('niceTicks gives round values inside the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-4, 4, 4)).toEqual([-4, -2, 0, 2, 4]);
  });
});

describe('svgToPng', () => {
  it('writes a PNG that decodes to the asked width and the SVG aspect ratio', async () => {
    const svg = await lineChart({
      title: 'PNG check',
      x: { label: 'x' },
      y: { label: 'y' },
      series: [{ name: 's', x: [0, 1], y: [0, 1] }],
    });
    const png = svgToPng(svg, { width: 640 });
    expect(Array.from(png.subarray(0, 8))).toEqual(Array.from(PNG_SIGNATURE));
    const { width, height, colorType, raw } = decodePng(png);
    expect(width).toBe(640);
    const [, w0, h0] = svg.match(/width="(\d+)" height="(\d+)"/)!.map(Number);
    expect(height).toBe(Math.round((640 * h0) / w0));
    expect(colorType).toBe(6); // RGBA
    expect(raw.length).toBe(height * (1 + 4 * width));
    expect(() => svgToPng(svg, { width: 0 })).toThrow(/width/);
  });
});

describe('htmlReport', () => {
  it('is one self-contained document: inline SVG and CSS, escaped text, nothing to load', async () => {
    const svg = await lineChart({
      title: 'Inline chart',
      x: { label: 'x' },
      y: { label: 'y' },
      series: [{ name: 's', x: [0, 1], y: [1, 2] }],
    });
    const html = htmlReport({
      title: 'Report <one>',
      subtitle: 'made by a test',
      sections: [
        {
          heading: 'Charts',
          text: 'First paragraph.\n\nSecond & last.',
          svg: [
            svg,
            surface3d({
              title: '3D',
              x: [0, 1],
              y: [0, 1],
              surfaces: [{ name: 's', z: [0, 1, 1, 2] }],
              xLabel: 'a',
              yLabel: 'b',
              zLabel: 'c',
            }),
          ],
        },
        {
          heading: 'Numbers',
          table: {
            columns: ['name', 'value'],
            rows: [
              ['pi', Math.PI],
              ['none', null],
            ],
          },
        },
      ],
    });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>Report &lt;one&gt;</title>');
    expect(html).toContain('Second &amp; last.');
    expect(html).toContain('Inline chart');
    expect(html).toContain('<td>3.1416</td>');
    expect((html.match(/<svg/g) ?? []).length).toBe(2);
    // Nothing is fetched: no scripts, no external src/href, no url(http…), no @import.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\s(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/<link/i);
  });
});

describe('toCsv', () => {
  it('writes a header and quoted fields, NaN as empty', () => {
    expect(toCsv({ a: [1, NaN], 'b,c': ['x"y', 'z'] })).toBe('a,"b,c"\n1,"x""y"\n,z\n');
    expect(() => toCsv({ a: [1], b: [1, 2] })).toThrow(/column 'b'/);
  });
});
