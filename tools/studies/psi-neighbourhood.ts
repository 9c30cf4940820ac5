// Does Ψ predict the gap once its neighbourhood lets the curvature in? The MNIST batch-size
// sweep of docs/reproduction.md §2a (SGD lr 0.1, mnist-cnn without dropout, 1,024 training
// images, trained to cross-entropy 0.01) at batch sizes 16 … 256 and two seeds; each final model
// is scored by Ψ and Ψ* at κ_i = γ|w_i| + ε for several ε (γ = 0.1), with the fraction of
// coordinates on the curvature branch and Kendall's τ against the final gap.
//
//   node --conditions=@pacgen/source --import tsx tools/studies/psi-neighbourhood.ts
//
// Writes docs/data/psi-neighbourhood.json and prints a markdown table. About 15 CPU-minutes.

import { mkdirSync, writeFileSync } from 'node:fs';
import { networkObjective, pacgen } from '@pacgen/metrics';
import { selectSubset } from '@pacgen/metrics/data';
import { kendallTau } from '@pacgen/metrics/experiments';
import { mnistCnn } from '@pacgen/metrics/models';
import { loadMnist } from '@pacgen/metrics/node';
import { mixSeed, sgd, train } from '@pacgen/metrics/train';

const BATCH_SIZES = [16, 32, 64, 128, 256];
const SEEDS = [1, 2];
const EPSILONS = [0.1, 0.3, 1, 3];
const GAMMA = 0.1;

const data = await loadMnist({ subset: { train: 1024, test: 1000 }, seed: 0 });
const n = data.train.n;
const psiIdx = selectSubset(n, 256, mixSeed(0, 3), 'Ψ') as Int32Array;
const spec = mnistCnn({ dropout: 0 });

interface Row {
  batchSize: number;
  seed: number;
  epochs: number;
  trainLoss: number;
  gap: number;
  scores: {
    epsilon: number;
    psi: number;
    psiStar: number;
    fraction: number;
    fractionStar: number;
    rho: number;
  }[];
}

const rows: Row[] = [];
const t0 = performance.now();
for (const batchSize of BATCH_SIZES) {
  for (const seed of SEEDS) {
    const r = await train({
      spec,
      data,
      optimizer: sgd({ learningRate: 0.1 }),
      batchSize,
      maxEpochs: 400,
      targetTrainLoss: 0.01,
      seed,
      evalEvery: 1,
    });
    const last = r.history[r.history.length - 1];
    const obj = {
      ...networkObjective(r.network, { samples: psiIdx, params: r.params }),
      numSamples: n,
    };
    const scores = [];
    for (const epsilon of EPSILONS) {
      const p = await pacgen(obj, r.params, {
        gamma: GAMMA,
        epsilon,
        diagonal: { method: 'hutchinson', probes: 8 },
        rho: { probes: 2 },
        seed: 0,
      });
      scores.push({
        epsilon,
        psi: p.psi,
        psiStar: p.psiStar,
        fraction: p.curvatureFraction,
        fractionStar: p.curvatureFractionStar,
        rho: p.rho.value,
      });
    }
    const row = {
      batchSize,
      seed,
      epochs: r.epochs,
      trainLoss: last.trainLoss as number,
      gap: last.gap as number,
      scores,
    };
    console.error(JSON.stringify(row));
    rows.push(row);
  }
}

const gap = rows.map((r) => r.gap);
const summary = EPSILONS.map((epsilon, k) => {
  const s = rows.map((r) => r.scores[k]);
  const mean = (f: (x: (typeof s)[number]) => number) => s.reduce((a, x) => a + f(x), 0) / s.length;
  return {
    epsilon,
    fraction: mean((x) => x.fraction),
    fractionStar: mean((x) => x.fractionStar),
    rho: mean((x) => x.rho),
    tauPsi: kendallTau(
      s.map((x) => x.psi),
      gap,
    ),
    tauPsiStar: kendallTau(
      s.map((x) => x.psiStar),
      gap,
    ),
  };
});
const seconds = (performance.now() - t0) / 1000;
mkdirSync('docs/data', { recursive: true });
writeFileSync(
  'docs/data/psi-neighbourhood.json',
  `${JSON.stringify({ gamma: GAMMA, rows, summary, seconds }, null, 1)}\n`,
);
const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');
console.log(
  `${rows.length} models (batch ${BATCH_SIZES.join(', ')} × seeds ${SEEDS.join(', ')}), γ = ${GAMMA}, ${f(seconds / 60, 1)} min\n`,
);
console.log(
  "| ε | on Ψ's curvature branch | on Ψ*'s | mean ρ̂ | τ(Ψ, gap) | p | τ(Ψ*, gap) | p |\n|---:|---:|---:|---:|---:|---:|---:|---:|",
);
for (const s of summary) {
  console.log(
    `| ${s.epsilon} | ${f(100 * s.fraction, 1)}% | ${f(100 * s.fractionStar, 1)}% | ${f(s.rho, 3)} | ${f(s.tauPsi.tau)} | ${f(s.tauPsi.pValue, 3)} | ${f(s.tauPsiStar.tau)} | ${f(s.tauPsiStar.pValue, 3)} |`,
  );
}
