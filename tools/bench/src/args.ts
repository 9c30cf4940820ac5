// Command-line options of the bench.

import { CASES, type CaseName } from './cases.js';
import { DEFAULT_PYTHON } from './engines/torch.js';
import type { TimingOptions } from './timing.js';

export type Selection = CaseName | 'gemm';

export const ALL_SELECTIONS: readonly Selection[] = [...CASES.map((c) => c.name), 'gemm'];

export interface BenchOptions {
  json: boolean;
  quick: boolean;
  selections: Selection[];
  /** Timing of the network cases. */
  timing: TimingOptions;
  /** Timing of each GEMM shape. */
  gemmTiming: TimingOptions;
  torch: boolean;
  python: string;
  torchThreads: number[];
  /** Workers of the data-parallel core-wasm rows (when ParallelNetwork exists). */
  parallelThreads: number;
  /** Overrides every case's batch size (the goals are stated for 128; smaller for tests). */
  batch: number | null;
  help: boolean;
}

export const USAGE = `usage: node tools/bench/dist/main.js [options]   (or: npm run bench -- [options])

  --json                 print only [{ case, engine, median_ms, threads }] on stdout
  --quick                fewer iterations (a smoke run)
  --cases a,b            run only these (${ALL_SELECTIONS.join(', ')})
  --warmup N             warm-up iterations per row
  --iterations N         timed iterations per row (stops early after its time budget)
  --no-torch             skip the PyTorch rows
  --python PATH          interpreter with torch (default $PACGEN_PYTHON or ${DEFAULT_PYTHON})
  --torch-threads 1,2    PyTorch thread counts, one run each
  --threads N            workers of the data-parallel core-wasm rows (default 2)
  --batch N              batch size of every case instead of 128 (for smoke tests)
  --help`;

/** A bad command line: reported as its message and the usage, without a stack. */
export class UsageError extends Error {}

function positive(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} needs a whole number, got '${v}'`);
  return n;
}

function list(flag: string, v: string | undefined): string[] {
  if (!v) throw new UsageError(`${flag} needs a comma-separated list`);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Parses argv (without node and the script). Throws UsageError on a bad option. */
export function parseArgs(argv: readonly string[], env = process.env): BenchOptions {
  const o: BenchOptions = {
    json: false,
    quick: false,
    selections: [...ALL_SELECTIONS],
    timing: { warmup: 5, iterations: 50, budgetMs: 6000, minIterations: 5 },
    gemmTiming: { warmup: 3, iterations: 30, budgetMs: 2000, minIterations: 3 },
    torch: true,
    python: env.PACGEN_PYTHON || DEFAULT_PYTHON,
    torchThreads: [1, 2],
    parallelThreads: 2,
    batch: null,
    help: false,
  };
  let warmup: number | undefined;
  let iterations: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--json') o.json = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--cases') {
      o.selections = list(a, next()).map((s) => {
        if (!(ALL_SELECTIONS as readonly string[]).includes(s)) {
          throw new UsageError(`unknown case '${s}' (known: ${ALL_SELECTIONS.join(', ')})`);
        }
        return s as Selection;
      });
    } else if (a === '--warmup') warmup = positive(a, next());
    else if (a === '--iterations') iterations = Math.max(1, positive(a, next()));
    else if (a === '--python') o.python = next() ?? '';
    else if (a === '--torch-threads') o.torchThreads = list(a, next()).map((s) => positive(a, s));
    else if (a === '--threads') o.parallelThreads = Math.max(1, positive(a, next()));
    else if (a === '--batch') o.batch = Math.max(1, positive(a, next()));
    else throw new UsageError(`unknown option '${a}'`);
  }
  if (o.quick) {
    o.timing = { warmup: 2, iterations: 10, budgetMs: 1500, minIterations: 3 };
    o.gemmTiming = { warmup: 1, iterations: 10, budgetMs: 500, minIterations: 2 };
  }
  for (const t of [o.timing, o.gemmTiming]) {
    if (warmup !== undefined) t.warmup = warmup;
    if (iterations !== undefined) {
      t.iterations = iterations;
      t.minIterations = Math.min(t.minIterations, iterations);
    }
  }
  return o;
}
