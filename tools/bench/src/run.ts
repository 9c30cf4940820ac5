// Runs the selected cases on every engine, in this process (and PyTorch in a child), and
// collects timings, agreement errors and notes. Formatting lives in report.ts.

import {
  DEFAULT_CHUNK,
  compileNetwork,
  engineMemoryBytes,
  peakActivationBytes,
  type NetworkSpec,
} from '@pacgen/core-wasm';
import { CASES, makeCaseData, type BenchCase, type CaseData, type CaseName } from './cases.js';
import type { BenchOptions } from './args.js';
import type { Engine } from './engines/engine.js';
import {
  coreWasm,
  coreWasmF64,
  coreWasmName,
  coreWasmParallel,
  coreWasmPlain,
  parallelNetworkClass,
} from './engines/corewasm.js';
import {
  TFJS_WASM_THREADS_NOTE,
  tfjsEngine,
  tfjsMatMul,
  type TfjsBackend,
} from './engines/tfjs.js';
import { runTorch, type TorchOutcome, type TorchReference } from './engines/torch.js';
import { jaxJsEngine, jaxJsMatMul } from './engines/jaxjs.js';
import { GEMM_SHAPES, coreWasmGemm, fmaPeak } from './gemm.js';
import { parallelCapacity, type ParallelCapacity } from './machine.js';
import { runPsi, type PsiResult } from './psi.js';
import { runResnetPsi, type ResnetPsiResult } from './resnet-psi.js';
import { runCnnPsi, type CnnPsiResult } from './cnn-psi.js';
import { measure, type TimingOptions } from './timing.js';
import { MEMORY_STEPS, mib, peakMemory, type PeakMemory } from './memory.js';
import { relativeError, type Log } from './log.js';
import {
  BLOCK_STEPS,
  TRAIN_CASES,
  TRAIN_DEFAULT,
  runTraining,
  type TrainResult,
} from './training.js';

/** One timed (or skipped) row. */
export interface Row {
  case: string;
  engine: string;
  /** null when the row was skipped before the engine said. */
  threads: number | null;
  /** null when skipped (see note). */
  median_ms: number | null;
  iterations: number;
  note?: string;
  /** Measured in a child process of the row's own (memory.ts); absent when not measured. */
  memory?: PeakMemory;
}

/** How far an engine's dropout-off result is from core-wasm's. */
export interface Agreement {
  case: CaseName;
  engine: string;
  threads: number;
  /** ‖engine − core-wasm‖₂ / ‖core-wasm‖₂ (gradient, or HVP for 'hvp' cases). */
  rel_err: number;
}

export interface BenchResult {
  rows: Row[];
  gemmRows: Row[];
  agreement: Agreement[];
  notes: string[];
  torchVersion: string | null;
  /** The FMA ceiling of one thread (fmaPeak), GFLOP/s; null without the gemm selection. */
  peakGflops: number | null;
  /** The BLAS library under PyTorch's dense layers. */
  torchBlas: string | null;
  /** How much two threads really get on this machine, before and after the run. */
  capacity: ParallelCapacity[];
  /** pacgen-mlp, when selected. */
  psi: PsiResult | null;
  /** The train-* cases, when any is selected. */
  training: TrainResult | null;
  /** resnet20-psi, when selected. */
  resnetPsi: ResnetPsiResult | null;
  /** pacgen-cnn, when selected. */
  cnnPsi: CnnPsiResult | null;
}

/**
 * Times one case on each engine that applies to it and checks each engine's dropout-off result
 * against the first engine's (core-wasm, the reference, returned for the PyTorch child, with
 * core-wasm-f64's HVP when that engine ran).
 */
export async function benchCase(
  data: CaseData,
  engines: readonly Engine[],
  timing: TimingOptions,
  log: Log = () => undefined,
): Promise<{
  rows: Row[];
  agreement: Agreement[];
  reference: Float32Array;
  reference64: Float64Array | null;
}> {
  const rows: Row[] = [];
  const agreement: Agreement[] = [];
  let reference: Float32Array | null = null;
  let reference64: Float64Array | null = null;
  for (const engine of engines) {
    const name = data.bench.name;
    if (engine.appliesTo && !engine.appliesTo(data.bench)) continue;
    const runner = await engine.prepare(data);
    if (typeof runner === 'string') {
      log(`  ${name} / ${engine.name}: skipped (${runner})`);
      rows.push({
        case: name,
        engine: engine.name,
        threads: null,
        median_ms: null,
        iterations: 0,
        note: runner,
      });
      continue;
    }
    try {
      const result = await runner.result();
      if (engine.name === 'core-wasm-f64') reference64 = Float64Array.from(result);
      if (!reference) reference = Float32Array.from(result);
      else {
        const rel_err = relativeError(result, reference);
        agreement.push({ case: name, engine: engine.name, threads: runner.threads, rel_err });
      }
      const t = await measure(() => runner.step(), timing);
      log(
        `  ${name} / ${engine.name} (${runner.threads}t): ${t.median_ms.toFixed(3)} ms (median of ${t.iterations})`,
      );
      rows.push({ case: name, engine: engine.name, threads: runner.threads, ...t });
    } finally {
      await runner.dispose();
    }
  }
  if (!reference) throw new Error(`no engine ran ${data.bench.name}`);
  return { rows, agreement, reference, reference64 };
}

/**
 * Gives each timed row of `bench` (benchCase's, one per engine that applies, in `list`'s order)
 * its peak memory, from a child process per row: the rows share this process, whose resident
 * size mixes them.
 */
async function addPeakMemory(
  rows: Row[],
  bench: BenchCase,
  list: readonly Engine[],
  parallelThreads: number,
  log: Log,
): Promise<void> {
  const applying = list.flatMap((e, i) => (!e.appliesTo || e.appliesTo(bench) ? [i] : []));
  for (const [k, engine] of applying.entries()) {
    const row = rows[k];
    if (row.median_ms === null) continue;
    row.memory = await peakMemory({ bench, engine, parallelThreads, steps: MEMORY_STEPS });
    log(
      `  ${bench.name} / ${row.engine} (${row.threads}t): peak RSS ${mib(row.memory.peakBytes)} MiB`,
    );
  }
}

/** The in-process engines, core-wasm first (it is the reference). */
export function engines(opts: Pick<BenchOptions, 'parallelThreads'>): Engine[] {
  const list: Engine[] = [coreWasm, coreWasmPlain, coreWasmF64];
  if (parallelNetworkClass()) {
    list.push(coreWasmParallel(opts.parallelThreads));
    list.push(coreWasmParallel(opts.parallelThreads, 'plain'));
  }
  list.push(tfjsEngine('wasm'), tfjsEngine('cpu'), jaxJsEngine);
  return list;
}

/** Everything `npm run bench` measures, as data. */
export async function runBench(opts: BenchOptions, log: Log): Promise<BenchResult> {
  log('probing what 2 threads get on this machine');
  const result: BenchResult = {
    capacity: [await parallelCapacity(2)],
    rows: [],
    gemmRows: [],
    agreement: [],
    notes: [],
    torchVersion: null,
    peakGflops: null,
    torchBlas: null,
    psi: null,
    training: null,
    resnetPsi: null,
    cnnPsi: null,
  };
  const selected = CASES.filter((c) => opts.selections.includes(c.name)).map((c) =>
    opts.batch === null ? c : { ...c, batch: opts.batch },
  );
  const withGemm = opts.selections.includes('gemm');
  const list = engines(opts);
  result.notes.push(
    `core-wasm ${opts.parallelThreads}-thread rows: ParallelNetwork (data-parallel over fixed chunks of ${DEFAULT_CHUNK} samples)`,
    TFJS_WASM_THREADS_NOTE,
  );
  for (const c of selected) result.notes.push(activationMemoryNote(c.name, c.spec, c.batch));

  const data: CaseData[] = [];
  const references = new Map<CaseName, TorchReference>();
  for (const c of selected) {
    log(`${c.name}: ${c.description}, batch ${c.batch}`);
    const d = await makeCaseData(c);
    data.push(d);
    const r = await benchCase(d, list, opts.timing, log);
    if (opts.memory) await addPeakMemory(r.rows, c, list, opts.parallelThreads, log);
    result.rows.push(...r.rows);
    result.agreement.push(...r.agreement);
    references.set(c.name, { f32: r.reference, f64: r.reference64 });
  }

  if (withGemm) {
    const g = await benchGemm(opts, log);
    result.peakGflops = g.peakGflops;
    result.gemmRows.push(...g.rows);
  }

  if (opts.torch && (data.length > 0 || withGemm)) {
    log(`PyTorch via ${opts.python}, threads ${opts.torchThreads.join(', ')}`);
    const torch: TorchOutcome = await runTorch(data, references, withGemm ? GEMM_SHAPES : [], {
      python: opts.python,
      threads: opts.torchThreads,
      timing: opts.timing,
      gemmTiming: opts.gemmTiming,
    });
    if (torch.ok) {
      result.torchVersion = torch.version;
      result.torchBlas = torch.blas;
      for (const c of torch.cases) {
        const { rel_err, engine, ...row } = c;
        result.rows.push({ ...row, engine });
        result.agreement.push({ case: c.case, engine, threads: c.threads, rel_err });
      }
      for (const g of torch.gemm) {
        const { name, ...row } = g;
        result.gemmRows.push({ ...row, case: `gemm-${name}`, engine: 'pytorch' });
      }
    } else {
      log(`PyTorch rows skipped: ${torch.note}`);
      result.notes.push(`PyTorch rows skipped: ${torch.note}`);
    }
  } else if (!opts.torch) result.notes.push('PyTorch rows skipped (--no-torch)');

  if (opts.selections.includes('pacgen-mlp')) {
    const s = opts.psi;
    log(
      `pacgen-mlp: Ψ (Hutchinson, ${s.probes} probes) and ρ (${s.rhoProbes} probes), MLP 784-128-64-10 over ${s.images} MNIST images`,
    );
    result.psi = await runPsi(s, opts.parallelThreads, log);
  }

  if (opts.selections.includes('pacgen-cnn')) {
    log(`pacgen-cnn: Ψ* of mnist-cnn with each diagonal over ${opts.cnnPsi.images} MNIST images`);
    result.cnnPsi = await runCnnPsi(opts.cnnPsi, log);
  }
  result.resnetPsi = await resnetPsiCase(opts, log);

  const trainCases = TRAIN_CASES.filter((c) => opts.selections.includes(c.name));
  if (trainCases.length > 0) {
    const settings = { ...TRAIN_DEFAULT, images: opts.trainImages, batch: opts.batch ?? 64 };
    log(
      `train-*: mnist-cnn on ${settings.images} MNIST images, batch ${settings.batch}, blocks of ${BLOCK_STEPS} steps`,
    );
    result.training = await runTraining(trainCases, settings, opts.trainTiming, log);
  }

  // Shared or throttled vCPUs vary during a run: probe again to show how much.
  result.capacity.push(await parallelCapacity(2));

  // Keep the tables grouped by case in CASES order, engines in the order they ran.
  const order = (r: { case: string }) => selected.findIndex((c) => c.name === r.case);
  result.rows.sort((a, b) => order(a) - order(b));
  result.agreement.sort((a, b) => order(a) - order(b));
  const gemmOrder = (r: Row) => GEMM_SHAPES.findIndex((s) => `gemm-${s.name}` === r.case);
  result.gemmRows.sort((a, b) => gemmOrder(a) - gemmOrder(b));
  return result;
}

/**
 * The GEMM table: the FMA ceiling, then per shape core-wasm (fma and plain), jax-js and tfjs.
 */
async function benchGemm(
  opts: BenchOptions,
  log: Log,
): Promise<{ peakGflops: number; rows: Row[] }> {
  const rows: Row[] = [];
  // In-process GEMMs are single-threaded: timed in CPU time, which a shared machine disturbs
  // far less than wall time (the peak and the rows are then comparable).
  const cpuTiming = { ...opts.gemmTiming, clock: 'cpu' as const };
  const peak = await fmaPeak();
  const peakTime = await measure(peak.step, cpuTiming);
  const peakGflops = peak.flops / (peakTime.median_ms * 1e6);
  for (const s of GEMM_SHAPES) {
    const key = `gemm-${s.name}`;
    for (const kernels of ['fma', 'plain'] as const) {
      const core = await coreWasmGemm(s, kernels);
      const t = await measure(core.step, cpuTiming);
      const engine = coreWasmName('f32', kernels === 'plain' ? 'plain' : undefined);
      rows.push({ case: key, engine, threads: core.threads, ...t });
    }
    const jx = await jaxJsMatMul(s.M, s.N, s.K, s.transposeA);
    try {
      const t = await measure(jx.step, cpuTiming);
      rows.push({ case: key, engine: 'jax-js-wasm', threads: jx.threads, ...t });
    } finally {
      jx.dispose();
    }
    for (const backend of ['wasm', 'cpu'] as TfjsBackend[]) {
      const mm = await tfjsMatMul(backend, s.M, s.N, s.K, s.transposeA);
      try {
        const tt = await measure(mm.step, backend === 'wasm' ? cpuTiming : opts.gemmTiming);
        rows.push({
          case: key,
          engine: `tfjs-${backend}`,
          threads: mm.threads,
          ...tt,
        });
      } finally {
        mm.dispose();
      }
    }
    log(`  ${key}: done`);
  }
  return { peakGflops, rows };
}

/** resnet20-psi when selected, else null. */
async function resnetPsiCase(opts: BenchOptions, log: Log): Promise<ResnetPsiResult | null> {
  if (!opts.selections.includes('resnet20-psi')) return null;
  const s = opts.resnetPsi;
  log(
    `resnet20-psi: Ψ* (Hutchinson, ${s.probes} probes) of ResNet-20 over ${s.images} CIFAR-shaped samples, ${opts.parallelThreads} threads`,
  );
  return runResnetPsi(s, opts.parallelThreads, log);
}

/**
 * The pacgen-mlp, pacgen-cnn, resnet20-psi and train-* results as rows (their time: a whole report; a
 * median step).
 */
export function extraRows(
  result: Pick<BenchResult, 'psi' | 'training' | 'resnetPsi'> & { cnnPsi?: CnnPsiResult | null },
): Row[] {
  const rows: Row[] = [];
  for (const r of result.cnnPsi?.rows ?? []) {
    rows.push({
      case: 'pacgen-cnn',
      engine: `core-wasm-f64 (${r.method})`,
      threads: 1,
      median_ms: r.ms,
      iterations: 1,
    });
  }
  const rp = result.resnetPsi;
  if (rp) {
    rows.push({
      case: 'resnet20-psi',
      engine: 'core-wasm',
      threads: rp.threads,
      median_ms: rp.ms,
      iterations: 1,
    });
  }
  for (const r of result.psi?.rows ?? []) {
    rows.push({
      case: 'pacgen-mlp',
      engine: r.engine,
      threads: r.threads,
      median_ms: r.ms,
      iterations: 1,
    });
  }
  for (const r of result.training?.rows ?? []) {
    rows.push({
      case: r.case,
      engine: 'core-wasm',
      threads: 1,
      median_ms: r.stepMs,
      iterations: r.blocks,
    });
  }
  return rows;
}

/**
 * core-wasm's memory for a case's chunk of `batch` samples at f32: the liveness-planned
 * activations and scratch (peakActivationBytes), and the whole engine (engineMemoryBytes).
 */
function activationMemoryNote(name: string, spec: NetworkSpec, batch: number): string {
  const c = compileNetwork(spec);
  const unshared = c.layers.reduce((s, l) => s + 2 * l.outSize, 0) * batch * 4;
  return `${name} memory planned by core-wasm, f32 at batch ${batch}: activations and their gradients ${mib(peakActivationBytes(c, 'f32', batch))} MiB at peak (liveness-planned; every output and gradient kept apart would take ${mib(unshared)} MiB), the whole engine ${mib(engineMemoryBytes(c, 'f32', batch))} MiB; every engine's measured peak: the cases table's peak RSS`;
}
