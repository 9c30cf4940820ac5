// Do the diagonal estimators rank a sweep's runs the same way (docs/method.md §5.2)? Scores every
// checkpoint of a `pacgen sweep --keep-checkpoints` folder with Ψ* from each Hessian diagonal
// (the library's `pacgen`, on the sweep's own Ψ subset and data subset, ρ estimated once per run
// with the exact diagonal and given to the others) and prints Kendall's τ between the rankings,
// each estimator against the exact diagonal, and each against the runs' cross-entropy gaps.
//
//   nice -n 19 node packages/cli/dist/main.js sweep --data mnist --model mlp:16 \
//     --batch-sizes 16,32,64,256 --lrs 0.02,0.05,0.2 --max-epochs 5 --train-size 1000 \
//     --test-size 500 --samples 256 --psi-every 0 --precision f64 --keep-checkpoints \
//     --out /tmp/diag2-sweep12 --no-png
//   nice -n 19 npx tsx tools/studies/diagonal-ranking.ts --sweep /tmp/diag2-sweep12 --hidden 16
//
// Writes docs/data/diagonal-ranking.json; prints the markdown tables.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Network } from '@pacgen/core-wasm';
import { networkObjective, pacgen, type DiagonalMethod } from '@pacgen/metrics';
import { kendallTau } from '@pacgen/metrics/experiments';
import { mlp } from '@pacgen/metrics/models';
import { loadMnist } from '@pacgen/metrics/node';
import { mixSeed, parseState } from '@pacgen/metrics/train';
import { selectSubset, subsetSamples } from '@pacgen/metrics/data';
import { numberFlag } from './mnist-preset.js';

const args = process.argv.slice(2);
const SWEEP = args[args.indexOf('--sweep') + 1] ?? '/tmp/diag2-sweep12';
const HIDDEN = numberFlag(args, 'hidden', 16);
const PROBES = numberFlag(args, 'probes', 100);
const METHODS: DiagonalMethod[] = ['exact', 'ggn', 'hesscale', 'hutchinson', 'hutchinson-cv'];

interface SweepFile {
  settings: {
    seed: number;
    precision: 'f32' | 'f64';
    budget: { trainSubset: number; psiSamples: number };
  };
  points: string[];
}

async function main() {
  const sweep = JSON.parse(readFileSync(join(SWEEP, 'sweep.json'), 'utf8')) as SweepFile;
  const { seed, budget } = sweep.settings;
  // The sweep's data: its seeded training subset and its Ψ subset (experiments/sweep.ts).
  const data = await loadMnist();
  const train = subsetSamples(data.train, budget.trainSubset, { seed: mixSeed(seed, 1) });
  const psiIdx = selectSubset(train.n, budget.psiSamples, mixSeed(seed, 3), 'Ψ');
  const spec = mlp({ inputShape: [28, 28, 1], hidden: [HIDDEN] });
  const net = await Network.create(spec, { precision: 'f64' });
  net.setData(train.x, train.y);

  const runs: {
    name: string;
    gap: number;
    rho: number;
    psiStar: Record<string, number>;
    seconds: Record<string, number>;
  }[] = [];
  for (const name of sweep.points) {
    const state = parseState(
      readFileSync(join(SWEEP, 'checkpoints', name, 'checkpoint.json'), 'utf8'),
    ) as { params: Float64Array };
    const run = JSON.parse(readFileSync(join(SWEEP, 'runs', `${name}.json`), 'utf8')) as {
      final: { gap: number };
    };
    const w = Float64Array.from(state.params);
    const obj = networkObjective(net, { params: w, samples: psiIdx ?? undefined });
    const psiStar: Record<string, number> = {};
    const seconds: Record<string, number> = {};
    let rho = 0;
    for (const method of METHODS) {
      const t0 = performance.now();
      const report = await pacgen(obj, w, {
        diagonal: { method, probes: PROBES },
        rho: method === 'exact' ? { probes: 2 } : rho,
        trainSamples: train.n,
      });
      seconds[method] = (performance.now() - t0) / 1000;
      if (method === 'exact') rho = report.rho.value;
      psiStar[method] = report.psiStar;
    }
    runs.push({ name, gap: run.final.gap, rho, psiStar, seconds });
    console.error(JSON.stringify(runs.at(-1)));
  }
  const column = (method: string) => runs.map((r) => r.psiStar[method]);
  const gaps = runs.map((r) => r.gap);
  const taus = METHODS.map((method) => ({
    method,
    vsExact: kendallTau(column(method), column('exact')),
    vsGap: kendallTau(column(method), gaps),
  }));
  writeFileSync(
    'docs/data/diagonal-ranking.json',
    JSON.stringify({ sweep: SWEEP, runs, taus }, null, 2),
  );
  console.log(`| run | gap | ${METHODS.map((m) => `Ψ* ${m}`).join(' | ')} |`);
  console.log(`|---|---|${METHODS.map(() => '---').join('|')}|`);
  for (const r of runs) {
    console.log(
      `| ${r.name} | ${r.gap.toFixed(4)} | ${METHODS.map((m) => r.psiStar[m].toPrecision(5)).join(' | ')} |`,
    );
  }
  console.log('\n| diagonal | τ against exact (p) | τ against the gap (p) |\n|---|---|---|');
  for (const t of taus) {
    console.log(
      `| ${t.method} | ${t.vsExact.tau.toFixed(3)} (${t.vsExact.pValue.toPrecision(2)}) | ${t.vsGap.tau.toFixed(3)} (${t.vsGap.pValue.toPrecision(2)}) |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
