// Checkpoints on disk (Node only): written to a temporary file, flushed, then renamed over the
// old one, so an interruption at any point leaves a whole checkpoint.

import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointStore } from './checkpoint.js';

/** A {@link CheckpointStore} at `dir/file` (default 'checkpoint.json'); creates `dir`. */
export function fileCheckpointStore(dir: string, file = 'checkpoint.json'): CheckpointStore {
  const path = join(dir, file);
  return {
    async load() {
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async save(text) {
      await mkdir(dir, { recursive: true });
      const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(text, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        throw e;
      }
    },
  };
}
