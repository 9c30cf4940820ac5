// The train-* cases: training throughput of the mnist-cnn preset on core-wasm with each
// optimizer of @pacgen/metrics. Every step is the one `train()` takes (same minibatch order,
// oracle and dropout seeding, w ← w + updates), timed in blocks of BLOCK_STEPS consecutive steps,
// the optimizers taking turns block by block so that they share the machine's background load.

import { Network, PacgenError, Random } from '@pacgen/core-wasm';
import { mnistCnn } from '@pacgen/metrics/models';
import { loadMnist } from '@pacgen/metrics/node';
import {
  adam,
  asam,
  fromTransformation,
  mixSeed,
  perturbedOpt,
  sam,
  sgd,
  type GradientOracle,
  type Optimizer,
} from '@pacgen/metrics/train';
import type { Log } from './log.js';
import { median, type TimingOptions } from './timing.js';

export type TrainCaseName =
  | 'train-adam'
  | 'train-sgd'
  | 'train-sam'
  | 'train-asam'
  | 'train-perturbed-secant'
  | 'train-perturbed-probes';

export interface TrainCase {
  name: TrainCaseName;
  /** The optimizer of a run. */
  optimizer: () => Optimizer<unknown>;
  description: string;
}

/** Steps per timed block: the probe interval of perturbedOPT's 'probes' estimator (default 10), so
 * every block holds the same share of probe steps. */
export const BLOCK_STEPS = 10;

/** Every train-* case, in report order; train-adam is the baseline of the ratios. */
export const TRAIN_CASES: readonly TrainCase[] = [
  {
    name: 'train-adam',
    optimizer: () => fromTransformation(adam({ learningRate: 1e-3 })),
    description: 'Adam (lr 1e-3)',
  },
  {
    name: 'train-sgd',
    optimizer: () => fromTransformation(sgd({ learningRate: 0.01, momentum: 0.9 })),
    description: 'SGD (lr 0.01, momentum 0.9)',
  },
  {
    name: 'train-sam',
    optimizer: () => sam({ inner: adam({ learningRate: 1e-3 }), rho: 0.05 }),
    description: 'SAM (ρ 0.05) over Adam',
  },
  {
    name: 'train-asam',
    optimizer: () => asam({ inner: adam({ learningRate: 1e-3 }), rho: 0.5 }),
    description: 'ASAM (ρ 0.5, η 0.01) over Adam',
  },
  {
    name: 'train-perturbed-secant',
    optimizer: () => perturbedOpt({ inner: adam({ learningRate: 1e-3 }), curvature: 'secant' }),
    description: 'perturbedOPT over Adam, secant curvature (defaults: s 1, γ 0.1, ε 0.1, ρ̂ 0)',
  },
  {
    name: 'train-perturbed-probes',
    optimizer: () => perturbedOpt({ inner: adam({ learningRate: 1e-3 }), curvature: 'probes' }),
    description: 'perturbedOPT over Adam, Hutchinson probes (2 every 10 steps)',
  },
];

export interface TrainSettings {
  /** MNIST training images (a seeded subset) the minibatches are drawn from. */
  images: number;
  batch: number;
  seed: number;
}

export const TRAIN_DEFAULT: TrainSettings = { images: 6400, batch: 64, seed: 1 };

export interface TrainRow {
  case: TrainCaseName;
  optimizer: string;
  /** Median milliseconds of one step (median block / BLOCK_STEPS). */
  stepMs: number;
  /** Timed blocks (BLOCK_STEPS steps each). */
  blocks: number;
  samplesPerSecond: number;
  /** Oracle calls (minibatch gradient evaluations) per step, over the timed blocks. */
  gradientsPerStep: number;
  /**
   * Time per step relative to train-adam's: the median over rounds of this block / train-adam's
   * block of the same round (paired, so slow stretches of a shared machine cancel); null
   * without train-adam.
   */
  ratioToAdam: number | null;
  /** Mean minibatch loss over the last block (at the optimizer's point, dropout on). */
  lastLoss: number;
}

export interface TrainResult {
  settings: TrainSettings;
  rows: TrainRow[];
}

/** One optimizer's run: its point, state and counters, stepping the loop of `train()`. */
class Run {
  w: Float64Array;
  state: unknown;
  steps = 0;
  evals = 0;
  blockMs: number[] = [];
  blockEvals = 0;
  blockSteps = 0;
  blockSamples = 0;
  lastLoss = NaN;
  private perm: Int32Array;
  private epoch = 0;
  private next = 0;

  constructor(
    readonly bench: TrainCase,
    readonly opt: Optimizer<unknown>,
    private readonly net: Network,
    private readonly settings: TrainSettings,
    w0: Float64Array,
  ) {
    this.w = Float64Array.from(w0);
    this.state = opt.init(this.w);
    this.perm = new Int32Array(net.numSamples);
  }

  /** train()'s step: the next minibatch of a seeded shuffle (a new one each epoch, the last
   * incomplete batch kept), one dropout seed per step, and w ← w + updates. */
  async step(): Promise<{ loss: number; samples: number }> {
    const { batch, seed } = this.settings;
    const n = this.net.numSamples;
    if (this.next >= n || this.epoch === 0) {
      this.epoch++;
      for (let i = 0; i < n; i++) this.perm[i] = i;
      new Random(mixSeed(seed, 0x5a1f, this.epoch)).shuffle(this.perm);
      this.next = 0;
    }
    const idx = this.perm.subarray(this.next, Math.min(n, this.next + batch));
    this.next += batch;
    const dropoutSeed = mixSeed(seed, 0xd0, this.steps) >>> 0;
    const net = this.net;
    const gradAt: GradientOracle = (p) => {
      net.setParams(p);
      const r = net.gradient({ samples: idx, training: true, seed: dropoutSeed });
      this.evals++;
      return r;
    };
    const r = await this.opt.step(this.w, this.state, gradAt, {
      precision: net.precision,
      trainSamples: n,
      batchSize: idx.length,
    });
    const next = Float64Array.from(this.w, (x, i) => x + r.updates[i]);
    if (!Number.isFinite(r.loss) || !next.every(Number.isFinite)) {
      throw new PacgenError(`${this.bench.name} diverged at step ${this.steps}`);
    }
    this.w = next;
    this.state = r.state;
    this.steps++;
    return { loss: r.loss, samples: idx.length };
  }

  /** The block in progress: its steps' time, gradients, samples and losses. */
  private current = { ms: 0, evals: 0, samples: 0, loss: 0, steps: 0 };

  /** One step, timed into the block in progress. */
  async timedStep(): Promise<void> {
    const evals0 = this.evals;
    const t0 = performance.now();
    const r = await this.step();
    const c = this.current;
    c.ms += performance.now() - t0;
    c.evals += this.evals - evals0;
    c.samples += r.samples;
    c.loss += r.loss;
    c.steps++;
  }

  /** Ends the block in progress: recorded when timed, dropped when warming up. */
  endBlock(timed: boolean): void {
    const c = this.current;
    this.lastLoss = c.loss / c.steps;
    if (timed) {
      this.blockMs.push(c.ms);
      this.blockEvals += c.evals;
      this.blockSteps += c.steps;
      this.blockSamples += c.samples;
    }
    this.current = { ms: 0, evals: 0, samples: 0, loss: 0, steps: 0 };
  }
}

/**
 * Times the selected optimizers on one mnist-cnn network (same seeded init for all, data set
 * once), interleaved block by block: each round runs one block of BLOCK_STEPS consecutive steps
 * of every optimizer in turn, starting with a different one each round. `timing.warmup` untimed
 * rounds, then timed rounds until `timing.iterations`, or fewer once `timing.minIterations` are
 * done and `timing.budgetMs` has passed.
 */
export async function runTraining(
  cases: readonly TrainCase[],
  settings: TrainSettings,
  timing: TimingOptions,
  log: Log = () => undefined,
): Promise<TrainResult> {
  const { train } = await loadMnist({ subset: { train: settings.images, test: 1 } });
  if (settings.batch > train.n) {
    throw new PacgenError(`batch ${settings.batch} exceeds the ${train.n} training images`);
  }
  const net = await Network.create(mnistCnn(), { precision: 'f32' });
  const w0 = Float64Array.from(net.initParams(settings.seed));
  net.setData(train.x, train.y);
  const runs = cases.map((c) => new Run(c, c.optimizer(), net, settings, w0));

  // Each optimizer's block is 10 consecutive steps of its own, as in a training run (so its
  // state and the data stay as warm in cache as they would there); the order rotates per round.
  const round = async (k: number, timed: boolean) => {
    for (let j = 0; j < runs.length; j++) {
      const r = runs[(k + j) % runs.length];
      for (let s = 0; s < BLOCK_STEPS; s++) await r.timedStep();
      r.endBlock(timed);
    }
  };
  for (let k = 0; k < timing.warmup; k++) await round(k, false);
  const start = performance.now();
  for (let k = 0; k < Math.max(1, timing.iterations); k++) {
    await round(timing.warmup + k, true);
    if (k + 1 >= timing.minIterations && performance.now() - start > timing.budgetMs) break;
  }

  const stepMs = (r: Run) => median(r.blockMs) / BLOCK_STEPS;
  const adamRun = runs.find((r) => r.bench.name === 'train-adam');
  const rows = runs.map((r): TrainRow => {
    const ms = stepMs(r);
    return {
      case: r.bench.name,
      optimizer: r.opt.name,
      stepMs: ms,
      blocks: r.blockMs.length,
      samplesPerSecond: ((r.blockSamples / r.blockSteps) * 1000) / ms,
      gradientsPerStep: r.blockEvals / r.blockSteps,
      ratioToAdam: adamRun ? median(r.blockMs.map((b, i) => b / adamRun.blockMs[i])) : null,
      lastLoss: r.lastLoss,
    };
  });
  for (const row of rows) {
    log(
      `  ${row.case}: ${row.stepMs.toFixed(2)} ms/step, ${row.samplesPerSecond.toFixed(0)} samples/s (median of ${row.blocks} blocks)`,
    );
  }
  return { settings, rows };
}
