// Colour scales for the maps: viridis (sequential), a robust value range, and two label colours.

// Viridis at 9 stops (matplotlib), interpolated linearly.
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** RGB of viridis at t ∈ [0, 1]. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + f * (b[k] - a[k]))) as [number, number, number];
}

export const css = ([r, g, b]: [number, number, number]): string => `rgb(${r} ${g} ${b})`;

/**
 * The value range a map is coloured over: the 2nd to 98th percentile of the finite values, so a
 * few huge values (saturated sigmoids) don't flatten the rest; `log` maps through log10(x − min + 1e-12).
 */
export function robustRange(values: ArrayLike<number>): [number, number] {
  const v = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (v.length === 0) return [0, 1];
  const lo = v[Math.floor(0.02 * (v.length - 1))];
  const hi = v[Math.ceil(0.98 * (v.length - 1))];
  return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
}

/** Class colours: label 0 and label 1. */
export const LABEL_COLORS: [number, number, number][] = [
  [64, 120, 200],
  [235, 140, 40],
];
