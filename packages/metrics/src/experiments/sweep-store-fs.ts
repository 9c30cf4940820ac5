// A sweep's results on disk (Node only): sweep.json (the sweep's record), runs/NAME.json (one
// file per finished run) and checkpoints/NAME/ (one folder per unfinished run) in a results
// folder. Files are written with `writeFileAtomic`, so an interruption leaves each one whole,
// and read back as regular files only, checked by the parsers of sweep-files.ts.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { readFileBytesIfAny } from '../io/read-file.js';
import { fileCheckpointStore } from '../train/checkpoint-fs.js';
import { encodeState } from '../train/serialize.js';
import { parseSweepFile, parseSweepRunFile } from './sweep-files.js';
import type { SweepStore } from './sweep-store.js';

/** JSON with typed arrays encoded, one space of indent, written atomically. */
async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(encodeState(value), null, 1)}\n`);
}

/** A {@link SweepStore} in the folder `dir` (created on the first write). */
export function fileSweepStore(dir: string): SweepStore {
  const sweepFile = join(dir, 'sweep.json');
  const runFile = (name: string) => join(dir, 'runs', `${name}.json`);
  const checkpointDir = (name: string) => join(dir, 'checkpoints', name);
  return {
    name: dir,
    async readSettings() {
      const bytes = await readFileBytesIfAny(sweepFile, 'sweep file');
      return bytes && parseSweepFile(bytes, sweepFile);
    },
    writeSweep: (record) => writeJsonAtomic(sweepFile, record),
    async readRun(expected) {
      const file = runFile(expected.name);
      const bytes = await readFileBytesIfAny(file, 'run result');
      return bytes && parseSweepRunFile(bytes, file, expected);
    },
    writeRun: (result) => writeJsonAtomic(runFile(result.name), result),
    checkpoint: (name) => fileCheckpointStore(checkpointDir(name)),
    removeCheckpoint: (name) => rm(checkpointDir(name), { recursive: true, force: true }),
  };
}
