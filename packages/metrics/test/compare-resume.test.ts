import { describe, expect, it } from 'vitest';
import {
  compareTraining,
  type CompareOptions,
  type CompareRun,
} from '../src/entries/experiments.js';
import { mlp } from '../src/entries/models.js';
import { memoryCheckpointStore, parseState } from '../src/entries/train.js';
import { moons } from './helpers.js';

// A comparison run that keeps its checkpoint (as a queue worker does, in Redis) and is stopped
// after an epoch resumes from it bit-identically to an uninterrupted run: perturbedOPT, whose
// state (secant curvature, noise) is the hardest to carry over, and SAM.
const specFor = (dropout: number) => mlp({ inputShape: [2], hidden: [16], numClasses: 2, dropout });
const base: CompareOptions = {
  specFor,
  data: { name: 'moons', train: moons(128, 1, 'train'), test: moons(96, 2, 'test') },
  learningRate: 0.01,
  seeds: [3],
  epochs: 3,
  batchSize: 16,
  precision: 'f64',
  psiEvery: 1,
  psiSamples: 32,
  probes: 2,
  rhoProbes: 1,
  perturbed: { warmup: 4, scale: 0.01 },
};
const stable = (r: CompareRun) => ({ ...r, seconds: 0 });

describe('compareTraining with checkpoints', () => {
  it.each(['perturbed-secant', 'sam'] as const)(
    'resumes a stopped %s run from its checkpoint, bit-identical to an uninterrupted one',
    async (method) => {
      const whole = await compareTraining({ ...base, methods: [method] });
      const store = memoryCheckpointStore();
      const controller = new AbortController();
      const stopped = await compareTraining({
        ...base,
        methods: [method],
        checkpoints: () => store,
        signal: controller.signal,
        onProgress: { epoch: (_, e) => void (e.epoch === 1 && controller.abort()) },
      });
      expect(stopped.complete).toBe(false);
      expect((parseState(store.text as string) as { epoch: number }).epoch).toBe(1);
      const epochs: number[] = [];
      const resumed = await compareTraining({
        ...base,
        methods: [method],
        checkpoints: () => store,
        onProgress: { epoch: (_, e) => void epochs.push(e.epoch) },
      });
      expect(epochs).toEqual([2, 3]); // it resumed after epoch 1
      expect(resumed.runs).toHaveLength(1);
      expect(stable(resumed.runs[0])).toEqual(stable(whole.runs[0]));
      expect(resumed.runs[0].epochs).toBe(3);
    },
  );
});
