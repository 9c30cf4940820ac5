// One self-contained HTML report: inline CSS, inline SVG charts, tables; no scripts, no network.

import { escapeXml } from './vega.js';

export interface ReportTable {
  columns: string[];
  rows: (string | number | null)[][];
}

export interface ReportSection {
  heading: string;
  /** Paragraphs separated by blank lines (plain text, escaped). */
  text?: string;
  /** An SVG chart, inlined (or several, side by side). */
  svg?: string | string[];
  table?: ReportTable;
}

export interface HtmlReportOptions {
  title: string;
  /** A line under the title (e.g. the command that made the report). */
  subtitle?: string;
  sections: ReportSection[];
}

const STYLE = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1200px;
  padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
.subtitle { color: #666; margin-top: 0; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.charts svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #f4f4f4; }
td:first-child, th:first-child { text-align: left; }
`;

/** Drops an XML prolog and DOCTYPE so the SVG can sit inside HTML. */
function inlineSvg(svg: string): string {
  return svg.replace(/<\?xml[^>]*\?>\s*/g, '').replace(/<!DOCTYPE[^>]*>\s*/gi, '');
}

function cell(v: string | number | null): string {
  if (v === null) return '-';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
  }
  return escapeXml(v);
}

/**
 * The report as one HTML document that opens offline: styles inline, charts as inline SVG,
 * no scripts and no external resources. Cost: string concatenation.
 */
export function htmlReport(options: HtmlReportOptions): string {
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(options.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeXml(options.title)}</h1>`,
  ];
  if (options.subtitle) parts.push(`<p class="subtitle">${escapeXml(options.subtitle)}</p>`);
  for (const s of options.sections) {
    parts.push('<section>', `<h2>${escapeXml(s.heading)}</h2>`);
    for (const para of (s.text ?? '').split(/\n\s*\n/)) {
      if (para.trim()) parts.push(`<p>${escapeXml(para.trim())}</p>`);
    }
    const svgs = s.svg === undefined ? [] : Array.isArray(s.svg) ? s.svg : [s.svg];
    if (svgs.length) parts.push(`<div class="charts">${svgs.map(inlineSvg).join('\n')}</div>`);
    if (s.table) {
      const head = s.table.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('');
      const body = s.table.rows.map(
        (r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`,
      );
      parts.push(`<table><thead><tr>${head}</tr></thead><tbody>${body.join('')}</tbody></table>`);
    }
    parts.push('</section>');
  }
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}
