// What the machine offers to more than one thread: on shared or hyper-threaded virtual CPUs,
// two threads may get far less than twice the throughput of one, which the 2-thread rows of
// every engine then reflect.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

// A fixed multiply-add loop over L1-resident arrays (like a compute kernel), timed inside the
// worker so start-up is not counted.
const SPIN = `
const { parentPort } = require('node:worker_threads');
const a = new Float64Array(1024).map((_, i) => i * 1e-3), b = a.map((v) => 1 - v);
const t0 = performance.now();
let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
for (let r = 0; r < 30000; r++) {
  for (let i = 0; i < 1024; i += 4) {
    s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3];
  }
}
parentPort.postMessage({ ms: performance.now() - t0, x: s0 + s1 + s2 + s3 });
`;

function spin(): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SPIN, { eval: true });
    w.once('message', (m: { ms: number }) => {
      resolve(m.ms);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

export interface ParallelCapacity {
  /** Logical CPUs Node reports. */
  cpus: number;
  /** Throughput of `threads` busy threads relative to one (ideal: threads). */
  scaling: number;
  threads: number;
}

/** Runs the same loop on 1 and then `threads` workers at once (under a second in all). */
export async function parallelCapacity(threads = 2): Promise<ParallelCapacity> {
  const one = await spin();
  const many = await Promise.all(Array.from({ length: threads }, spin));
  const slowest = Math.max(...many);
  return { cpus: availableParallelism(), threads, scaling: (threads * one) / slowest };
}
