// Checkpoints on disk (Node only): written with `writeFileAtomic` (a flushed temporary file
// renamed over the old one), so an interruption at any point leaves a whole checkpoint, and a
// failed write (a full disk) leaves no temporary file behind.

import { writeFileAtomic } from '../io/atomic.js';
import type { CheckpointStore } from './checkpoint.js';

/** A {@link CheckpointStore} at `dir/file` (default 'checkpoint.json'); creates `dir`. */
export function fileCheckpointStore(dir: string, file = 'checkpoint.json'): CheckpointStore {
  const path = `${dir.replace(/[\\/]+$/, '')}/${file}`;
  return {
    async load() {
      const { readFile } = await import('node:fs/promises');
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async save(text) {
      await writeFileAtomic(path, text);
    },
  };
}
