// The benchmark cases and the one seeded problem (weights, batch, direction) that every engine
// is given, so that all rows time the same computation on the same numbers.

import {
  Network,
  Random,
  compileNetwork,
  hvpStep,
  type CompiledNetwork,
  type NetworkSpec,
} from '@pacgen/core-wasm';
import { presetByName } from '@pacgen/metrics/models';

export type CaseName = 'mlp-grad' | 'cnn-grad' | 'mlp-hvp' | 'resnet20-grad';

/** What one timed iteration computes. */
export type CaseKind = 'grad' | 'hvp';

export interface BenchCase {
  name: CaseName;
  kind: CaseKind;
  spec: NetworkSpec;
  batch: number;
  /**
   * Training mode in every engine: dropout with a fresh mask every iteration, batch norm on the
   * batch's statistics. Only the timed iterations use it; the agreement check runs in
   * evaluation mode (dropout off, batch norm on its initial running statistics), where all
   * engines must give the same gradient.
   */
  trainingDropout: boolean;
  description: string;
}

/** 784-128-64-10 ReLU MLP (109,386 parameters). */
export const MLP_SPEC: NetworkSpec = {
  inputShape: [784],
  layers: [
    { type: 'dense', name: 'fc1', units: 128, activation: 'relu' },
    { type: 'dense', name: 'fc2', units: 64, activation: 'relu' },
    { type: 'dense', name: 'fc3', units: 10 },
  ],
  loss: 'softmax-cross-entropy',
};

/**
 * The PyTorch MNIST example network (21,840 parameters), NHWC. Its Dropout2d after conv2 is an
 * elementwise dropout here (the engine has no channel dropout); every engine does the same.
 */
export const CNN_SPEC: NetworkSpec = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', name: 'conv1', filters: 10, kernelSize: 5 },
    { type: 'maxpool2d', name: 'pool1', poolSize: 2 },
    { type: 'activation', name: 'relu1', activation: 'relu' },
    { type: 'conv2d', name: 'conv2', filters: 20, kernelSize: 5 },
    { type: 'dropout', name: 'drop1', rate: 0.5 },
    { type: 'maxpool2d', name: 'pool2', poolSize: 2 },
    { type: 'activation', name: 'relu2', activation: 'relu' },
    { type: 'flatten', name: 'flatten' },
    { type: 'dense', name: 'fc1', units: 50, activation: 'relu' },
    { type: 'dropout', name: 'drop2', rate: 0.5 },
    { type: 'dense', name: 'fc2', units: 10 },
  ],
  loss: 'softmax-cross-entropy',
};

/** Every case, in the order the bench runs and reports them. */
export const CASES: readonly BenchCase[] = [
  {
    name: 'mlp-grad',
    kind: 'grad',
    spec: MLP_SPEC,
    batch: 128,
    trainingDropout: false,
    description: 'MLP 784-128-64-10, gradient of the mean loss',
  },
  {
    name: 'cnn-grad',
    kind: 'grad',
    spec: CNN_SPEC,
    batch: 128,
    trainingDropout: true,
    description: 'PyTorch-MNIST CNN, gradient of the mean loss, training-mode dropout',
  },
  {
    name: 'mlp-hvp',
    kind: 'hvp',
    spec: MLP_SPEC,
    batch: 128,
    trainingDropout: false,
    description: 'MLP 784-128-64-10, central-difference HVP (2 gradients at w ± t·v)',
  },
  {
    name: 'resnet20-grad',
    kind: 'grad',
    spec: presetByName('resnet20'),
    batch: 128,
    trainingDropout: true,
    description:
      'ResNet-20 (272,474 parameters, 32×32×3), gradient of the mean loss, batch norm in training mode',
  },
];

/** The numbers of one case, shared by all engines. */
export interface CaseData {
  bench: BenchCase;
  compiled: CompiledNetwork;
  /** Flat parameter vector in the engine's layout (see `compiled.tensors`). */
  params: Float32Array;
  /** batch × inputSize inputs, NHWC per sample. */
  x: Float32Array;
  /** batch class labels. */
  y: Int32Array;
  /** HVP direction (all cases get one; only 'hvp' cases use it). */
  v: Float32Array;
  /** HVP difference step t, the engine's default for f32, this v and these weights. */
  step: number;
}

/**
 * Builds the seeded problem of a case: Glorot weights from the engine's own `initParams`,
 * pixel-like inputs in [0, 1), uniform labels and a normal direction.
 */
export async function makeCaseData(bench: BenchCase, seed = 1): Promise<CaseData> {
  const compiled = compileNetwork(bench.spec);
  const net = await Network.create(bench.spec, { precision: 'f32', maxBatch: 1 });
  const params = Float32Array.from(net.initParams(seed));
  const rng = new Random(seed + 1000);
  const x = Float32Array.from({ length: bench.batch * compiled.inputSize }, () => rng.uniform());
  const y = Int32Array.from({ length: bench.batch }, () => rng.int(compiled.outputSize));
  const v = Float32Array.from({ length: compiled.numParams }, () => rng.normal());
  return { bench, compiled, params, x, y, v, step: hvpStep('f32', v, params) };
}
