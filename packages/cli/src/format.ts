// Plain-text tables and number formatting for the human-readable output.

/** A number in a short, readable form: fixed for moderate magnitudes, exponent otherwise. */
export function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '-';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(Math.max(1, digits - 2));
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return x.toFixed(Math.min(decimals, 6));
}

/** A confidence interval as "[low, high]" (2 decimals), null when undefined (NaN ends). */
export function intervalCell(i: { low: number; high: number }): string | null {
  return Number.isFinite(i.low) ? `[${i.low.toFixed(2)}, ${i.high.toFixed(2)}]` : null;
}

/** A fraction as a percentage with one decimal. */
export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return `${(100 * x).toFixed(1)}%`;
}

/** An integer with thousands separators. */
export function int(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** Seconds as "12.3 s" or "4 min 05 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - 60 * m);
  return `${m} min ${String(s).padStart(2, '0')} s`;
}

/**
 * A text table: first row is the header; columns after the first are right-aligned (numbers)
 * unless `alignLeft` names them.
 */
export function table(rows: string[][], options: { alignLeft?: number[] } = {}): string {
  const left = new Set([0, ...(options.alignLeft ?? [])]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (left.has(c) ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

/** "key: value" lines with the keys padded to one width. */
export function keyValues(pairs: [string, string][]): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w + 2)}${v}`).join('\n');
}

/** A markdown table: the first row is the header; the first column left-aligned, the rest right. */
export function markdownTable(rows: readonly (readonly string[])[]): string[] {
  const [head, ...body] = rows;
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ];
}
