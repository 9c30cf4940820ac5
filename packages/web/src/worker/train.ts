// Training in the worker: the library's train() loop with the chosen preset and optimizer; steps
// reported at most every 100 ms, every epoch in full; pause holds the loop between steps.

import { PacgenError, type NetworkSpec } from '@pacgen/core-wasm';
import { type Dataset } from '@pacgen/metrics/data';
import { cifarCnn, mlp, mnistCnn } from '@pacgen/metrics/models';
import {
  adam,
  perturbedOpt,
  sam,
  sgd,
  train,
  type EpochEvent,
  type GradientTransformation,
  type Optimizer,
  type TrainResult,
} from '@pacgen/metrics/train';
import type {
  FinalNumbers,
  ModelChoice,
  OptimizerChoice,
  StepInfo,
  TrainJob,
  TrainOutcome,
} from './protocol';

/** The network a preset builds for a data set. */
export function presetSpec(model: ModelChoice, data: Dataset): NetworkSpec {
  const numClasses = Math.max(2, data.numClasses);
  const shape = data.inputShape.join('×');
  switch (model.preset) {
    case 'mlp':
      return mlp({ inputShape: data.inputShape, hidden: model.hidden, numClasses });
    case 'mnist-cnn':
      if (data.inputShape.join() !== '28,28,1') {
        throw new PacgenError(`the MNIST CNN needs 28×28×1 images; this data set has ${shape}`);
      }
      return mnistCnn({ dropout: model.dropout, numClasses });
    case 'cifar-cnn':
      if (data.inputShape.join() !== '32,32,3') {
        throw new PacgenError(`the CIFAR CNN needs 32×32×3 images; this data set has ${shape}`);
      }
      return cifarCnn({ numClasses });
  }
}

function innerOf(kind: 'adam' | 'sgd', lr: number, momentum = 0): GradientTransformation<unknown> {
  return kind === 'adam' ? adam({ learningRate: lr }) : sgd({ learningRate: lr, momentum });
}

/** The optimizer of a choice (the same factories the CLI uses). */
export function optimizerFor(
  o: OptimizerChoice,
  seed: number,
): Optimizer<unknown> | GradientTransformation<unknown> {
  switch (o.kind) {
    case 'adam':
      return innerOf('adam', o.lr);
    case 'sgd':
      return innerOf('sgd', o.lr, o.momentum);
    case 'sam':
      return sam({ inner: innerOf(o.inner, o.lr), rho: o.rho }) as Optimizer<unknown>;
    case 'perturbed':
      return perturbedOpt({
        inner: innerOf(o.inner, o.lr),
        scale: o.scale === 'bound' ? { bound: {} } : o.scale,
        gamma: o.gamma,
        epsilon: o.epsilon,
        seed,
      }) as Optimizer<unknown>;
  }
}

export interface TrainControls {
  /** Awaited between steps: resolves at once unless paused. */
  gate(): Promise<void>;
  signal: AbortSignal;
}

export async function runTrain(
  job: TrainJob,
  data: { train: Dataset; test: Dataset | null },
  controls: TrainControls,
  report: { step(s: StepInfo): void; epoch(e: EpochEvent): void },
): Promise<TrainOutcome> {
  const spec = presetSpec(job.model, data.train);
  let last = 0;
  let stepsPerEpoch = 0;
  const r = await train({
    spec,
    precision: job.precision,
    data: { train: data.train, test: data.test ?? undefined },
    optimizer: optimizerFor(job.optimizer, job.seed),
    batchSize: job.batchSize,
    epochs: job.epochs,
    seed: job.seed,
    psiEvery: job.psiEvery,
    psi: {
      diagonal: { method: 'hutchinson', probes: job.psiProbes },
      rho: { probes: 2 },
    },
    signal: controls.signal,
    onProgress: {
      step: async (e) => {
        stepsPerEpoch = e.stepsPerEpoch;
        const t = performance.now();
        if (t - last > 100 || e.step === e.stepsPerEpoch) {
          last = t;
          report.step(e);
          // Let pause / stop messages in (awaiting a resolved promise would not).
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        await controls.gate();
      },
      epoch: (e) => report.epoch(e),
    },
  });
  return {
    spec,
    params: r.params,
    history: r.history,
    stopReason: r.stopReason,
    epochs: r.epochs,
    steps: r.steps,
    seconds: r.seconds,
    final: stoppedMidEpoch(r) ? evaluateStopped(r, data, stepsPerEpoch) : null,
  };
}

/** Whether the run stopped after steps its last history row has not evaluated. */
function stoppedMidEpoch(r: TrainResult): boolean {
  return r.stopReason === 'aborted' && r.steps > (r.history.at(-1)?.steps ?? 0);
}

/**
 * The model a stopped run returns, evaluated where it stopped (the page would otherwise show the
 * last epoch's numbers beside a model from later steps). Cost: one forward pass over the training
 * and test sets.
 */
function evaluateStopped(
  r: TrainResult,
  data: { train: Dataset; test: Dataset | null },
  stepsPerEpoch: number,
): FinalNumbers {
  const n = data.train.n;
  const tr = r.network.evaluate({ samples: { start: 0, count: n } });
  const te = data.test?.n
    ? r.network.evaluate({ samples: { start: n, count: data.test.n } })
    : null;
  return {
    steps: r.steps,
    epoch: stepsPerEpoch > 0 ? r.steps / stepsPerEpoch : r.epochs,
    trainLoss: tr.loss,
    trainAccuracy: tr.accuracy,
    testLoss: te?.loss ?? null,
    testAccuracy: te?.accuracy ?? null,
  };
}
