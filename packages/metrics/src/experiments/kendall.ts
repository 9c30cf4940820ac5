// Rank agreement between a generalization measure and the generalization gap: Kendall's τ-b
// (ties corrected) with its significance, and the "granulated" τ of Jiang et al. 2019
// ("Fantastic Generalization Measures and Where to Find Them", §4), which averages τ over groups
// of runs that differ in one hyperparameter only, so a measure cannot score by tracking the
// hyperparameter that dominates the gap.

import { PacgenError } from '@pacgen/core-wasm';
import { erfc, mean } from '../stats.js';

export interface KendallResult {
  /**
   * τ-b = (C − D) / √((n₀ − n₁)(n₀ − n₂)) ∈ [−1, 1], with n₀ = n(n−1)/2 pairs and n₁, n₂ the
   * pairs tied in x, in y. NaN when n < 2 or either list is constant.
   */
  tau: number;
  /** Pairs (x_i, y_i) used: those with both values finite. */
  n: number;
  /** Concordant and discordant pairs (pairs tied in x or y are neither). */
  concordant: number;
  discordant: number;
  /** Pairs tied in x, in y, and in both. */
  tiesX: number;
  tiesY: number;
  tiesXY: number;
  /**
   * Two-sided p-value of H₀ "x and y independent": 'exact' (the permutation distribution of
   * C − D, computed exactly) when neither list has ties and n ≤ 33 (or D or C ≤ 1), as SciPy's
   * `kendalltau` does; otherwise 'normal', z = (C − D)/√Var with Kendall's tie-corrected
   * variance. NaN with τ.
   */
  pValue: number;
  /** z-score of C − D under H₀ (tie-corrected; also given with the exact p-value). */
  z: number;
  method: 'exact' | 'normal';
}

/**
 * Kendall's τ-b between two score lists, by Knight's O(n log n) algorithm: sort by (x, y), count
 * discordant pairs as the swaps of a merge sort by y. Pairs where either value is not finite are
 * dropped (see `n`). Throws a PacgenError when the lists differ in length.
 *
 * Cost: O(n log n); the exact p-value O(n·min(C, D)).
 */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): KendallResult {
  const [xs, ys] = finitePairs(x, y);
  const n = xs.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => xs[a] - xs[b] || ys[a] - ys[b],
  );
  const sx = order.map((i) => xs[i]);
  const sy = order.map((i) => ys[i]);
  const tx = tieGroups(sx);
  let tiesXY = 0;
  for (let i = 0, run = 1; i < n; i++, run++) {
    if (i + 1 < n && sx[i + 1] === sx[i] && sy[i + 1] === sy[i]) continue;
    tiesXY += (run * (run - 1)) / 2;
    run = 0;
  }
  const discordant = mergeCountSwaps(sy);
  const ty = tieGroups(sy); // sorted by y now
  const pairs = (n * (n - 1)) / 2;
  const untied = pairs - tx.pairs - ty.pairs + tiesXY;
  const s = untied - 2 * discordant;
  const concordant = untied - discordant;
  const tau =
    n < 2 ? NaN : Math.max(-1, Math.min(1, s / Math.sqrt((pairs - tx.pairs) * (pairs - ty.pairs))));

  // Kendall's variance of S = C − D under independence, with both tie corrections.
  const m = n * (n - 1);
  const variance =
    (m * (2 * n + 5) - tx.v1 - ty.v1) / 18 +
    (2 * tx.pairs * ty.pairs) / m +
    (n > 2 ? (tx.v0 * ty.v0) / (9 * m * (n - 2)) : 0);
  const z = variance > 0 ? s / Math.sqrt(variance) : NaN;
  const c = Math.min(discordant, pairs - discordant);
  const exact = tx.pairs === 0 && ty.pairs === 0 && (n <= 33 || c <= 1);
  let pValue = NaN;
  if (Number.isFinite(tau)) {
    pValue = exact
      ? Math.min(1, 2 * inversionCdf(n, c))
      : Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
  }
  return {
    tau,
    n,
    concordant,
    discordant,
    tiesX: tx.pairs,
    tiesY: ty.pairs,
    tiesXY,
    pValue,
    z,
    method: exact ? 'exact' : 'normal',
  };
}

/**
 * The pairs (x_i, y_i) with both values finite, as two lists. Throws a PacgenError when the
 * lists differ in length. Cost: O(n).
 */
export function finitePairs(x: ArrayLike<number>, y: ArrayLike<number>): [number[], number[]] {
  if (x.length !== y.length) {
    throw new PacgenError(
      `Kendall's τ needs two lists of equal length, got ${x.length} and ${y.length}`,
    );
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      xs.push(x[i]);
      ys.push(y[i]);
    }
  }
  return [xs, ys];
}

/** Tied pairs Σ t(t−1)/2 and Kendall's Σ t(t−1)(t−2), Σ t(t−1)(2t+5) over runs of a sorted list. */
function tieGroups(sorted: readonly number[]): { pairs: number; v0: number; v1: number } {
  let pairs = 0;
  let v0 = 0;
  let v1 = 0;
  for (let i = 0, t = 1; i < sorted.length; i++, t++) {
    if (i + 1 < sorted.length && sorted[i + 1] === sorted[i]) continue;
    pairs += (t * (t - 1)) / 2;
    v0 += t * (t - 1) * (t - 2);
    v1 += t * (t - 1) * (2 * t + 5);
    t = 0;
  }
  return { pairs, v0, v1 };
}

/** Sorts `a` ascending in place (stable) and returns the number of pairs i < j with a_i > a_j. */
function mergeCountSwaps(a: number[]): number {
  const buf = new Array<number>(a.length);
  let swaps = 0;
  for (let width = 1; width < a.length; width *= 2) {
    for (let lo = 0; lo < a.length - width; lo += 2 * width) {
      const mid = lo + width;
      const hi = Math.min(lo + 2 * width, a.length);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (a[i] <= a[j]) buf[k++] = a[i++];
        else {
          swaps += mid - i;
          buf[k++] = a[j++];
        }
      }
      while (i < mid) buf[k++] = a[i++];
      while (j < hi) buf[k++] = a[j++];
      for (let t = lo; t < hi; t++) a[t] = buf[t];
    }
  }
  return swaps;
}

/**
 * P(D ≤ c) for the number of inversions D of a uniformly random permutation of n items (the
 * null distribution of the discordant pairs without ties): the convolution of the uniform laws
 * on {0, …, j − 1}, j = 1…n, kept as probabilities and truncated at c. Cost O(n·c).
 */
export function inversionCdf(n: number, c: number): number {
  if (c < 0) return 0;
  if (c >= (n * (n - 1)) / 2) return 1;
  let p = new Float64Array(c + 1);
  p[0] = 1;
  for (let j = 2; j <= n; j++) {
    // new[k] = (1/j) Σ_{i=0}^{j−1} p[k − i], by a running window sum.
    const next = new Float64Array(c + 1);
    let window = 0;
    for (let k = 0; k <= c; k++) {
      window += p[k];
      if (k - j >= 0) window -= p[k - j];
      next[k] = window / j;
    }
    p = next;
  }
  let sum = 0;
  for (const v of p) sum += v;
  return Math.min(1, sum);
}

/** One run of a sweep as the granulated τ sees it. */
export interface GranulatedPoint {
  /** The run's hyperparameters (grid coordinates), e.g. { batchSize: 64, lr: 0.1, seed: 1 }. */
  hyper: Readonly<Record<string, string | number>>;
  /** The measure's value at the end of the run. */
  measure: number;
  /** The generalization gap (test − train loss) of the run. */
  gap: number;
}

export interface GranulatedAxis {
  /** The hyperparameter varied within each group. */
  axis: string;
  /** ψ_axis: mean τ over the groups with a defined τ (NaN when none). */
  tau: number;
  /** τ of each group with ≥ 2 runs, in a fixed order (NaN where undefined: all tied). */
  groupTaus: number[];
  /** Groups with a defined τ (the mean's count). */
  groups: number;
}

export interface GranulatedResult {
  perAxis: GranulatedAxis[];
  /** Mean of ψ over the axes with a defined ψ (Jiang et al.'s Ψ); NaN when none. */
  mean: number;
}

/**
 * Jiang et al.'s granulated τ: for each hyperparameter `axis`, the runs are grouped by the values
 * of every other key of `hyper` (so a group differs only in `axis`), τ between measure and gap
 * is computed within each group of ≥ 2 runs, and ψ_axis is the mean over groups; the overall
 * score is the mean of the ψ. Keys that are not axes (e.g. the seed) still define the groups.
 * `axes` defaults to the keys taking more than one value.
 *
 * Cost: O(N log N) for N runs per axis.
 */
export function granulatedTau(
  points: readonly GranulatedPoint[],
  axes?: readonly string[],
): GranulatedResult {
  const keys = [...new Set(points.flatMap((p) => Object.keys(p.hyper)))].sort();
  for (const p of points) {
    for (const k of keys) {
      if (!(k in p.hyper)) throw new PacgenError(`granulated τ: a run lacks hyperparameter '${k}'`);
    }
  }
  const chosen =
    axes ?? keys.filter((k) => new Set(points.map((p) => String(p.hyper[k]))).size > 1);
  const perAxis = chosen.map((axis): GranulatedAxis => {
    if (!keys.includes(axis)) throw new PacgenError(`granulated τ: no hyperparameter '${axis}'`);
    const groups = new Map<string, GranulatedPoint[]>();
    for (const p of points) {
      const id = JSON.stringify(keys.filter((k) => k !== axis).map((k) => p.hyper[k]));
      const g = groups.get(id);
      if (g) g.push(p);
      else groups.set(id, [p]);
    }
    const groupTaus = [...groups.keys()]
      .sort()
      .map((id) => groups.get(id) as GranulatedPoint[])
      .filter((g) => g.length >= 2)
      .map(
        (g) =>
          kendallTau(
            g.map((p) => p.measure),
            g.map((p) => p.gap),
          ).tau,
      );
    const defined = groupTaus.filter(Number.isFinite);
    return { axis, tau: mean(defined), groupTaus, groups: defined.length };
  });
  return { perAxis, mean: mean(perAxis.map((a) => a.tau).filter(Number.isFinite)) };
}
