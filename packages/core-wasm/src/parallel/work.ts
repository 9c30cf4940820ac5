// How much work a ParallelNetwork pass is, and whether handing chunks of it to workers pays.
// A chunk a worker computes costs the calling thread a message round trip and, for a gradient
// or HVP, one vector of numParams values sliced in the worker, transferred and copied into the
// caller's engine; a thread that computes the chunk itself pays neither. So workers are used
// only when a chunk's arithmetic is large against that hand-off (docs/engine.md, "Threads").
// The rule depends on the network and the chunk, never on the thread count, and any thread
// count gives the same bits, so choosing it changes only the time.

import { OP, type CompiledNetwork } from '../compile/compiled.js';
import { columnsPerSample } from '../compile/layers.js';

/**
 * Multiply-adds of one forward pass per sample: inputs × units for a dense layer, columns ×
 * filters for a convolution (its GEMMs), one per output value for every other node. O(layers).
 */
export function forwardMacsPerSample(compiled: CompiledNetwork): number {
  let macs = 0;
  for (const l of compiled.layers) {
    if (l.op === OP.dense) macs += l.inSize * l.outSize;
    else if (l.op === OP.conv2d) macs += columnsPerSample(l) * l.outShape[2];
    else macs += l.outSize;
  }
  return macs;
}

/** Forward passes' worth of work in a pass: a gradient is ≈ 3 (forward, and two GEMMs back). */
export const PASS_COST = { evaluate: 1, gradient: 3, hvp: 6, richardson: 12 } as const;

/**
 * The hand-off measured on the bench machine (2-core AMD EPYC, Node 20, 2026-12-03): an idle
 * worker's round trip 0.07 ms (rounded up to 0.1), a returned vector 3 ns per value (slice in
 * the worker 2.5 ns, copy into the caller's engine and the transfer the rest), at the engine's
 * 15 multiply-adds per ns (the MLP gradient at batch 256, 78 M multiply-adds in 5.24 ms, f32,
 * FMA build, one thread). In multiply-adds: 1.5 M per round trip and 45 per returned value.
 */
export const HANDOFF_MACS = { roundTrip: 1.5e6, perValue: 45 } as const;

/**
 * Whether a pass should use workers: when one chunk's multiply-adds are at least twice the
 * hand-off of sending it to a worker (so a worker's share of the time is at least two thirds
 * arithmetic). `margin` scales that factor of 2 (0: always use workers).
 */
export function workersPay(chunkMacs: number, outValues: number, margin = 1): boolean {
  const handoff = HANDOFF_MACS.roundTrip + HANDOFF_MACS.perValue * outValues;
  return chunkMacs >= 2 * margin * handoff;
}

/**
 * Passes kept on the calling thread after the workers lost once, and the most after many: at
 * most 16, so that a loss while the workers' code was still compiling (their first passes) or
 * the machine briefly busy costs little, and a split pass that keeps losing on a loaded machine
 * is tried once in 17 passes.
 */
export const BACKOFF = { first: 4, most: 16 } as const;

/**
 * Whether the workers paid lately on this machine. The rule above assumes they get a core each;
 * on a loaded machine they may not (a second thread adds little CPU, and every hand-off waits
 * to be scheduled), and a pass split over threads can take longer than one thread would. So a
 * pass that used workers is compared with its own chunks' times × the chunk count (what one
 * thread would have taken): when it took longer, the next BACKOFF.first passes run on the
 * calling thread, twice as many after each further loss (up to BACKOFF.most), and a win resets
 * it. Only the time changes: results are the same for any thread count.
 */
export class WorkerPolicy {
  private skip = 0;
  private backoff: number = BACKOFF.first;

  /** Whether the next pass may use workers (counting down a back-off). */
  allow(): boolean {
    if (this.skip === 0) return true;
    this.skip--;
    return false;
  }

  /** A pass that used workers took `ms`; one thread would have taken about `serialMs`. */
  record(ms: number, serialMs: number): void {
    if (ms <= serialMs) {
      this.backoff = BACKOFF.first;
      return;
    }
    this.skip = this.backoff;
    this.backoff = Math.min(2 * this.backoff, BACKOFF.most);
  }
}
