// The human-readable report (tables of medians and ratios, agreement, GEMM, goals, notes) and
// the machine-readable rows of --json.

import { cpus } from 'node:os';
import type { BenchOptions } from './args.js';
import { CASES } from './cases.js';
import { GEMM_SHAPES, gflops } from './gemm.js';
import { evaluateGoals } from './goals.js';
import type { BenchResult, Row } from './run.js';
import { formatMs, formatRatio, formatTable } from './table.js';

/** One row of --json output. */
export interface JsonRow {
  case: string;
  engine: string;
  median_ms: number;
  threads: number;
}

/** The measured rows (cases, then GEMM shapes) in the --json shape; skipped rows are left out. */
export function jsonRows(result: BenchResult): JsonRow[] {
  return [...result.rows, ...result.gemmRows]
    .filter((r) => r.median_ms !== null && r.threads !== null)
    .map((r) => ({
      case: r.case,
      engine: r.engine,
      median_ms: r.median_ms as number,
      threads: r.threads as number,
    }));
}

const threadsText = (r: Row) => (r.threads === null ? '-' : String(r.threads));

function casesTable(result: BenchResult): string {
  const coreMs = (c: string, threads: number) =>
    result.rows.find((r) => r.case === c && r.engine === 'core-wasm' && r.threads === threads)
      ?.median_ms ?? null;
  const parallel = result.rows.some((r) => r.engine === 'core-wasm' && (r.threads ?? 1) > 1);
  const parallelThreads = parallel
    ? Math.max(...result.rows.filter((r) => r.engine === 'core-wasm').map((r) => r.threads ?? 1))
    : 0;
  const header = ['case', 'engine', 'threads', 'median ms', 'iters', 'core-wasm speed-up'];
  if (parallel) header.push(`core-wasm ${parallelThreads}t speed-up`);
  const speedup = (r: Row, base: number | null) =>
    r.median_ms === null || base === null ? '' : formatRatio(r.median_ms / base);
  const rows = result.rows.map((r) => {
    const cells = [
      r.case,
      r.engine,
      threadsText(r),
      r.median_ms === null ? 'skipped' : formatMs(r.median_ms),
      r.median_ms === null ? '' : String(r.iterations),
      speedup(r, coreMs(r.case, 1)),
    ];
    if (parallel) cells.push(speedup(r, coreMs(r.case, parallelThreads)));
    return cells;
  });
  const align = ['left', 'left', 'right', 'right', 'right', 'right', 'right'] as const;
  const skipped = result.rows
    .filter((r) => r.median_ms === null)
    .map((r) => `  skipped ${r.case} / ${r.engine}: ${r.note}`);
  return [formatTable(header, rows, [...align]), ...skipped].join('\n');
}

function agreementTable(result: BenchResult): string {
  const rows = result.agreement.map((a) => [
    a.case,
    a.engine,
    String(a.threads),
    a.rel_err.toExponential(2),
  ]);
  return formatTable(['case', 'engine', 'threads', 'rel. error vs core-wasm'], rows, [
    'left',
    'left',
    'right',
    'right',
  ]);
}

function gemmTable(result: BenchResult): string {
  const rows = result.gemmRows.map((r) => {
    const shape = GEMM_SHAPES.find((s) => `gemm-${s.name}` === r.case);
    if (!shape || r.median_ms === null) return [r.case, r.engine, threadsText(r), '', '', ''];
    const core = result.gemmRows.find((c) => c.case === r.case && c.engine === 'core-wasm');
    const share = core?.median_ms ? `${((100 * r.median_ms) / core.median_ms).toFixed(0)}%` : '';
    return [
      shape.name,
      r.engine,
      threadsText(r),
      formatMs(r.median_ms),
      gflops(shape, r.median_ms).toFixed(1),
      share,
    ];
  });
  const header = ['M×N×K', 'engine', 'threads', 'median ms', 'GFLOP/s', 'core-wasm at % of it'];
  const shapes = GEMM_SHAPES.map((s) => `  ${s.name}: ${s.description}`);
  return [
    formatTable(header, rows, ['left', 'left', 'right', 'right', 'right', 'right']),
    ...shapes,
  ].join('\n');
}

function goalsTable(result: BenchResult): string {
  const rows = evaluateGoals(result.rows).map((g) => [
    g.goal,
    g.measured,
    g.met === null ? 'n/a' : g.met ? 'MET' : 'NOT MET',
  ]);
  return formatTable(['goal', 'measured', 'status'], rows);
}

/** The full text report printed by `npm run bench`. */
export function renderReport(result: BenchResult, opts: BenchOptions): string {
  const cpu = cpus();
  const t = opts.timing;
  const g = opts.gemmTiming;
  const cnn = CASES.find((c) => c.name === 'cnn-grad');
  const lines = [
    `pacgen bench: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} logical cores, Node ${process.version}` +
      (result.torchVersion ? `, PyTorch ${result.torchVersion} (BLAS: ${result.torchBlas})` : ''),
    `f32, batch ${opts.batch ?? 128}. Timing: median of up to ${t.iterations} iterations after ${t.warmup} warm-up ` +
      `(stopping after ${t.budgetMs / 1000} s once ${t.minIterations} are done); GEMM: up to ` +
      `${g.iterations} after ${g.warmup}${opts.quick ? ' (--quick)' : ''}.`,
    `Same weights, batch and HVP direction in every engine. cnn-grad: ${cnn?.trainingDropout ? 'training-mode dropout (elementwise, rate 0.5, a fresh mask every iteration) in every engine' : 'dropout off'}.`,
    `"core-wasm speed-up" = this row's median / core-wasm's (1 thread): how many times faster core-wasm is.`,
  ];
  const cap = result.capacity;
  lines.push(
    `Parallel capacity: 2 busy threads got ${cap.map((c) => `${c.scaling.toFixed(2)}×`).join(' (start), ')} (end) ` +
      `the throughput of one (ideal 2×; shared, throttled or hyper-threaded vCPUs give less): ` +
      `read the 2-thread rows with that in mind.`,
  );
  const sections: string[] = [lines.join('\n')];
  if (result.rows.length > 0) {
    sections.push(`Cases\n${casesTable(result)}`);
    sections.push(
      'Agreement with core-wasm (dropout off; gradient, or HVP for mlp-hvp; f32 central ' +
        'differences make HVPs agree less closely than gradients)\n' +
        agreementTable(result),
    );
  }
  if (result.gemmRows.length > 0) sections.push(`Matrix multiply (f32)\n${gemmTable(result)}`);
  if (result.rows.length > 0)
    sections.push(`Goals (reported, not asserted)\n${goalsTable(result)}`);
  sections.push(`Notes\n${result.notes.map((n) => `- ${n}`).join('\n')}`);
  return sections.join('\n\n');
}
