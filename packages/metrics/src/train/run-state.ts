// The state of a training run between steps — parameters, optimizer state, history, counters —
// started fresh or from a checkpoint, and written back as one.

import type { Network } from '@pacgen/core-wasm';
import type { Optimizer } from '../optim/types.js';
import type { CheckpointStore } from './checkpoint.js';
import { parseCheckpoint, type CheckpointData } from './checkpoint-data.js';
import type { EpochRecord, StopReason } from './history.js';

/** What a run carries from step to step (everything a checkpoint holds). */
export interface RunState {
  /** Parameters (f64 master copy). */
  w: Float64Array;
  /** The network's buffers (batch-norm running statistics) as of the last checkpoint or start. */
  buffers: Float64Array;
  optState: unknown;
  history: EpochRecord[];
  /** Completed epochs, optimizer steps, minibatch gradient evaluations. */
  epoch: number;
  steps: number;
  evals: number;
  /** The epoch the run resumed from, or null. */
  resumedFrom: number | null;
  /** Why the run ended, once it has ('diverged', 'target'); null while it goes on. */
  finished: StopReason | null;
}

/** What must match for a checkpoint to continue this run. */
export type Fingerprint = CheckpointData['fingerprint'];

/**
 * The start of a run: the network's parameters and a fresh optimizer state, or the state saved
 * in `store` (checked against `fingerprint`) when it holds one.
 */
export async function startState(
  net: Network,
  opt: Optimizer<unknown>,
  store: CheckpointStore | null,
  fingerprint: Fingerprint,
): Promise<RunState> {
  const w = Float64Array.from(net.params);
  const state: RunState = {
    w,
    buffers: net.getBuffers(),
    optState: opt.init(w),
    history: [],
    epoch: 0,
    steps: 0,
    evals: 0,
    resumedFrom: null,
    finished: null,
  };
  const text = store ? await store.load() : null;
  if (text === null) return state;
  const ck = parseCheckpoint(text, {
    fingerprint,
    numParams: w.length,
    numBuffers: net.numBuffers,
    optimizerState: state.optState,
  });
  // The engine holds the buffers (training steps update them there).
  const buffers = ck.buffers ?? new Float64Array(0);
  net.setBuffers(buffers);
  return {
    w: Float64Array.from(ck.params),
    buffers,
    optState: ck.optimizerState,
    history: ck.history,
    epoch: ck.epoch,
    steps: ck.steps,
    evals: ck.gradientEvaluations,
    resumedFrom: ck.epoch,
    finished: ck.finished,
  };
}

/** The checkpoint of the run as it stands (buffers as last read from the engine). */
export function checkpointOf(run: RunState, fingerprint: Fingerprint): CheckpointData {
  return {
    ...(run.buffers.length > 0 ? { buffers: run.buffers } : {}),
    format: 'pacgen-train/1',
    fingerprint,
    epoch: run.epoch,
    steps: run.steps,
    gradientEvaluations: run.evals,
    params: run.w,
    optimizerState: run.optState,
    history: run.history,
    finished: run.finished,
  };
}
