// In a browser there is no file system: the options that name a folder fail with a pointer to
// the store to pass instead. See node.ts for the Node side.

import { PacgenError } from '@pacgen/core-wasm';
import type { SweepStore } from '../experiments/sweep-store.js';
import type { CheckpointStore } from '../train/checkpoint.js';

/** Unavailable in a browser: pass `checkpoint` (e.g. memoryCheckpointStore()) instead. */
export function fileCheckpointStore(dir: string): CheckpointStore {
  throw new PacgenError(
    `checkpointDir '${dir}' needs a file system (Node); in a browser pass checkpoint: a CheckpointStore`,
  );
}

/** Unavailable in a browser: pass `store` (a SweepStore) instead. */
export function fileSweepStore(dir: string): SweepStore {
  throw new PacgenError(
    `a sweep folder ('${dir}') needs a file system (Node); in a browser pass store: a SweepStore`,
  );
}
