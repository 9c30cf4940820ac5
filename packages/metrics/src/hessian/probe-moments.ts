// Per-coordinate running moments of the probe terms of a stochastic diagonal (Welford's update):
// the mean and spread of a_k = v_k ⊙ H v_k for Hutchinson, and with a paired b_k = v_k ⊙ G v_k
// the co-moments the control variate's coefficient needs (control-variate.ts).

/** Running means, squared deviations and (when paired) cross deviations of K probe terms. */
export class ProbeMoments {
  /** Probes added. */
  count = 0;
  readonly meanA: Float64Array;
  readonly meanB: Float64Array;
  private readonly m2A: Float64Array;
  private readonly m2B: Float64Array;
  private readonly cAB: Float64Array;

  constructor(
    readonly size: number,
    readonly paired = false,
  ) {
    this.meanA = new Float64Array(size);
    this.m2A = new Float64Array(size);
    const n = paired ? size : 0;
    this.meanB = new Float64Array(n);
    this.m2B = new Float64Array(n);
    this.cAB = new Float64Array(n);
  }

  /** Adds one probe's terms (b only when paired). O(m). */
  add(a: ArrayLike<number>, b?: ArrayLike<number>): void {
    const k = ++this.count;
    const { meanA, meanB, m2A, m2B, cAB } = this;
    for (let i = 0; i < this.size; i++) {
      const da = a[i] - meanA[i];
      meanA[i] += da / k;
      m2A[i] += da * (a[i] - meanA[i]);
      if (!this.paired) continue;
      const db = b![i] - meanB[i];
      meanB[i] += db / k;
      m2B[i] += db * (b![i] - meanB[i]);
      cAB[i] += da * (b![i] - meanB[i]);
    }
  }

  /**
   * The coefficient c minimising Σ_i Var(a_i − c·b_i), Σ Cov(a_i, b_i) / Σ Var(b_i), from the
   * probes so far; 1 when it cannot be estimated (fewer than 2 probes, or b constant). O(m).
   */
  fittedCoefficient(): number {
    let cov = 0;
    let varB = 0;
    for (let i = 0; i < this.cAB.length; i++) {
      cov += this.cAB[i];
      varB += this.m2B[i];
    }
    return this.count > 1 && varB > 0 ? cov / varB : 1;
  }

  /**
   * Per-coordinate standard error of the mean of a − c·b (of a when not paired): the sample
   * standard deviation over probes / √K; NaN for K = 1. O(m).
   */
  stdErr(c = 0): Float64Array {
    const K = this.count;
    return Float64Array.from({ length: this.size }, (_, i) => {
      if (K < 2) return NaN;
      const ss = this.paired
        ? this.m2A[i] - 2 * c * this.cAB[i] + c * c * this.m2B[i]
        : this.m2A[i];
      return Math.sqrt(Math.max(0, ss) / (K - 1) / K);
    });
  }
}

/** v ⊙ Av, one probe's term of a Hutchinson diagonal of A (a fresh array). O(m). */
export function probeTerm(v: ArrayLike<number>, av: ArrayLike<number>): Float64Array {
  return Float64Array.from(av, (x, i) => v[i] * x);
}
