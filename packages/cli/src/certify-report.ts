// The human side of a certificate: one line a person can act on, the terms table, how δ was
// spent, and the chart of the bound against the posterior's scale.

import type { CertificateReport, PosteriorCertificate, PosteriorKind } from '@pacgen/metrics';
import { duration, fmt, int, keyValues, table } from './format.js';
import { lineChart } from './plot/index.js';

const LABEL: Record<PosteriorKind, string> = {
  'sigma-star': 'σ* (PACGen)',
  isotropic: 'isotropic',
  optimized: 'optimized',
};

/** The certificate with the lowest bound. */
function best(r: CertificateReport): PosteriorCertificate {
  return r.certificates.find((c) => c.posterior === r.best) as PosteriorCertificate;
}

/** A probability with 3 decimals (bounds and errors). */
const p3 = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(3));

/**
 * One line: "test error ≤ 0.183 with 95% confidence …; measured test error …". The bound is on
 * the stochastic network's error (weights drawn from the posterior), which the line says.
 */
export function headline(r: CertificateReport): string {
  const c = best(r);
  const confidence = `${fmt(100 * (1 - r.delta.total), 3)}%`;
  const measured =
    r.mean.testError === null
      ? 'no test set to measure against'
      : `measured test error ${p3(r.mean.testError)} (trained network), ${p3(c.test?.error)} (stochastic network)`;
  return `test error ≤ ${p3(c.bound)} with ${confidence} confidence, for the network with weights drawn from the ${LABEL[c.posterior]} posterior N(w, σ²); ${measured}`;
}

/** The terms of every certificate, one row per posterior. */
export function termsTable(r: CertificateReport): string {
  return table([
    [
      'posterior',
      'scale',
      'mean σ',
      'KL (nats)',
      'λ',
      'train err Q',
      '≤ (MC bound)',
      'complexity',
      'bound',
      'test err Q',
    ],
    ...r.certificates.map((c) => [
      LABEL[c.posterior],
      fmt(c.scale),
      fmt(c.sigma.mean),
      fmt(c.kl, 5),
      fmt(c.lambda),
      `${p3(c.monteCarlo.error)} ± ${fmt(c.monteCarlo.stdErr, 2)}`,
      p3(c.monteCarlo.errorBound),
      fmt(c.pacBayes.complexity),
      p3(c.bound),
      p3(c.test?.error),
    ]),
  ]);
}

/** The whole human-readable report. */
export function formatCertificate(
  r: CertificateReport,
  context: { trainingSet: string; prior: string; seconds: number },
): string {
  const mc = r.certificates[0].monteCarlo;
  const lines = keyValues([
    ['training set', context.trainingSet],
    ...priorLines(r, context.prior),
    [
      'λ grid',
      `${int(r.prior.grid.points)} variances from ${fmt(r.prior.grid.max)} down to ${fmt(r.prior.grid.min)}, geometric`,
    ],
    [
      'δ',
      `${r.delta.total}: ${fmt(r.delta.pacBayes)} for the PAC-Bayes-kl bound (${fmt(r.delta.perPrior, 2)} per prior variance), ${fmt(r.delta.monteCarlo)} for the Monte Carlo bounds (${fmt(r.delta.perPosterior, 3)} per posterior)`,
    ],
    [
      'Monte Carlo',
      `${int(mc.draws)} weight draws of ${int(mc.samplesPerDraw)} samples each over ${mc.passes} pass(es) of the ${int(r.n)} ${r.learnedPrior ? 'held-out ' : ''}training samples`,
    ],
    [
      'trained network',
      `${r.learnedPrior ? 'held-out ' : ''}training error ${p3(r.mean.trainError)}, test error ${p3(r.mean.testError)} (${int(r.numTestSamples)} test samples)`,
    ],
    ...optimizationLine(r),
    ['time', r.timings.map((t) => `${t.step} ${duration(t.seconds)}`).join(', ')],
  ]);
  const reading =
    'Every bound holds at once with the confidence above (the union of all δ). The bound is on the stochastic network; "train err Q" is its Monte Carlo training error, "≤" that error\'s upper bound, "complexity" (KL + ln(2√n·J/δ))/n.';
  return `${headline(r)}\n\n${termsTable(r)}\n\n${lines}\n\n${reading}\nTotal ${duration(context.seconds)}.`;
}

/** The prior: its mean (the initialisation, or learned from it on part of the data). */
function priorLines(r: CertificateReport, start: string): [string, string][] {
  const p = r.learnedPrior;
  const distance = fmt(r.prior.distance);
  if (!p) return [['prior', `N(w₀, λI), w₀ = ${start}; ‖w − w₀‖ = ${distance}`]];
  const last = p.history[p.history.length - 1];
  return [
    [
      'prior',
      `N(w_P, λI), w_P learned on the first ${int(p.samples)} training samples (the bound counts the other ${int(r.n)}); ‖w − w_P‖ = ${distance}`,
    ],
    [
      'learned prior',
      `from ${start}: ${int(p.steps)} SGD steps of ${fmt(p.learningRate, 2)} with momentum ${p.momentum}, batches of ${p.batchSize}, ${p.epochs} epochs (last: loss ${fmt(last.loss, 3)}, error ${p3(last.error)}); its mean's error ${p3(p.heldOutError)} held-out, ${p3(p.testError)} test`,
    ],
  ];
}

/** How the optimized posterior was found, when it was. */
function optimizationLine(r: CertificateReport): [string, string][] {
  const o = r.optimization;
  if (!o) return [];
  const epochs = o.history.map((h) => p3(h.bound)).join(', ');
  const from =
    o.start === 'prior'
      ? `from the prior (mean ${r.learnedPrior ? 'w_P' : 'w₀'}, σ = √λ = ${fmt(o.priorSigma, 2)})`
      : `from the ${LABEL[o.start]} posterior with its mean shrunk towards w₀ by α = ${o.shrink}`;
  const decay = o.schedule === 'cosine' ? ', both cosine-decayed to 0 over the run' : '';
  const steps =
    o.momentum === null
      ? `${int(o.steps)} Adam steps of ${fmt(o.learningRate, 2)} (mean) and`
      : `${int(o.steps)} SGD steps of ${fmt(o.learningRate, 2)} with momentum ${o.momentum} (mean) and Adam steps of`;
  return [
    [
      'optimization',
      `${from}, ${steps} ${fmt(o.sigmaLearningRate, 2)} (ln σ, ln λ)${decay}; estimated bound after each epoch ${epochs}`,
    ],
  ];
}

/**
 * The estimated bound along each scale search (the Monte Carlo error on the search samples in
 * place of its upper bound) against the posterior's mean σ, with each certificate as a point:
 * SVG. Cost: one Vega render.
 */
export async function boundChart(r: CertificateReport): Promise<string> {
  const series = r.scans.map((s) => ({
    name: `${LABEL[s.posterior]} scale search`,
    x: s.points.map((p) => p.meanSigma),
    y: s.points.map((p) => p.bound),
  }));
  for (const c of r.certificates) {
    series.push({ name: `${LABEL[c.posterior]} certificate`, x: [c.sigma.mean], y: [c.bound] });
  }
  return lineChart({
    title: 'PAC-Bayes-kl bound on the test error against the posterior scale',
    x: { label: 'mean σ of the posterior (parameter units)', log: true },
    y: { label: 'bound on the 0-1 test error' },
    series,
    points: true,
  });
}
