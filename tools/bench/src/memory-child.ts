// The child process of memory.ts: runs one case on one in-process engine — the case's data, the
// engine's preparation, its result and a few steps, as the bench's row does — and prints its
// PeakMemory as JSON on stdout. Argument: a MemoryRequest as JSON.

import { makeCaseData } from './cases.js';
import { peakResidentBytes, residentBytes, type MemoryRequest, type PeakMemory } from './memory.js';
import { engines } from './run.js';

async function main(): Promise<PeakMemory> {
  const request = JSON.parse(process.argv[2] ?? '') as MemoryRequest;
  // Before anything of the case exists: the runtime and the modules every row's child loads.
  const startBytes = residentBytes();
  const data = await makeCaseData(request.bench);
  const engine = engines({ parallelThreads: request.parallelThreads })[request.engine];
  const runner = await engine.prepare(data);
  if (typeof runner === 'string') throw new Error(`${engine.name} skipped: ${runner}`);
  try {
    await runner.result();
    for (let i = 0; i < request.steps; i++) await runner.step();
    return { peakBytes: peakResidentBytes(), startBytes };
  } finally {
    await runner.dispose();
  }
}

// Libraries print banners with console.log; stdout carries only the result.
console.log = console.error;
main().then(
  // Exit once stdout is flushed: the wasm backends can leave handles open.
  (m) => process.stdout.write(JSON.stringify(m), () => process.exit(0)),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
