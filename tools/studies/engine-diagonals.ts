// The engine's diagonals against the exact Hessian diagonal (docs/method.md §5.2): GGN and
// HesScale next to Hutchinson (K probes) and Hutchinson with the GGN as control variate, on the
// MNIST CNN and MLP presets trained briefly; relative error, cost in gradient evaluations,
// measured time, and Ψ* computed with each (the library's `pacgen`, one ρ for all).
//
//   nice -n 19 npx tsx tools/studies/engine-diagonals.ts [--samples 256] [--probes 100] [--cv-probes 25]
//
// The reference: the GGN diagonal, checked against exact coordinate HVPs [H e_i]_i on 48 random
// coordinates (for ReLU/max-pool nets diag G = diag H almost everywhere). Writes
// docs/data/engine-diagonals.json and prints the markdown table.

import { writeFileSync } from 'node:fs';
import type { NetworkSpec } from '@pacgen/core-wasm';
import { pacgen, type DiagonalMethod } from '@pacgen/metrics';
import { mlp, mnistCnn } from '@pacgen/metrics/models';
import { relativeError } from '../bench/src/log.js';
import { coordinateCheck, numberFlag, trainedMnistPreset } from './mnist-preset.js';

const args = process.argv.slice(2);
const SAMPLES = numberFlag(args, 'samples', 256);
const PROBES = numberFlag(args, 'probes', 100);
const CV_PROBES = numberFlag(args, 'cv-probes', 25);
const CHECKED = 48;
const METHODS: { method: DiagonalMethod; probes?: number }[] = [
  { method: 'ggn' },
  { method: 'hesscale' },
  { method: 'hutchinson', probes: PROBES },
  { method: 'hutchinson-cv', probes: CV_PROBES },
];

interface Row {
  method: string;
  probes: number;
  cost: number;
  seconds: number;
  error: number;
  psiStar: number;
}

async function study(name: string, spec: NetworkSpec) {
  const { obj, w, m } = await trainedMnistPreset(name, spec, SAMPLES);
  const rows: Row[] = [];
  // ρ estimated once (2 displacements) and given to every run, so that Ψ* differs only
  // through the diagonal and the times are the diagonal's.
  const first = await pacgen(obj, w, { diagonal: { method: 'ggn' }, rho: { probes: 2 } });
  const rho = first.rho.value;
  const reference = first.diagonal.values;
  const check = await coordinateCheck(obj, w, reference, CHECKED);
  for (const { method, probes } of METHODS) {
    const t0 = performance.now();
    const report = await pacgen(obj, w, { diagonal: { method, probes }, rho, seed: 1 });
    const seconds = (performance.now() - t0) / 1000;
    rows.push({
      method,
      probes: report.diagonal.probes,
      cost: report.diagonal.cost,
      seconds,
      error: relativeError(report.diagonal.values, reference),
      psiStar: report.psiStar,
    });
    console.error(`${name} ${method}: ${JSON.stringify(rows.at(-1))}`);
  }
  return { name, m, samples: SAMPLES, rho, referenceCheck: check, rows };
}

async function main() {
  const results = [await study('mnist-cnn', mnistCnn()), await study('mlp', mlp())];
  writeFileSync('docs/data/engine-diagonals.json', JSON.stringify(results, null, 2));
  console.log(
    '| model | diagonal | probes | gradients | time (s) | rel. error | Ψ* | Ψ* / Ψ*(GGN) |\n|---|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    const ref = r.rows[0].psiStar;
    for (const row of r.rows) {
      console.log(
        `| ${r.name} | ${row.method} | ${row.probes} | ${row.cost} | ${row.seconds.toFixed(1)} | ${row.error.toPrecision(3)} | ${row.psiStar.toPrecision(5)} | ${(row.psiStar / ref).toFixed(4)} |`,
      );
    }
    console.log(
      `\n${r.name}: m = ${r.m}, n = ${r.samples}, ρ = ${r.rho.toPrecision(3)}; GGN vs coordinate HVPs: ${r.referenceCheck.toExponential(2)}\n`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
