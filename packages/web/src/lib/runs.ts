// The Train page's runs, kept in this browser's IndexedDB so they survive a reload: each run's
// settings, its history of epochs, the numbers at the step its model was saved and the model itself
// (so any stored run can go to Score or download again). Without IndexedDB (a private window that
// refuses it) the runs live in memory and the page says so.

import type { NetworkSpec } from '@pacgen/core-wasm';
import type { EpochEvent } from '@pacgen/metrics/train';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { TrainConfig } from '../pages/train/train-settings';
import type { FinalNumbers } from '../worker/protocol';

export interface StoredRun {
  /** Assigned by the store (1, 2, …). */
  id?: number;
  /** In words: model, optimizer, learning rate. */
  name: string;
  /** Date.now() at the start. */
  created: number;
  config: TrainConfig;
  data: string;
  epochs: EpochEvent[];
  stopReason: 'epochs' | 'target' | 'diverged' | 'aborted';
  steps: number;
  seconds: number;
  final: FinalNumbers | null;
  model: { spec: NetworkSpec; params: Float64Array } | null;
}

interface RunsDb extends DBSchema {
  runs: { key: number; value: StoredRun };
}

const DB_NAME = 'pacgen-runs';

let db: Promise<IDBPDatabase<RunsDb> | null> | null = null;
/** The runs when IndexedDB is unavailable. */
const memory = new Map<number, StoredRun>();
let nextMemoryId = 1;

function open(): Promise<IDBPDatabase<RunsDb> | null> {
  db ??= (
    typeof indexedDB === 'undefined'
      ? Promise.resolve(null)
      : openDB<RunsDb>(DB_NAME, 1, {
          upgrade(d) {
            d.createObjectStore('runs', { keyPath: 'id', autoIncrement: true });
          },
        })
  ).catch(() => null);
  return db;
}

/** Whether runs survive a reload here (IndexedDB opened). */
export async function persistent(): Promise<boolean> {
  return (await open()) !== null;
}

/** Every stored run, oldest first. */
export async function listRuns(): Promise<StoredRun[]> {
  const d = await open();
  const runs = d ? await d.getAll('runs') : [...memory.values()];
  return runs.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

/** Stores a run (new when it has no id) and returns it with its id. */
export async function saveRun(run: StoredRun): Promise<StoredRun> {
  const d = await open();
  if (d) {
    const id = await d.put('runs', run);
    return { ...run, id };
  }
  const id = run.id ?? nextMemoryId++;
  memory.set(id, { ...run, id });
  return { ...run, id };
}

export async function deleteRun(id: number): Promise<void> {
  const d = await open();
  if (d) await d.delete('runs', id);
  else memory.delete(id);
}
