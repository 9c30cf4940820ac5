// Finite-difference error study of the engine's Hessian-vector product (docs/method.md §7).
//
//   npx tsx tools/studies/fd-error.ts
//
// Relative error ‖Ĥv − Hv‖₂/‖Hv‖₂ of the engine's central-difference HVP against a reference,
// over the move s = ‖t·v‖₂ (the step rule of core-wasm's `hvpStep`: t = s/‖v‖₂ here, where
// every weight is below 1) from 1e-9 to 1e-1, for f32 and f64 engines, a tanh and two ReLU
// networks, and two kinds of direction: Rademacher probes (Hutchinson's, Hutch++'s, SLQ's) and
// unit vectors e_i (the exact diagonal's), and Richardson on the probes for the tanh network.
// Medians over 8 directions of each kind. For the ReLU
// networks it also gives the median kink crossings of a Rademacher product (the engine's count).
// The reference is the f64 engine's central difference with two Richardson levels (t, t/2, t/4;
// error O(t⁶)) at the same f32-representable parameters and data, at the largest move in
// 1e-2, 1e-3, … whose product crosses no kink; its floor is estimated by repeating it at a
// quarter of that move.

import {
  Network,
  Random,
  type KinkCount,
  type NetworkSpec,
  type Precision,
} from '../../packages/core-wasm/src/index.js';

const DIRECTIONS = 8;
const MOVES = Array.from({ length: 17 }, (_, k) => 10 ** (-9 + k / 2));

interface Case {
  label: string;
  activation: 'tanh' | 'relu';
  inputs: number;
  hidden: number[];
  classes: number;
  n: number;
}

const CASES: Case[] = [
  {
    label: 'tanh 5-16-16-3 n=128',
    activation: 'tanh',
    inputs: 5,
    hidden: [16, 16],
    classes: 3,
    n: 128,
  },
  {
    label: 'relu 5-16-16-3 n=2048',
    activation: 'relu',
    inputs: 5,
    hidden: [16, 16],
    classes: 3,
    n: 2048,
  },
  {
    label: 'relu 64-128-10 n=2048',
    activation: 'relu',
    inputs: 64,
    hidden: [128],
    classes: 10,
    n: 2048,
  },
];

function spec(c: Case): NetworkSpec {
  return {
    inputShape: [c.inputs],
    layers: [
      ...c.hidden.map((units) => ({ type: 'dense' as const, units, activation: c.activation })),
      { type: 'dense', units: c.classes },
    ],
    loss: 'softmax-cross-entropy',
  };
}

/** The case's network at a Glorot init and N(0, 1) data, both rounded to f32. */
async function network(c: Case, precision: Precision, seed: number): Promise<Network> {
  const net = await Network.create(spec(c), { precision });
  const ref = await Network.create(spec(c), { precision: 'f64' });
  net.setParams(Float64Array.from(ref.initParams(seed), Math.fround));
  const rng = new Random(seed);
  const x = Float64Array.from({ length: c.n * c.inputs }, () => Math.fround(rng.normal()));
  net.setData(
    x,
    Array.from({ length: c.n }, () => rng.int(c.classes)),
  );
  return net;
}

/** 8 Rademacher probes and 8 unit vectors at seeded coordinates. */
function directions(m: number, seed: number): { kind: 'rademacher' | 'unit'; v: Float64Array }[] {
  const rng = new Random(seed + 7);
  const out: { kind: 'rademacher' | 'unit'; v: Float64Array }[] = [];
  for (let k = 0; k < DIRECTIONS; k++) {
    out.push({ kind: 'rademacher', v: rng.rademacher(new Float64Array(m)) });
  }
  for (let k = 0; k < DIRECTIONS; k++) {
    const v = new Float64Array(m);
    v[rng.int(m)] = 1;
    out.push({ kind: 'unit', v });
  }
  return out;
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

/** Central difference at move s (t = s/‖v‖₂; Richardson on request), and its kink crossings. */
function central(
  net: Network,
  v: Float64Array,
  s: number,
  richardson = false,
): { hv: Float64Array; crossings: number } {
  const kinks: KinkCount = {};
  const hv = Float64Array.from(net.hvp(v, { step: s / norm(v), kinks, richardson }));
  return { hv, crossings: kinks.crossings ?? NaN };
}

/** Two Richardson levels over moves s, s/2, s/4: error O(s⁶). */
function extrapolated(net: Network, v: Float64Array, s: number): Float64Array {
  const d1 = central(net, v, s).hv;
  const d2 = central(net, v, s / 2).hv;
  const d4 = central(net, v, s / 4).hv;
  return d4.map((x, k) => (16 * ((4 * x - d2[k]) / 3) - (4 * d2[k] - d1[k]) / 3) / 15);
}

/** The reference at the largest kink-free move of 1e-3, 1e-4, …, and its floor. */
function reference(
  net: Network,
  v: Float64Array,
): { hv: Float64Array; move: number; floor: number } {
  let move = 1e-2;
  while (central(net, v, move).crossings > 0) move /= 10;
  const hv = extrapolated(net, v, move);
  return { hv, move, floor: relativeError(extrapolated(net, v, move / 4), hv) };
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : 0.5 * (s[k - 1] + s[k]);
}

const fmt = (x: number) => (x >= 1 ? x.toPrecision(2) : x === 0 ? '0' : x.toExponential(0));

async function main(): Promise<void> {
  const seed = 1;
  const columns: { label: string; values: number[] }[] = [];
  const notes: string[] = [];
  for (const c of CASES) {
    const ref64 = await network(c, 'f64', seed);
    const m = ref64.numParams;
    const dirs = directions(m, seed);
    const refs = dirs.map((d) => reference(ref64, d.v));
    notes.push(
      `${c.label} (m = ${m}): reference moves ${fmt(Math.min(...refs.map((r) => r.move)))}–${fmt(Math.max(...refs.map((r) => r.move)))}, floor ${fmt(median(refs.map((r) => r.floor)))}`,
    );
    for (const precision of ['f32', 'f64'] as const) {
      const net = await network(c, precision, seed);
      for (const kind of ['rademacher', 'unit'] as const) {
        const chosen = dirs
          .map((d, k) => ({ ...d, ref: refs[k].hv }))
          .filter((d) => d.kind === kind);
        const values = MOVES.map((s) =>
          median(chosen.map((d) => relativeError(central(net, d.v, s).hv, d.ref))),
        );
        columns.push({
          label: `${precision} ${c.label} ${kind === 'unit' ? 'e_i' : 'Rad.'}`,
          values,
        });
      }
      if (c.activation === 'tanh') {
        // Richardson (4·D(t) − D(2t))/3 on the probes: the smooth network's most accurate product.
        const probes = dirs
          .map((d, k) => ({ ...d, ref: refs[k].hv }))
          .filter((d) => d.kind === 'rademacher');
        const values = MOVES.map((s) =>
          median(probes.map((d) => relativeError(central(net, d.v, s, true).hv, d.ref))),
        );
        columns.push({ label: `${precision} ${c.label} Rad. Richardson`, values });
      }
    }
    if (c.activation === 'relu') {
      const probes = dirs.filter((d) => d.kind === 'rademacher');
      columns.push({
        label: `${c.label} crossings/Rad. product`,
        values: MOVES.map((s) => median(probes.map((d) => central(ref64, d.v, s).crossings))),
      });
    }
  }
  const lines: string[] = [];
  lines.push(
    `Median relative HVP error over ${DIRECTIONS} directions of each kind (Rad.: Rademacher, e_i: unit vectors), central differences, softmax cross-entropy, Glorot init, N(0,1) inputs, seed ${seed}; crossings: median kink crossings of an f64 Rademacher product.`,
  );
  lines.push(`References: ${notes.join('; ')}.`);
  lines.push('');
  lines.push(`| s = ‖t·v‖₂ | ${columns.map((c) => c.label).join(' | ')} |`);
  lines.push(`|---|${columns.map(() => '---').join('|')}|`);
  MOVES.forEach((s, r) => {
    lines.push(`| ${s.toExponential(0)} | ${columns.map((c) => fmt(c.values[r])).join(' | ')} |`);
  });
  console.log(lines.join('\n'));
}

await main();
