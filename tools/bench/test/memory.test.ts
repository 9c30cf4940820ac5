// The peak-memory column: every timed row of a case, in-process engines and PyTorch alike, gets
// the peak resident size of a child process that ran only that row.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { CASES, makeCaseData } from '../src/cases.js';
import { DEFAULT_PYTHON } from '../src/engines/torch.js';
import { renderReport } from '../src/report.js';
import { runBench } from '../src/run.js';

const torchAvailable =
  spawnSync(DEFAULT_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe('peak memory', () => {
  it('measures every timed mlp-grad row above the size of the case’s data', async () => {
    const opts = parseArgs(
      '--cases mlp-grad --batch 32 --warmup 0 --iterations 1 --torch-threads 1'.split(' '),
    );
    const result = await runBench(opts, () => undefined);
    const data = await makeCaseData({ ...CASES.find((c) => c.name === 'mlp-grad')!, batch: 32 });
    // What every engine holds at least once: weights, inputs, labels (and the gradient's size).
    const dataBytes = data.params.byteLength + data.x.byteLength + data.y.byteLength;
    const timed = result.rows.filter((r) => r.median_ms !== null);
    const engines = timed.map((r) => `${r.engine}/${r.threads}`);
    expect(engines).toEqual(
      expect.arrayContaining(['core-wasm/1', 'tfjs-wasm/1', 'tfjs-cpu/1', 'jax-js-wasm/1']),
    );
    expect(engines.includes('pytorch/1')).toBe(torchAvailable);
    for (const r of timed) {
      const m = r.memory!;
      expect(m.startBytes).toBeGreaterThan(0);
      // The row's own memory: the data in the engine's layout plus its activations and gradient.
      expect(m.peakBytes - m.startBytes).toBeGreaterThan(dataBytes);
      // A whole runtime (Node or Python with torch) lies under it, tens of MiB at least.
      expect(m.peakBytes).toBeGreaterThan(20 * 2 ** 20);
    }
    const report = renderReport(result, opts);
    expect(report).toMatch(/peak RSS MiB \(\+ row\)/);
    expect(report).toMatch(/peak resident set size \(getrusage\)/);
  });
});
