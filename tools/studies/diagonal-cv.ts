// Error against cost of the stochastic Hessian diagonals (docs/method.md §5): plain Hutchinson
// and Hutchinson with the GGN as control variate (coefficient 1, and fitted), on the MNIST CNN
// and MLP presets trained briefly, at K = 1, 2, 4, … probes.
//
//   nice -n 19 npx tsx tools/studies/diagonal-cv.ts [--samples 1000] [--seeds 3] [--probes 64]
//
// The reference is the exact GGN diagonal of the engine, which for these piecewise-linear
// networks (ReLU, max pooling, linear last layer) is the Hessian diagonal almost everywhere; the
// study checks that on 48 random coordinates against the exact coordinate HVPs (h_i = [H e_i]_i).
// The same Rademacher probes feed both estimators: a_k = v⊙Hv_k gives plain Hutchinson's
// mean(a), b_k = v⊙Gv_k the control variate's diag G + mean(a − c·b). Cost in gradient
// evaluations as the library counts it: 2K + 1 (plain), O + 1 + 4K (control variate, O = 10),
// and the measured time of an HVP and of a Gauss-Newton product beside it.
// Writes docs/data/diagonal-cv.json and docs/img/diagonal-cv.svg; prints the markdown table.

import { writeFileSync } from 'node:fs';
import { Random, type NetworkSpec } from '@pacgen/core-wasm';
import { ggnDiagonal, HessianOperator, hessianAt, ProbeMoments, probeTerm } from '@pacgen/metrics';
import { mlp, mnistCnn } from '@pacgen/metrics/models';
import { lineChart } from '../../packages/cli/src/plot/index.js';
import { relativeError } from '../bench/src/log.js';
import { coordinateCheck, numberFlag, trainedMnistPreset } from './mnist-preset.js';

const args = process.argv.slice(2);
const SAMPLES = numberFlag(args, 'samples', 1000);
const SEEDS = numberFlag(args, 'seeds', 3);
const PROBES = numberFlag(args, 'probes', 64);
const CHECKED = 48;

interface Row {
  model: string;
  probes: number;
  plain: { cost: number; err: number[] };
  cv: { cost: number; err: number[] };
  fitted: { err: number[]; c: number[] };
}

async function study(name: string, spec: NetworkSpec) {
  const { obj, w, m } = await trainedMnistPreset(name, spec, SAMPLES);
  const ggn = await ggnDiagonal(obj, w);
  const h = ggn.diagonal;
  const worst = await coordinateCheck(obj, w, h, CHECKED);
  console.error(
    `${name}: GGN vs coordinate HVPs on ${CHECKED} coordinates: max |Δ|/max|h| = ${worst.toExponential(2)}`,
  );

  const Ks = Array.from({ length: Math.log2(PROBES) + 1 }, (_, i) => 2 ** i);
  const rows: Row[] = Ks.map((K) => ({
    model: name,
    probes: K,
    plain: { cost: 2 * K + 1, err: [] },
    cv: { cost: ggn.cost + 1 + 4 * K, err: [] },
    fitted: { err: [], c: [] },
  }));
  const time = { hvp: 0, gn: 0, products: 0 };
  for (let seed = 1; seed <= SEEDS; seed++) {
    const op = await hessianAt(obj, w, { seed });
    const gop = new HessianOperator(obj, op.point, op.request, op.onKink, 'gauss-newton');
    const rng = new Random(seed);
    const moments = new ProbeMoments(m, true);
    const v = new Float64Array(m);
    for (let k = 1; k <= PROBES; k++) {
      rng.rademacher(v);
      const t1 = performance.now();
      const hv = await op.apply(v);
      const t2 = performance.now();
      const gv = await gop.apply(v);
      time.hvp += t2 - t1;
      time.gn += performance.now() - t2;
      time.products++;
      moments.add(probeTerm(v, hv), probeTerm(v, gv));
      const row = rows.find((r) => r.probes === k);
      if (!row) continue;
      const estimate = (c: number) =>
        Float64Array.from(h, (g, i) => c * g + moments.meanA[i] - c * moments.meanB[i]);
      const c = moments.fittedCoefficient();
      row.plain.err.push(relativeError(moments.meanA, h));
      row.cv.err.push(relativeError(estimate(1), h));
      row.fitted.err.push(relativeError(estimate(c), h));
      row.fitted.c.push(c);
      console.error(
        `${name} seed ${seed} K ${k}: plain ${row.plain.err.at(-1)!.toFixed(4)} cv ${row.cv.err.at(-1)!.toFixed(4)} fitted ${row.fitted.err.at(-1)!.toFixed(4)} (c ${c.toFixed(3)}); kinks ${op.health.hvpsWithCrossings}/${gop.health.hvpsWithCrossings}`,
      );
    }
  }
  return {
    name,
    m,
    samples: SAMPLES,
    referenceCheck: worst,
    msPerHvp: time.hvp / time.products,
    msPerGaussNewton: time.gn / time.products,
    rows,
  };
}

const rms = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);

async function main() {
  const results = [await study('mnist-cnn', mnistCnn()), await study('mlp', mlp())];
  writeFileSync('docs/data/diagonal-cv.json', JSON.stringify(results, null, 2));
  console.log(
    '| model | K | plain: gradients | plain: rel. error | CV: gradients | CV (c = 1): rel. error | CV (fitted c): rel. error, c |\n|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    for (const row of r.rows) {
      console.log(
        `| ${r.name} | ${row.probes} | ${row.plain.cost} | ${rms(row.plain.err).toFixed(3)} | ${row.cv.cost} | ${rms(row.cv.err).toFixed(3)} | ${rms(row.fitted.err).toFixed(3)}, ${(row.fitted.c.reduce((s, c) => s + c, 0) / row.fitted.c.length).toFixed(2)} |`,
      );
    }
    console.log(
      `\n${r.name}: m = ${r.m}, n = ${r.samples}; reference check ${r.referenceCheck.toExponential(2)}; ${r.msPerHvp.toFixed(0)} ms per HVP, ${r.msPerGaussNewton.toFixed(0)} ms per Gauss-Newton product (ratio ${(r.msPerGaussNewton / r.msPerHvp).toFixed(2)})\n`,
    );
  }
  const series = results.flatMap((r) => [
    {
      name: `${r.name}, Hutchinson`,
      x: r.rows.map((row) => row.plain.cost),
      y: r.rows.map((row) => rms(row.plain.err)),
      group: r.name,
      style: 'Hutchinson',
    },
    {
      name: `${r.name}, GGN control variate`,
      x: r.rows.map((row) => row.cv.cost),
      y: r.rows.map((row) => rms(row.cv.err)),
      group: r.name,
      style: 'control variate',
    },
  ]);
  const svg = await lineChart({
    title: `Hessian diagonal: relative error against cost (n = ${SAMPLES}, RMS over ${SEEDS} seeds)`,
    x: { label: 'gradient evaluations', log: true },
    y: { label: '‖ĥ − h‖₂ / ‖h‖₂', log: true },
    series,
  });
  writeFileSync('docs/img/diagonal-cv.svg', svg);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
