// The activation pool's plan: each node's output and output gradient get a place in one pool,
// and two buffers share space when their lifetimes do not overlap. A pass is a timeline: the
// forward pass runs node i at time i, the loss at time N, the backward pass node i at 2N − i.
// An output lives from its node's forward step to its last reader (a later node's forward, or
// a backward step that reads it: dense, conv, activations and norms read their input, an
// activation its output); a gradient lives from the backward step of its last consumer (the
// first to write it) to its own node's backward step.

import type { ActivationPlan, CompiledLayer } from './compiled.js';

/** A buffer of `size` reals per sample alive over the steps [start, end]. */
interface Interval {
  size: number;
  start: number;
  end: number;
  offset: number;
}

/** Sizes are rounded to 4 reals so that every buffer starts 16-byte aligned for SIMD. */
const ALIGN = 4;

/**
 * Plans the outputs and gradients of the compiled nodes (inputs resolved). A node needs a
 * gradient when it or a node before it has parameters. Cost: O(buffers²) (greedy placement,
 * largest first, at the lowest offset free over the buffer's lifetime) up to GREEDY_LIMIT
 * buffers, O(buffers) above.
 */
export function planActivations(layers: CompiledLayer[]): ActivationPlan {
  const N = layers.length;
  const consumers: number[][] = layers.map(() => []);
  layers.forEach((l, i) => l.inputs.forEach((j) => j >= 0 && consumers[j].push(i)));
  const needsGrad = hasParametersUpstream(layers);
  const outs: Interval[] = layers.map((l, i) => {
    let end = i === N - 1 ? N : i;
    if (l.backwardReads.output && needsGrad[i]) end = Math.max(end, 2 * N - i);
    for (const c of consumers[i]) {
      end = Math.max(end, c);
      if (layers[c].backwardReads.input && needsGrad[c]) end = Math.max(end, 2 * N - c);
    }
    return { size: align(l.outSize), start: i, end, offset: 0 };
  });
  const grads: (Interval | null)[] = layers.map((l, i) => {
    if (!needsGrad[i]) return null;
    const first = i === N - 1 ? N : 2 * N - Math.max(...consumers[i]);
    return { size: align(l.outSize), start: first, end: 2 * N - i, offset: 0 };
  });
  const perSample = place([...outs, ...grads.filter((g): g is Interval => g !== null)]);
  // The consumer processed first in the backward pass (the latest one) writes a gradient; the
  // others add to it. Within one node, its first edge to an input writes.
  const written = new Uint8Array(N);
  const accumulate: boolean[][] = layers.map((l) => l.inputs.map(() => false));
  for (let c = N - 1; c >= 0; c--) {
    layers[c].inputs.forEach((j, k) => {
      if (j < 0) return;
      accumulate[c][k] = written[j] === 1;
      written[j] = 1;
    });
  }
  return {
    act: outs.map((o) => o.offset),
    delta: grads.map((g) => (g ? g.offset : -1)),
    accumulate,
    perSample,
  };
}

const align = (n: number) => Math.ceil(Math.max(1, n) / ALIGN) * ALIGN;

/** Whether each node has weights at or before it, i.e. whether its output gradient is used. */
function hasParametersUpstream(layers: CompiledLayer[]): boolean[] {
  const has: boolean[] = [];
  layers.forEach((l, i) => {
    has[i] = l.weightOffset >= 0 || l.biasOffset >= 0 || l.inputs.some((j) => j >= 0 && has[j]);
  });
  return has;
}

/**
 * Above this many buffers the greedy placement (quadratic: each buffer is checked against every
 * one placed) gives way to one slot per buffer, linear in their number: only graphs of thousands
 * of nodes get there (a file of 20,000 layers must load in seconds), and real networks stay far
 * below it (resnet20: about 140 buffers).
 */
const GREEDY_LIMIT = 2048;

/** Places the intervals (setting their offsets); returns the pool size. */
function place(intervals: Interval[]): number {
  if (intervals.length > GREEDY_LIMIT) {
    let end = 0;
    for (const iv of intervals) {
      iv.offset = end;
      end += iv.size;
    }
    return end;
  }
  const order = [...intervals].sort((a, b) => b.size - a.size || a.start - b.start);
  const placed: Interval[] = [];
  let total = 0;
  for (const iv of order) {
    const clashes = placed
      .filter((p) => p.start <= iv.end && iv.start <= p.end)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of clashes) {
      if (offset + iv.size <= p.offset) break;
      offset = Math.max(offset, p.offset + p.size);
    }
    iv.offset = offset;
    placed.push(iv);
    total = Math.max(total, offset + iv.size);
  }
  return total;
}
