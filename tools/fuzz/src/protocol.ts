// What the runner and its worker threads share: the layout of the shared state the watchdog
// reads, the batches the runner hands out, and the messages a worker sends back.

/** Int32 slots of the shared state; the start time of the current input follows as a Float64. */
export const SLOT = { busy: 0, index: 1, accepted: 2, clean: 3, other: 4 } as const;

/** Bytes of the shared state: 8 Int32 slots, then one Float64. */
export const STATE_BYTES = 32 + 8;

/** Views on the shared state. */
export function stateViews(state: SharedArrayBuffer): {
  slots: Int32Array;
  startedAt: Float64Array;
} {
  return { slots: new Int32Array(state, 0, 8), startedAt: new Float64Array(state, 32, 1) };
}

/** A batch of inputs: indices [start, end) of one target. */
export interface Batch {
  target: string;
  start: number;
  end: number;
}

/** Messages from a worker to the runner. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'finding'; target: string; index: number; error: string }
  | { type: 'harness-error'; error: string }
  | { type: 'done' };
