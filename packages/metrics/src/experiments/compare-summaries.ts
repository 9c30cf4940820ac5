// What a comparison concludes per method: the mean and sample sd over seeds of the final fit, Ψ
// and the certificate, the difference to the plain optimizer with its standard error and
// Welch's t, and perturbedOPT's σ over training. Browser-safe.

import { mean, meanDifference, meanSd, type MeanDifference, type MeanSd } from '../stats.js';
import type { CompareCurves, CompareRun } from './compare-run.js';
import type { CompareMethod } from './compare-variants.js';

/** A method's results over its seeds. */
export interface CompareSummary {
  method: CompareMethod;
  name: string;
  /** Runs (seeds) summarised, and how many of them diverged. */
  n: number;
  diverged: number;
  /** Mean minibatch gradient evaluations of a run, and mean seconds. */
  gradientEvaluations: number;
  seconds: number;
  testAccuracy: MeanSd;
  testLoss: MeanSd;
  trainLoss: MeanSd;
  gap: MeanSd;
  psi: MeanSd;
  psiStar: MeanSd;
  /** The certificate: the bound on the test error of each run's network (NaN without one). */
  certificate: MeanSd;
  /** Against the 'plain' method (null for plain itself, or when plain was not run). */
  vsPlain: { testLoss: MeanDifference; testAccuracy: MeanDifference } | null;
  /** σ of perturbedOPT (null for the other methods): means over seeds. */
  sigma: {
    /** Final epoch's σ mean, median and fraction at the cap, and ĥ's mean. */
    finalMean: number;
    finalMedian: number;
    finalFractionAtCap: number;
    finalCurvatureMean: number;
    /** The mean over every trained epoch (warm-up included) of the epoch's σ mean. */
    meanOverEpochs: number;
  } | null;
}

/**
 * Per-method summaries of finished runs (in `methods` order, or first-seen order): mean and
 * sample sd over seeds of the final fit and Ψ, the difference against 'plain' with its standard
 * error and Welch's t, and perturbedOPT's σ statistics. Cost: O(runs × epochs).
 */
export function compareSummaries(
  runs: readonly CompareRun[],
  methods: readonly CompareMethod[] = [...new Set(runs.map((r) => r.method))],
): CompareSummary[] {
  const byMethod = (m: CompareMethod) => runs.filter((r) => r.method === m);
  const stat = (rs: readonly CompareRun[], f: (r: CompareRun) => number | undefined) =>
    meanSd(rs.map((r) => f(r) ?? NaN));
  const plain = byMethod('plain');
  const plainLoss = stat(plain, (r) => r.final.testLoss);
  const plainAcc = stat(plain, (r) => r.final.testAccuracy);
  return methods
    .map((method) => ({ method, rs: byMethod(method) }))
    .filter(({ rs }) => rs.length > 0)
    .map(({ method, rs }): CompareSummary => {
      const n = rs.length;
      const testLoss = stat(rs, (r) => r.final.testLoss);
      const testAccuracy = stat(rs, (r) => r.final.testAccuracy);
      const last = <T>(xs: readonly T[]) => xs[xs.length - 1];
      const perturbed = method.startsWith('perturbed');
      const sigmaOf = (f: (c: CompareCurves) => number | null) =>
        mean(rs.map((r) => f(r.curves) ?? NaN));
      return {
        method,
        name: rs[0].name,
        n,
        diverged: rs.filter((r) => r.stopReason === 'diverged').length,
        gradientEvaluations: mean(rs.map((r) => r.gradientEvaluations)),
        seconds: mean(rs.map((r) => r.seconds)),
        testAccuracy,
        testLoss,
        trainLoss: stat(rs, (r) => r.final.trainLoss),
        gap: stat(rs, (r) => r.final.gap),
        psi: stat(rs, (r) => r.psi?.psi),
        psiStar: stat(rs, (r) => r.psi?.psiStar),
        certificate: stat(rs, (r) => r.certificate?.bound),
        vsPlain:
          method === 'plain' || plain.length === 0
            ? null
            : {
                testLoss: meanDifference(testLoss, n, plainLoss, plain.length),
                testAccuracy: meanDifference(testAccuracy, n, plainAcc, plain.length),
              },
        sigma: perturbed
          ? {
              finalMean: sigmaOf((c) => last(c.sigmaMean)),
              finalMedian: sigmaOf((c) => last(c.sigmaMedian)),
              finalFractionAtCap: sigmaOf((c) => last(c.sigmaFractionAtCap)),
              finalCurvatureMean: sigmaOf((c) => last(c.curvatureMean)),
              meanOverEpochs: mean(
                rs.map((r) => mean(r.curves.sigmaMean.filter((v): v is number => v !== null))),
              ),
            }
          : null,
      };
    });
}
