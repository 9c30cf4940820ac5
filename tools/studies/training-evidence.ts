// Training evidence for docs/training.md: MNIST accuracy of mnist-cnn with Adam, and
// perturbedOPT against the plain optimizer, dropout and SAM, three seeds each, on full MNIST
// and on a small training subset where overfitting is visible.
//
//   npx tsx tools/studies/training-evidence.ts accuracy            # Adam, 3 epochs, full MNIST
//   npx tsx tools/studies/training-evidence.ts compare --setting small|full [--seeds 3]
//   npx tsx tools/studies/training-evidence.ts tune                # perturbedOPT scale on the subset
//
// Results are printed as markdown and written to docs/data/training-<what>.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { type DataSplit } from '@pacgen/metrics/data';
import { mnistCnn } from '@pacgen/metrics/models';
import { loadMnist } from '@pacgen/metrics/node';
import {
  adam,
  perturbedOpt,
  sam,
  train,
  type Optimizer,
  type GradientTransformation,
} from '@pacgen/metrics/train';
import type { NetworkSpec } from '@pacgen/core-wasm';

type Variant = {
  name: string;
  spec: NetworkSpec;
  optimizer: () => Optimizer<unknown> | GradientTransformation<unknown>;
  epochs: number;
};

const args = process.argv.slice(2);
const what = args[0] ?? 'accuracy';
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

const LR = 1e-3;
const BATCH = 64;
const plain = mnistCnn({ dropout: 0 });
const withDropout = mnistCnn({ dropout: 0.5 });
const perturbed =
  (scale: number, epsilon = 0.01) =>
  () =>
    perturbedOpt({
      inner: adam({ learningRate: LR }),
      scale,
      gamma: 0.1,
      epsilon,
      curvature: 'secant',
      warmup: 100,
    }) as Optimizer<unknown>;

async function run(v: Variant, data: DataSplit, seed: number) {
  const t0 = performance.now();
  const r = await train({
    spec: v.spec,
    data,
    optimizer: v.optimizer(),
    epochs: v.epochs,
    batchSize: BATCH,
    seed,
    evalEvery: v.epochs,
  });
  const last = r.history[r.history.length - 1];
  return {
    variant: v.name,
    seed,
    epochs: r.epochs,
    gradientEvaluations: r.gradientEvaluations,
    trainLoss: last.trainLoss,
    trainAccuracy: last.trainAccuracy,
    testLoss: last.testLoss,
    testAccuracy: last.testAccuracy,
    gap: last.gap,
    seconds: (performance.now() - t0) / 1000,
  };
}

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const sd = (a: number[]) =>
  Math.sqrt(a.reduce((s, x) => s + (x - mean(a)) ** 2, 0) / Math.max(1, a.length - 1));
const fmt = (a: number[], digits = 4) => `${mean(a).toFixed(digits)} ± ${sd(a).toFixed(digits)}`;

async function main() {
  mkdirSync('docs/data', { recursive: true });
  if (what === 'accuracy') {
    const data = await loadMnist({ normalization: 'standard' });
    const t0 = performance.now();
    const r = await train({
      spec: withDropout,
      data,
      optimizer: adam({ learningRate: LR }),
      epochs: 3,
      batchSize: BATCH,
      seed: 1,
      onProgress: {
        epoch: (e) => console.error(`epoch ${e.epoch}: ${JSON.stringify(e)}`),
      },
    });
    const rows = r.history.map((h) => ({ ...h }));
    console.log('| epoch | train loss | train acc | test loss | test acc |\n|---|---|---|---|---|');
    for (const h of rows) {
      console.log(
        `| ${h.epoch} | ${h.trainLoss?.toFixed(4)} | ${((h.trainAccuracy ?? 0) * 100).toFixed(2)}% | ${h.testLoss?.toFixed(4)} | ${((h.testAccuracy ?? 0) * 100).toFixed(2)}% |`,
      );
    }
    console.log(`wall time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    writeFileSync('docs/data/training-accuracy.json', JSON.stringify(rows, null, 2));
    return;
  }
  const setting = flag('setting', 'small');
  const seeds = Array.from({ length: Number(flag('seeds', '3')) }, (_, i) => i + 1);
  const small = setting === 'small';
  const data = await loadMnist({
    normalization: 'standard',
    subset: small ? { train: 1000, test: 10000 } : undefined,
    seed: 7,
  });
  const E = Number(flag('epochs', small ? '30' : '2'));
  let variants: Variant[];
  if (what === 'tune') {
    const scales = flag('scales', '0.003,0.01,0.03,0.1').split(',').map(Number);
    const epsilons = flag('epsilons', '0.01,0.001').split(',').map(Number);
    variants = scales.flatMap((s) =>
      epsilons.map((e) => ({
        name: `perturbed s=${s} ε=${e}`,
        spec: plain,
        optimizer: perturbed(s, e),
        epochs: E,
      })),
    );
    if (!args.includes('--no-plain')) {
      variants.unshift({
        name: 'plain',
        spec: plain,
        optimizer: () => adam({ learningRate: LR }),
        epochs: E,
      });
    }
  } else {
    const scale = Number(flag('scale', '0.01'));
    const eps = Number(flag('eps', '0.01'));
    variants = [
      { name: 'plain Adam', spec: plain, optimizer: () => adam({ learningRate: LR }), epochs: E },
      {
        name: 'Adam + dropout 0.5',
        spec: withDropout,
        optimizer: () => adam({ learningRate: LR }),
        epochs: E,
      },
      {
        name: 'SAM(Adam) ρ=0.05, same epochs',
        spec: plain,
        optimizer: () => sam({ inner: adam({ learningRate: LR }) }) as Optimizer<unknown>,
        epochs: E,
      },
      // Equal budget of gradient evaluations: SAM spends 2 a step, so half the epochs.
      ...(E >= 2
        ? [
            {
              name: 'SAM(Adam) ρ=0.05, same gradients',
              spec: plain,
              optimizer: () => sam({ inner: adam({ learningRate: LR }) }) as Optimizer<unknown>,
              epochs: Math.round(E / 2),
            },
          ]
        : []),
      {
        name: `perturbedOPT(Adam) secant s=${scale} ε=${eps}`,
        spec: plain,
        optimizer: perturbed(scale, eps),
        epochs: E,
      },
    ];
  }
  const results = [];
  for (const v of variants) {
    for (const seed of what === 'tune' ? [1] : seeds) {
      const r = await run(v, data, seed);
      console.error(JSON.stringify(r));
      results.push(r);
    }
  }
  console.log(
    `MNIST ${small ? '1,000-image training subset' : 'full 60,000 training images'}, test on 10,000; mnist-cnn, batch ${BATCH}, lr ${LR}\n`,
  );
  console.log(
    '| variant | epochs | gradients | train loss | test loss | test accuracy | gap |\n|---|---|---|---|---|---|---|',
  );
  for (const v of variants) {
    const rs = results.filter((r) => r.variant === v.name);
    console.log(
      `| ${v.name} | ${rs[0].epochs} | ${rs[0].gradientEvaluations} | ${fmt(rs.map((r) => r.trainLoss!))} | ${fmt(rs.map((r) => r.testLoss!))} | ${fmt(
        rs.map((r) => 100 * r.testAccuracy!),
        2,
      )}% | ${fmt(rs.map((r) => r.gap!))} |`,
    );
  }
  writeFileSync(`docs/data/training-${what}-${setting}.json`, JSON.stringify(results, null, 2));
}

await main();
