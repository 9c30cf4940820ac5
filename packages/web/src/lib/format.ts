// Number formatting for the pages: 5 significant digits, exponent form when far from 1.

/** A number to `digits` significant digits (the page's canonical form; tests parse it back). */
export function fmt(x: number | null | undefined, digits = 5): string {
  if (x === null || x === undefined) return '–';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(digits - 1).replace('-', '−');
  return x.toPrecision(digits).replace('-', '−');
}

/** A fraction as a percentage. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(1)} %`;
}

/** Seconds as "12.3 s" or "2 min 05 s". */
export function secs(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - 60 * m)).padStart(2, '0')} s`;
}

/** An integer with thin thousands separators. */
export function int(n: number): string {
  return n.toLocaleString('en-US').replace(/,/g, ' ');
}

/** An axis tick: at most 4 significant digits, no trailing zeros. */
export function tick(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(0).replace('-', '−');
  return String(Number(x.toPrecision(4))).replace('-', '−');
}
