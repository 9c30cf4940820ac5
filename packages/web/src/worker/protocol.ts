// Messages between the page and the engine worker. Every job runs in its own worker, so a
// cancel is a terminate(); training also takes pause / resume / stop while it runs.

import type { NetworkSpec, Precision } from '@pacgen/core-wasm';
import type { ReportSummary } from '@pacgen/metrics';
import type { Sym2, ToyExperimentResult } from '@pacgen/metrics/experiments';
import type { EpochEvent, StepEvent, TrainResult } from '@pacgen/metrics/train';
import type { ScoreCost } from './score-estimate';

/** The bundled MNIST subset, relative to the app's root (made by scripts/mnist-subset.ts). */
export const MNIST_ASSET = 'data/mnist-2000-500.bin';
export const MNIST_SIZES = { train: 2000, test: 500 };

/** A file's name and bytes (transferred, not copied, to the worker). */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Where a data set comes from. */
export type DataSource =
  | { kind: 'mnist' }
  | {
      kind: 'idx';
      trainImages: NamedBytes;
      trainLabels: NamedBytes;
      testImages?: NamedBytes;
      testLabels?: NamedBytes;
    }
  | { kind: 'cifar'; variant: 'cifar10' | 'cifar100'; train: NamedBytes[]; test: NamedBytes[] };

/** What a data set turned out to be (shown next to the picker). */
export interface DataInfo {
  name: string;
  train: number;
  test: number;
  inputShape: number[];
  numClasses: number;
}

export interface ToySettings {
  gamma: number;
  epsilon: number;
  delta: number;
  /** Data seed of toyGaussianMixture. */
  seed: number;
}

export interface ToyJob extends ToySettings {
  type: 'toy';
  grid: number;
  range: [number, number];
}

export interface ProbeJob extends ToySettings {
  type: 'probe';
  w: [number, number];
}

/** The toy network at one point: what clicking the map shows. */
export interface ProbeResult {
  w: [number, number];
  loss: number;
  hessian: Sym2;
  eigenvalues: [number, number];
  rho: number;
  psi: number;
  psiStar: number;
  sigmaStar: [number, number];
  kappa: [number, number];
  eta: number;
  curvatureFraction: number;
  /** The paper's bound L̂ + sqrt((Ψ + ln(2n/δ)) / (2(n−1))) and docs/method.md §3's at σ*. */
  bound: number;
  boundStar: number;
  n: number;
  reconstruction: Reconstruction;
}

/** Draws from p(x) labelled by a network, and its probability map on an input grid. */
export interface Reconstruction {
  /** [x1, x2] pairs. */
  x: Float64Array;
  truth: Uint8Array;
  probability: Float64Array;
  /** P > ½ and the median rule (P above its median over the draws). */
  accuracy: number;
  medianAccuracy: number;
  medianThreshold: number;
  x1: Float64Array;
  x2: Float64Array;
  gridProbability: Float64Array;
  truthGrid: Uint8Array;
}

export type ModelChoice =
  | { preset: 'mlp'; hidden: number[] }
  | { preset: 'mnist-cnn'; dropout: number }
  | { preset: 'cifar-cnn' };

export type OptimizerChoice =
  | { kind: 'adam'; lr: number }
  | { kind: 'sgd'; lr: number; momentum: number }
  | {
      kind: 'perturbed';
      inner: 'adam' | 'sgd';
      lr: number;
      /** A fixed noise scale s, or 'bound' (σ = σ* of the PAC-Bayes bound). */
      scale: number | 'bound';
      gamma: number;
      epsilon: number;
    }
  | { kind: 'sam'; inner: 'adam' | 'sgd'; lr: number; rho: number };

export interface TrainJob {
  type: 'train';
  data: DataSource;
  model: ModelChoice;
  optimizer: OptimizerChoice;
  batchSize: number;
  epochs: number;
  seed: number;
  precision: Precision;
  /** Ψ every k epochs (0: never), with Hutchinson probes on the training set. */
  psiEvery: number;
  psiProbes: number;
}

/** Throttled per-step progress of a run: the library's step event (its cost not shown). */
export type StepInfo = Omit<StepEvent, 'gradientEvaluations'>;

/** The evaluation of a stopped run's model: at the step it stopped, not the last epoch's end. */
export interface FinalNumbers {
  steps: number;
  /** Epochs done, fractional after a stop mid-epoch (steps / steps per epoch). */
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number | null;
  testAccuracy: number | null;
}

export interface TrainOutcome {
  spec: NetworkSpec;
  params: Float64Array;
  history: TrainResult['history'];
  stopReason: TrainResult['stopReason'];
  epochs: number;
  steps: number;
  seconds: number;
  /** Set when the run stopped mid-epoch: the model's numbers at that step. */
  final: FinalNumbers | null;
}

/** The TensorFlow.js backends the Score page offers (@pacgen/metrics/tfjs's). */
export type TfjsBackendChoice = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface ScoreJob {
  type: 'score';
  model: NamedBytes[];
  data: DataSource;
  /** Training samples the loss is taken over (the first n of the set). */
  samples: number;
  /** core-wasm (f32 or f64, 1+ threads) or TensorFlow.js (f32, on `backend`). */
  engine: 'core-wasm' | 'tfjs';
  backend: TfjsBackendChoice;
  /** core-wasm's precision (tfjs is always f32). */
  precision: Precision;
  /** Threads of the engine (1: one Network; more: a ParallelNetwork of web workers). */
  threads: number;
  gamma: number;
  epsilon: number;
  delta: number;
  diagonal: 'auto' | 'exact' | 'hutchinson';
  probes: number;
  rhoProbes: number;
  /** Top eigenvalues (0: none) and the density's Lanczos runs (0: none). */
  eigenvalues: number;
  densityRuns: number;
  densitySteps: number;
  seed: number;
  /** Stop after the quick measurement and return the ScoreEstimate instead of scoring. */
  estimateOnly?: boolean;
}

/** How long a score will take: the gradient evaluations it needs times the measured seconds of one. */
export interface ScoreEstimate {
  seconds: number;
  /** Seconds of one gradient evaluation over the scored samples (median of 3). */
  perGradient: number;
  cost: ScoreCost;
  numParams: number;
}

export interface ScoreOutcome {
  modelName: string;
  format: 'tfjs' | 'safetensors' | 'onnx';
  layers: string[];
  data: DataInfo;
  /** The report's figures and per-layer rows, as `pacgen score --json` gives them. */
  report: ReportSummary;
  accuracy: number;
  /** σ*'s middle value (the upper one of an even count), which the page shows beside min and max. */
  sigmaStarMedian: number;
  eigen: { values: number[]; residuals: number[]; converged: boolean; cost: number } | null;
  density: {
    grid: Float64Array;
    density: Float64Array;
    sigma: number;
    moments: { order: number; value: number; stdErr: number }[];
    cost: number;
  } | null;
  threads: number;
  /** What ran it, e.g. 'core-wasm · f64' or 'tfjs · webgpu · SwiftShader'. */
  engine: string;
  seconds: number;
  /**
   * One line per estimate whose Hessian-vector products crossed ReLU/max-pool kinks
   * (`healthWarning`, docs/method.md §5); `unreliable` when some still crossed at the end.
   */
  kinkNotes: { text: string; unreliable: boolean }[];
}

export type Job = ToyJob | ProbeJob | TrainJob | ScoreJob;

/** Page → worker. `base` is the app's URL, for its bundled assets. */
export type ToWorker =
  { type: 'run'; job: Job; base: string } | { type: 'pause' | 'resume' | 'stop' };

/** Worker → page. */
export type FromWorker =
  | { type: 'progress'; stage: string; done: number; total: number }
  | { type: 'data'; info: DataInfo }
  | { type: 'step'; info: StepInfo }
  | { type: 'epoch'; event: EpochEvent }
  | { type: 'paused'; paused: boolean }
  | { type: 'estimate'; estimate: ScoreEstimate }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string };

export type ToyOutcome = ToyExperimentResult;
