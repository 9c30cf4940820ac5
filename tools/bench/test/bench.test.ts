// The bench at its smallest settings: the CLI's --json contract, and that core-wasm and
// tfjs-cpu compute the same gradients (so the timings compare the same computation).

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { CASES, makeCaseData } from '../src/cases.js';
import { coreWasm } from '../src/engines/corewasm.js';
import { DEFAULT_PYTHON } from '../src/engines/torch.js';
import { tfjsEngine } from '../src/engines/tfjs.js';
import { GEMM_SHAPES } from '../src/gemm.js';
import { evaluateGoals } from '../src/goals.js';
import type { JsonRow } from '../src/report.js';
import { benchCase, relativeError, type Row } from '../src/run.js';
import { measure, median } from '../src/timing.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tiny = { warmup: 0, iterations: 1, budgetMs: 0, minIterations: 1 };

/** Runs src/main.ts from source (no build needed) and returns its stdout. */
function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@pacgen/source', '--import', 'tsx', 'src/main.ts', ...args],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (err += b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`bench exited ${code}:\n${err}`)),
    );
  });
}

const torchAvailable =
  spawnSync(DEFAULT_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe('npm run bench -- --json', () => {
  it('prints only rows for every case and engine', async () => {
    const out = await runCli([
      '--json',
      '--batch',
      '8',
      '--warmup',
      '0',
      '--iterations',
      '1',
      '--torch-threads',
      '1',
    ]);
    const rows = JSON.parse(out) as JsonRow[];
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['case', 'engine', 'median_ms', 'threads']);
      expect(r.median_ms).toBeGreaterThan(0);
      expect(r.threads).toBeGreaterThanOrEqual(1);
    }
    const has = (c: string, engine: string) =>
      rows.some((r) => r.case === c && r.engine === engine);
    for (const c of CASES) {
      expect(has(c.name, 'core-wasm')).toBe(true);
      expect(has(c.name, 'tfjs-cpu')).toBe(true);
      // tfjs-wasm has no conv filter gradient: its cnn-grad row is skipped.
      expect(has(c.name, 'tfjs-wasm')).toBe(c.name !== 'cnn-grad');
      expect(has(c.name, 'pytorch')).toBe(torchAvailable);
    }
    for (const s of GEMM_SHAPES) {
      for (const e of ['core-wasm', 'tfjs-wasm', 'tfjs-cpu']) {
        expect(has(`gemm-${s.name}`, e)).toBe(true);
      }
    }
  });
});

describe('agreement', () => {
  // Batch 8 keeps tfjs-cpu's CNN filter gradient (seconds per pass at 128) short.
  it.each(CASES.map((c) => c.name))('%s: core-wasm and tfjs-cpu agree to 1e-3', async (name) => {
    const bench = { ...CASES.find((c) => c.name === name)!, batch: 8 };
    const data = await makeCaseData(bench);
    const r = await benchCase(data, [coreWasm, tfjsEngine('cpu')], tiny);
    expect(r.agreement).toHaveLength(1);
    expect(r.agreement[0].engine).toBe('tfjs-cpu');
    expect(r.agreement[0].rel_err).toBeLessThan(1e-3);
    expect(r.rows.map((row) => row.median_ms! > 0)).toEqual([true, true]);
  });
});

describe('pieces', () => {
  it('median, relative error and the timing rule', async () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(relativeError([1, 2], [1, 2])).toBe(0);
    expect(relativeError([0, 1], [0, 2])).toBeCloseTo(0.5);
    let calls = 0;
    const t = await measure(() => calls++, { ...tiny, warmup: 2, iterations: 5, budgetMs: 1e9 });
    expect(t.iterations).toBe(5);
    expect(calls).toBe(7);
  });

  it('parses options', () => {
    const o = parseArgs(['--json', '--quick', '--cases', 'mlp-grad,gemm', '--iterations', '3']);
    expect(o.json && o.quick).toBe(true);
    expect(o.selections).toEqual(['mlp-grad', 'gemm']);
    expect(o.timing.iterations).toBe(3);
    expect(() => parseArgs(['--cases', 'nope'])).toThrow(/unknown case/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option/);
  });

  it('evaluates the goals from rows', () => {
    const row = (c: string, engine: string, ms: number, threads = 1): Row => ({
      case: c,
      engine,
      threads,
      median_ms: ms,
      iterations: 1,
    });
    const goals = evaluateGoals([
      row('mlp-grad', 'core-wasm', 1),
      row('mlp-grad', 'tfjs-wasm', 6),
      row('cnn-grad', 'core-wasm', 10),
      row('cnn-grad', 'tfjs-cpu', 50),
      row('mlp-grad', 'pytorch', 0.4),
    ]);
    expect(goals.map((g) => g.met)).toEqual([true, false, false, false]);
    expect(goals[2].measured).toMatch(/2\.50×/);
  });
});
