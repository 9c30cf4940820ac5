// The project's performance goals, evaluated on measured rows (reported, never asserted).

import type { Row } from './run.js';
import { formatRatio } from './table.js';

export interface Goal {
  goal: string;
  /** The measured ratio in words, or why it could not be measured. */
  measured: string;
  /** null when a row it needs is missing. */
  met: boolean | null;
}

const threadWord = (n: number) => `${n} thread${n > 1 ? 's' : ''}`;

/** A measured row's median (and threads), optionally at a given thread count. */
function rowMedian(rows: readonly Row[], c: string, engine: string, threads?: number) {
  const r = rows.find(
    (r) =>
      r.case === c &&
      r.engine === engine &&
      r.median_ms !== null &&
      (threads === undefined || r.threads === threads),
  );
  return r ? { ms: r.median_ms as number, threads: r.threads as number } : undefined;
}

function speedupGoal(rows: readonly Row[], c: string, peer: string, target: number): Goal {
  const goal = `${c}: core-wasm (1 thread) ≥ ${target}× faster than ${peer}`;
  const core = rowMedian(rows, c, 'core-wasm', 1);
  const other = rowMedian(rows, c, peer);
  if (!core || !other) return { goal, measured: 'not measured', met: null };
  const s = other.ms / core.ms;
  return {
    goal,
    measured: `${formatRatio(s)} (${peer} ${threadWord(other.threads)})`,
    met: s >= target,
  };
}

function best(rows: readonly Row[], c: string, engine: string) {
  const own = rows.filter((r) => r.case === c && r.engine === engine && r.median_ms !== null);
  if (own.length === 0) return undefined;
  const r = own.reduce((a, b) => ((b.median_ms as number) < (a.median_ms as number) ? b : a));
  return { ms: r.median_ms as number, threads: r.threads as number };
}

/**
 * The stretch goal: core-wasm's mlp-grad time at most 2× PyTorch's, like for like (1 thread
 * each) or, with `bestOf`, each engine at its fastest thread count.
 */
function torchGoal(rows: readonly Row[], bestOf: boolean): Goal {
  const torch = bestOf
    ? best(rows, 'mlp-grad', 'pytorch')
    : rowMedian(rows, 'mlp-grad', 'pytorch', 1);
  const core = bestOf
    ? best(rows, 'mlp-grad', 'core-wasm')
    : rowMedian(rows, 'mlp-grad', 'core-wasm', 1);
  const goal = `stretch: mlp-grad core-wasm within 2× of PyTorch (${bestOf ? 'fastest of each' : '1 thread each'})`;
  if (!torch || !core) return { goal, measured: 'not measured (no PyTorch rows)', met: null };
  const r = core.ms / torch.ms;
  return {
    goal,
    measured: `core-wasm (${threadWord(core.threads)}) takes ${formatRatio(r)} the time of PyTorch (${threadWord(torch.threads)})`,
    met: r <= 2,
  };
}

/** The three goals of the bench issue; the stretch goal both like for like and best against best. */
export function evaluateGoals(rows: readonly Row[]): Goal[] {
  const goals = [
    speedupGoal(rows, 'mlp-grad', 'tfjs-wasm', 5),
    speedupGoal(rows, 'cnn-grad', 'tfjs-cpu', 10),
    torchGoal(rows, false),
    torchGoal(rows, true),
  ];
  return goals;
}
