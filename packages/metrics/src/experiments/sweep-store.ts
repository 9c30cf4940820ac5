// Where a sweep keeps its results, so that a rerun resumes it: an interface, so the sweep stays
// browser-safe; the node:fs implementation (a results folder) lives in sweep-store-fs.ts.

import type { CheckpointStore } from '../train/checkpoint.js';
import type { SweepGrid, SweepPoint } from './sweep-grid.js';
import type { SweepRunResult } from './sweep-run.js';
import type { SweepSettings } from './sweep-settings.js';

/** The record of a sweep: its settings, its grid and the names of its runs in grid order. */
export interface SweepRecord {
  settings: SweepSettings;
  grid: SweepGrid;
  points: string[];
}

/** Stores one sweep: its record, a result per finished run, a checkpoint per unfinished one. */
export interface SweepStore {
  /** Names the store in messages (e.g. the results folder). */
  readonly name: string;
  /** The settings of the sweep stored earlier, or null when there is none. */
  readSettings(): Promise<SweepSettings | null>;
  /** Replaces the sweep's record; must be atomic (a crash leaves the old or the new one, whole). */
  writeSweep(record: SweepRecord): Promise<void>;
  /**
   * The finished run `expected.name`, or null when it has not finished. A stored result of other
   * settings, of another grid point or damaged is a PacgenError naming it.
   */
  readRun(expected: {
    name: string;
    point: SweepPoint;
    settings: SweepSettings;
  }): Promise<SweepRunResult | null>;
  /** Stores a finished run's result; must be atomic. */
  writeRun(result: SweepRunResult): Promise<void>;
  /** Where the run `name` keeps its checkpoint while it trains. */
  checkpoint(name: string): CheckpointStore;
  /** Removes the run `name`'s checkpoint (nothing when there is none). */
  removeCheckpoint(name: string): Promise<void>;
}
