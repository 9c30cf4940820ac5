// The Train page's model and optimizer settings: what its form sets, the defaults and the
// form's fields.

import type { FieldSpec } from '../../lib/fields';

export interface TrainConfig {
  preset: 'mlp' | 'mnist-cnn' | 'cifar-cnn';
  hidden: string;
  dropout: number;
  optimizer: 'adam' | 'sgd' | 'perturbed' | 'sam';
  inner: 'adam' | 'sgd';
  lr: number;
  momentum: number;
  scale: string;
  pgamma: number;
  pepsilon: number;
  samRho: number;
  batchSize: number;
  epochs: number;
  seed: number;
  precision: 'f32' | 'f64';
  psiEvery: number;
  psiProbes: number;
}

export const DEFAULT_TRAIN: TrainConfig = {
  preset: 'mlp',
  hidden: '64',
  dropout: 0.5,
  optimizer: 'adam',
  inner: 'adam',
  lr: 0.001,
  momentum: 0.9,
  scale: 'bound',
  pgamma: 0.1,
  pepsilon: 0.1,
  samRho: 0.05,
  batchSize: 64,
  epochs: 5,
  seed: 0,
  precision: 'f32',
  psiEvery: 0,
  psiProbes: 10,
};

/** The plain optimizers: the first two choices, and what perturbedOPT and SAM wrap. */
const INNER = [
  ['adam', 'Adam'],
  ['sgd', 'SGD'],
] as const;
/** Holds while one of these optimizers is chosen. */
const optimizer =
  (...kinds: TrainConfig['optimizer'][]) =>
  (c: TrainConfig) =>
    kinds.includes(c.optimizer);

/** The model and the optimizer, with the settings each preset and optimizer has. */
const MODEL: FieldSpec<TrainConfig>[] = [
  {
    key: 'preset',
    label: 'Model',
    id: 'train-preset',
    options: [
      ['mlp', 'MLP (dense layers)'],
      ['mnist-cnn', "MNIST CNN (the paper's, 21,840 params)"],
      ['cifar-cnn', 'CIFAR CNN (122,570 params)'],
    ],
  },
  {
    key: 'hidden',
    label: 'Hidden widths',
    hint: 'comma-separated, e.g. 128, 64',
    size: 10,
    id: 'train-hidden',
    when: (c) => c.preset === 'mlp',
  },
  {
    key: 'dropout',
    label: 'Dropout rate',
    min: 0,
    max: 0.95,
    step: 0.05,
    when: (c) => c.preset === 'mnist-cnn',
  },
  {
    key: 'optimizer',
    label: 'Optimizer',
    id: 'train-optimizer',
    options: [...INNER, ['perturbed', 'perturbedOPT'], ['sam', 'SAM']],
  },
  { key: 'inner', label: 'Inner optimizer', options: INNER, when: optimizer('perturbed', 'sam') },
  { key: 'lr', label: 'Learning rate', min: 0, step: 'any', id: 'train-lr' },
  { key: 'momentum', label: 'Momentum', min: 0, max: 0.999, step: 0.05, when: optimizer('sgd') },
  {
    key: 'scale',
    label: 'Noise scale s',
    hint: "a number ≥ 0, or 'bound' (σ = σ*)",
    size: 6,
    id: 'train-scale',
    when: optimizer('perturbed'),
  },
  { key: 'pgamma', label: 'γ', min: 0, step: 0.01, when: optimizer('perturbed') },
  { key: 'pepsilon', label: 'ε', min: 0, step: 0.01, when: optimizer('perturbed') },
  { key: 'samRho', label: 'SAM radius ρ', min: 0, step: 0.01, when: optimizer('sam') },
];

/** Batches, epochs, seed, engine and Ψ during training. */
const RUN: FieldSpec<TrainConfig>[] = [
  { key: 'batchSize', label: 'Batch size', min: 1, id: 'train-batch' },
  { key: 'epochs', label: 'Epochs', min: 1, id: 'train-epochs' },
  { key: 'seed', label: 'Seed', min: 0, id: 'train-seed' },
  {
    key: 'precision',
    label: 'Engine',
    id: 'train-precision',
    options: [
      ['f32', 'core-wasm f32'],
      ['f64', 'core-wasm f64'],
    ],
  },
  {
    key: 'psiEvery',
    label: 'Ψ every k epochs',
    hint: '0: off (Hutchinson diagonal)',
    min: 0,
    id: 'train-psi-every',
  },
  { key: 'psiProbes', label: 'Ψ probes', min: 1, when: (c) => c.psiEvery > 0 },
];

/** The form, row by row: the model and optimizer, then the run. */
export const TRAIN_FIELDS = [MODEL, RUN];
