// Checkpoints on disk (Node only): written with `writeFileAtomic` (a flushed temporary file
// renamed over the old one), so an interruption at any point leaves a whole checkpoint, and a
// failed write (a full disk) leaves no temporary file behind.

import { writeFileAtomic } from '../io/atomic.js';
import { readFileBytesIfAny } from '../io/read-file.js';
import type { CheckpointStore } from './checkpoint.js';

/** A {@link CheckpointStore} at `dir/file` (default 'checkpoint.json'); creates `dir`. */
export function fileCheckpointStore(dir: string, file = 'checkpoint.json'): CheckpointStore {
  const path = `${dir.replace(/[\\/]+$/, '')}/${file}`;
  return {
    async load() {
      // Read as a regular file only: a FIFO or a device in its place would block or never end.
      const bytes = await readFileBytesIfAny(path, 'checkpoint');
      return bytes && new TextDecoder().decode(bytes);
    },
    async save(text) {
      await writeFileAtomic(path, text);
    },
  };
}
