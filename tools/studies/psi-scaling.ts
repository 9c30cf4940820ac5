// How the cost of Ψ* grows (docs/engine.md): wall time of one `pacgen` report (Ψ* with a
// 2-probe Hutchinson diagonal and ρ̂ from 1 displacement: a fixed number of gradient
// evaluations) against the number of parameters (MLPs 784-h-10 of growing width h, m = 10⁴ … 10⁶,
// on 1,000 MNIST images) and against the number of samples (the m ≈ 10⁵ MLP on 1,000 … 60,000
// images), on core-wasm, f64, one thread. Weights are the seeded initial ones: the time of a
// gradient does not depend on them.
//
//   npx tsx tools/studies/psi-scaling.ts [--repeats 1]
//
// Writes docs/data/psi-scaling.json and docs/img/psi-scaling.svg; prints the markdown table.

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Network } from '@pacgen/core-wasm';
import { networkObjective, pacgen } from '@pacgen/metrics';
import { mlp } from '@pacgen/metrics/models';
import { loadMnist } from '@pacgen/metrics/node';
import { lineChart } from '../../packages/cli/src/plot/index.js';

const WIDTHS = [13, 38, 126, 377, 1258];
const SAMPLES = [1000, 3000, 10000, 30000, 60000];
const OPTIONS = {
  diagonal: { method: 'hutchinson' as const, probes: 2 },
  rho: { probes: 1 },
  trainSamples: 60000,
};

interface Point {
  axis: 'parameters' | 'samples';
  m: number;
  n: number;
  seconds: number;
  gradients: number;
  msPerGradient: number;
  psiStar: number;
}

async function main() {
  const data = await loadMnist({ normalization: 'standard', precision: 'f64' });
  const x = data.train.x;
  const y = data.train.y;
  const points: Point[] = [];
  const run = async (axis: Point['axis'], width: number, n: number) => {
    const net = await Network.create(mlp({ hidden: [width] }), { precision: 'f64' });
    net.initParams(1);
    net.setData(x.subarray(0, n * 784), y.subarray(0, n));
    const obj = networkObjective(net);
    const t0 = performance.now();
    const r = await pacgen(obj, obj.params(), OPTIONS);
    const seconds = (performance.now() - t0) / 1000;
    const gradients = r.cost.gradientEvaluations;
    const p = {
      axis,
      m: obj.numParams,
      n,
      seconds,
      gradients,
      msPerGradient: (seconds * 1000) / gradients,
      psiStar: r.psiStar,
    };
    console.error(JSON.stringify(p), 'load', loadavg()[0].toFixed(1));
    points.push(p);
  };
  for (const w of WIDTHS) await run('parameters', w, 1000);
  for (const n of SAMPLES) await run('samples', 126, n);
  writeFileSync(
    'docs/data/psi-scaling.json',
    JSON.stringify({ options: OPTIONS, points }, null, 2),
  );
  console.log(
    '| varied | parameters m | samples n | Ψ* time (s) | gradient evaluations | ms per gradient | ns per (parameter · sample) |\n|---|---|---|---|---|---|---|',
  );
  for (const p of points) {
    console.log(
      `| ${p.axis} | ${p.m.toLocaleString('en')} | ${p.n.toLocaleString('en')} | ${p.seconds.toFixed(2)} | ${p.gradients} | ${p.msPerGradient.toFixed(1)} | ${((p.msPerGradient * 1e6) / (p.m * p.n)).toFixed(3)} |`,
    );
  }
  const of = (axis: Point['axis']) => points.filter((p) => p.axis === axis);
  // One axis for both sweeps: a gradient's work is proportional to m·n.
  const series = (['parameters', 'samples'] as const).map((axis) => ({
    name: axis === 'parameters' ? 'm = 10⁴ … 10⁶ at n = 1,000' : 'n = 10³ … 6·10⁴ at m = 100,180',
    x: of(axis).map((p) => p.m * p.n),
    y: of(axis).map((p) => p.seconds),
  }));
  const svg = await lineChart({
    title: `Time of Ψ* (${points[0].gradients} gradient evaluations; core-wasm f64, 1 thread)`,
    x: { label: 'parameters × samples (m·n)', log: true },
    y: { label: 'seconds', log: true },
    series,
  });
  writeFileSync('docs/img/psi-scaling.svg', svg);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
