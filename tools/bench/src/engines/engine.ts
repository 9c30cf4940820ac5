// What the bench needs from an in-process engine: a prepared case it can step and time, and
// the gradient it computes, for the agreement check.

import type { RealArray } from '@pacgen/core-wasm';
import type { BenchCase, CaseData } from '../cases.js';

/** One prepared case on one engine. */
export interface Runner {
  /** Threads the engine computes with. */
  readonly threads: number;
  /** One timed unit of work: a gradient ('grad' cases) or an HVP ('hvp' cases). */
  step(): unknown | Promise<unknown>;
  /**
   * The case's result with dropout off (gradient, or HVP for 'hvp' cases) in the engine's
   * flat parameter layout, for comparing engines.
   */
  result(): RealArray | Promise<RealArray>;
  dispose(): void | Promise<void>;
}

/** An in-process engine. */
export interface Engine {
  /** Row name in the tables, e.g. 'tfjs-wasm'. */
  readonly name: string;
  /** Whether the engine has a row for this case at all (default: every case). */
  appliesTo?(bench: BenchCase): boolean;
  /**
   * Prepares a case. Returns a string (the reason) when the engine cannot run it, e.g. a
   * missing kernel.
   */
  prepare(data: CaseData): Promise<Runner | string>;
}
