// CSV text from named columns (RFC 4180 quoting; numbers at full precision, NaN as empty).

/** A column: a header and its values (all columns the same length). */
export type CsvColumns = Record<string, ArrayLike<number | string>>;

function field(v: number | string): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The columns as CSV text with a header line; throws when their lengths differ. */
export function toCsv(columns: CsvColumns): string {
  const names = Object.keys(columns);
  const n = names.length ? columns[names[0]].length : 0;
  for (const k of names) {
    if (columns[k].length !== n) {
      throw new Error(`CSV column '${k}' has ${columns[k].length} values, expected ${n}`);
    }
  }
  const lines = [names.map(field).join(',')];
  for (let i = 0; i < n; i++) lines.push(names.map((k) => field(columns[k][i])).join(','));
  return `${lines.join('\n')}\n`;
}

/** CSV of one row per item of `rows`, each column's value computed from the item. */
export function rowsToCsv<R>(
  rows: readonly R[],
  columns: Record<string, (r: R) => number | string>,
): string {
  return toCsv(Object.fromEntries(Object.entries(columns).map(([k, f]) => [k, rows.map(f)])));
}
