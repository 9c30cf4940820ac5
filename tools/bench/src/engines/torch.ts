// PyTorch rows: the cases run in a Python child process (torch_bench.py) per case and thread
// count, on the same weights and batch, which are handed over as binary files next to a JSON
// manifest; each child also reports its peak memory.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseData, CaseName } from '../cases.js';
import type { GemmShape } from '../gemm.js';
import type { PeakMemory } from '../memory.js';
import type { TimingOptions } from '../timing.js';

/** Debian's python3-torch installs for the system interpreter, not a pyenv one on PATH. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

export const TORCH_INSTALL_HINT =
  "install it with 'apt-get install python3-torch' (Debian; it installs for /usr/bin/python3)";

export interface TorchOptions {
  python: string;
  /** One child process per entry, with torch.set_num_threads(entry). */
  threads: readonly number[];
  timing: TimingOptions;
  gemmTiming: TimingOptions;
}

/** core-wasm's dropout-off result of a case, which the child compares its own against. */
export interface TorchReference {
  /** core-wasm f32: for the gradient, and the central difference at the same step. */
  f32: Float32Array;
  /** core-wasm f64's HVP (HVP cases): for the double-backprop rows. */
  f64: Float64Array | null;
}

export interface TorchCaseRow {
  case: CaseName;
  /**
   * 'pytorch': the case as written (gradient, or the central-difference HVP at core-wasm's
   * step); HVP cases add 'pytorch-hvp' and 'pytorch-hvp-f64', PyHessian's double backprop
   * (the gradient's graph differentiated again along v) in f32 and f64.
   */
  engine: string;
  threads: number;
  median_ms: number;
  iterations: number;
  /**
   * ‖torch − core-wasm‖ / ‖core-wasm‖ of the dropout-off result; the double-backprop rows
   * against core-wasm f64 when it ran.
   */
  rel_err: number;
  /** The child's peak memory (one child per case: an HVP case's three rows share it). */
  memory: PeakMemory;
}

export interface TorchGemmRow {
  name: string;
  threads: number;
  median_ms: number;
  iterations: number;
}

export type TorchOutcome =
  | { ok: true; version: string; blas: string; cases: TorchCaseRow[]; gemm: TorchGemmRow[] }
  | { ok: false; note: string };

interface ChildOutput {
  unavailable?: string;
  torch: string;
  threads: number;
  /** The BLAS library torch's matmuls really call (see torch_bench.py). */
  blas: string;
  cases: Omit<TorchCaseRow, 'threads' | 'memory'>[];
  gemm: Omit<TorchGemmRow, 'threads'>[];
  /** ru_maxrss at the end, and the resident size once torch was imported, bytes. */
  memory: { peak_bytes: number; start_bytes: number };
}

const SCRIPT = fileURLToPath(new URL('../../src/engines/torch_bench.py', import.meta.url));

function runChild(python: string, args: string[], threads: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // torch.set_num_threads decides; the variables keep OpenMP's and OpenBLAS's pools in line.
      env: {
        ...process.env,
        OMP_NUM_THREADS: String(threads),
        OPENBLAS_NUM_THREADS: String(threads),
      },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => process.stderr.write(s));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${python} exited with code ${code}`)),
    );
  });
}

/** Runs one manifest in a Python child; a note (the reason) when PyTorch is missing or fails. */
async function childOutput(
  python: string,
  manifest: string,
  threads: number,
): Promise<ChildOutput | { note: string }> {
  let text: string;
  try {
    text = await runChild(python, [SCRIPT, manifest], threads);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { note: `no Python at ${python}; ${TORCH_INSTALL_HINT}` };
    return { note: `PyTorch run failed: ${err.message}` };
  }
  const out = JSON.parse(text) as ChildOutput;
  if (out.unavailable !== undefined) {
    return {
      note: `PyTorch not importable by ${python} (${out.unavailable}); ${TORCH_INSTALL_HINT}`,
    };
  }
  return out;
}

/**
 * Runs the cases (and GEMM shapes) in PyTorch once per thread count, a child process per case.
 * `references` holds core-wasm's dropout-off results per case, which the child compares its own
 * against.
 * Never throws for a missing Python or torch: the outcome carries a note instead.
 */
export async function runTorch(
  data: readonly CaseData[],
  references: ReadonlyMap<CaseName, TorchReference>,
  gemm: readonly GemmShape[],
  opts: TorchOptions,
): Promise<TorchOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'pacgen-bench-'));
  try {
    const cases = [];
    for (const d of data) {
      const file = (what: string) => join(dir, `${d.bench.name}.${what}.bin`);
      const ref = references.get(d.bench.name);
      if (!ref) throw new Error(`no core-wasm reference for ${d.bench.name}`);
      const blobs: [string, Float32Array | Float64Array | Int32Array][] = [
        ['params', d.params],
        ['x', d.x],
        ['y', d.y],
        ['v', d.v],
        ['reference', ref.f32],
      ];
      if (ref.f64) blobs.push(['reference64', ref.f64]);
      for (const [what, a] of blobs) {
        await writeFile(file(what), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      }
      cases.push({
        name: d.bench.name,
        kind: d.bench.kind,
        spec: d.bench.spec,
        tensors: d.compiled.tensors,
        inputShape: d.compiled.inputShape,
        batch: d.bench.batch,
        trainingDropout: d.bench.trainingDropout,
        step: d.step,
        files: Object.fromEntries(blobs.map(([what]) => [what, file(what)])),
      });
    }
    const snake = (t: TimingOptions) => ({
      warmup: t.warmup,
      iterations: t.iterations,
      budget_ms: t.budgetMs,
      min_iterations: t.minIterations,
    });
    const result: TorchOutcome = { ok: true, version: '', blas: '', cases: [], gemm: [] };
    // A child per case (and one for the GEMM shapes): a process's peak resident size covers
    // everything it ran, so only then does it measure the case's rows.
    const runs: { cases: typeof cases; gemm: readonly GemmShape[] }[] = cases.map((c) => ({
      cases: [c],
      gemm: [],
    }));
    if (gemm.length > 0) runs.push({ cases: [], gemm });
    for (const threads of opts.threads) {
      for (const [i, run] of runs.entries()) {
        const manifest = join(dir, `manifest-${threads}-${i}.json`);
        const common = { threads, timing: snake(opts.timing), gemmTiming: snake(opts.gemmTiming) };
        await writeFile(manifest, JSON.stringify({ ...common, ...run }));
        const out = await childOutput(opts.python, manifest, threads);
        if ('note' in out) return { ok: false, note: out.note };
        result.version = out.torch;
        result.blas = out.blas;
        const memory = { peakBytes: out.memory.peak_bytes, startBytes: out.memory.start_bytes };
        result.cases.push(...out.cases.map((c) => ({ ...c, threads: out.threads, memory })));
        result.gemm.push(...out.gemm.map((g) => ({ ...g, threads: out.threads })));
      }
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
