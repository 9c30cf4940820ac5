// The Train page's form as a job for the worker, checked (each bad field named in an Error), and
// a run's name in words for the run list.

import type { ModelChoice, OptimizerChoice, TrainJob } from '../../worker/protocol';
import type { TrainConfig } from './train-settings';

/** The job the form describes; throws an Error naming the first bad field. */
export function describeRun(c: TrainConfig): Omit<TrainJob, 'data'> {
  const positiveInt = (v: number, what: string) => {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${what} must be a whole number ≥ 1`);
    return v;
  };
  if (!(c.lr > 0)) throw new Error('the learning rate must be a number greater than 0');
  let model: ModelChoice;
  if (c.preset === 'mlp') {
    const hidden = c.hidden
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((s) => Number(s));
    if (!hidden.every((h) => Number.isInteger(h) && h >= 1)) {
      throw new Error(
        `hidden widths must be whole numbers ≥ 1, separated by commas (got '${c.hidden}')`,
      );
    }
    model = { preset: 'mlp', hidden };
  } else if (c.preset === 'mnist-cnn') {
    if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error('the dropout rate must be in [0, 1)');
    model = { preset: 'mnist-cnn', dropout: c.dropout };
  } else model = { preset: 'cifar-cnn' };
  let optimizer: OptimizerChoice;
  switch (c.optimizer) {
    case 'adam':
      optimizer = { kind: 'adam', lr: c.lr };
      break;
    case 'sgd':
      if (!(c.momentum >= 0 && c.momentum < 1)) throw new Error('momentum must be in [0, 1)');
      optimizer = { kind: 'sgd', lr: c.lr, momentum: c.momentum };
      break;
    case 'sam':
      if (!(c.samRho >= 0)) throw new Error('the SAM radius must be a number ≥ 0');
      optimizer = { kind: 'sam', inner: c.inner, lr: c.lr, rho: c.samRho };
      break;
    case 'perturbed': {
      const s = c.scale.trim();
      const scale = s === 'bound' ? 'bound' : Number(s);
      if (scale !== 'bound' && !(s !== '' && scale >= 0)) {
        throw new Error(`the noise scale must be a number ≥ 0 or 'bound' (got '${c.scale}')`);
      }
      if (!(c.pgamma >= 0) || !(c.pepsilon >= 0)) throw new Error('γ and ε must be numbers ≥ 0');
      optimizer = {
        kind: 'perturbed',
        inner: c.inner,
        lr: c.lr,
        scale,
        gamma: c.pgamma,
        epsilon: c.pepsilon,
      };
    }
  }
  if (!(Number.isInteger(c.seed) && c.seed >= 0))
    throw new Error('the seed must be a whole number ≥ 0');
  if (!(Number.isInteger(c.psiEvery) && c.psiEvery >= 0)) {
    throw new Error('Ψ every k epochs must be a whole number ≥ 0');
  }
  return {
    type: 'train',
    model,
    optimizer,
    batchSize: positiveInt(c.batchSize, 'the batch size'),
    epochs: positiveInt(c.epochs, 'epochs'),
    seed: c.seed,
    precision: c.precision,
    psiEvery: c.psiEvery,
    psiProbes: positiveInt(c.psiProbes, 'Ψ probes'),
  };
}

/** A run in a few words: the model, the optimizer and its learning rate. */
export function runName(c: TrainConfig): string {
  const model =
    c.preset === 'mlp'
      ? `MLP ${c.hidden.trim() || '–'}`
      : c.preset === 'mnist-cnn'
        ? 'MNIST CNN'
        : 'CIFAR CNN';
  const names = { adam: 'Adam', sgd: 'SGD', perturbed: 'perturbedOPT', sam: 'SAM' };
  const inner = c.optimizer === 'perturbed' || c.optimizer === 'sam' ? `(${names[c.inner]})` : '';
  return `${model} · ${names[c.optimizer]}${inner} lr ${c.lr}`;
}
