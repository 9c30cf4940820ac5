// Finite-difference error study of the engine's Hessian-vector product (docs/method.md).
//
//   npx tsx tools/studies/fd-error.ts
//
// Relative error ‖Ĥv − Hv‖₂/‖Hv‖₂ of the engine's HVP (central, and Richardson (4D(t) − D(2t))/3)
// against a reference, over steps s = t·‖v‖∞ (the largest coordinate move) from 1e-8 to 1e-1,
// for f32 and f64 engines, a tanh and a ReLU network. Median over Rademacher directions v (the
// Hutchinson probes). The reference is the f64 engine's central difference at a step t_ref with
// two Richardson levels (error O(t⁶)) at the same f32-representable parameters and data; its
// floor is estimated by repeating it at t_ref/4. t_ref is small for ReLU: a step that carries a
// pre-activation across 0 differences across the kink, and kinks get denser with n.

import {
  Network,
  Random,
  type NetworkSpec,
  type Precision,
} from '../../packages/core-wasm/src/index.js';

const DIRECTIONS = 8;
const STEPS = Array.from({ length: 15 }, (_, k) => 10 ** (-8 + k / 2));

function spec(activation: 'tanh' | 'relu'): NetworkSpec {
  return {
    inputShape: [5],
    layers: [
      { type: 'dense', units: 16, activation },
      { type: 'dense', units: 16, activation },
      { type: 'dense', units: 3 },
    ],
    loss: 'softmax-cross-entropy',
  };
}

interface Case {
  activation: 'tanh' | 'relu';
  n: number;
  /** Reference step (largest coordinate move). */
  tRef: number;
}

const CASES: Case[] = [
  { activation: 'tanh', n: 128, tRef: 1e-3 },
  { activation: 'relu', n: 128, tRef: 1e-5 },
  { activation: 'relu', n: 2048, tRef: 1e-6 },
];

/** Data and directions, rounded to f32 so both engines see the same numbers. */
function problem(numParams: number, n: number, seed: number) {
  const rng = new Random(seed);
  const x = Float64Array.from({ length: n * 5 }, () => Math.fround(rng.normal()));
  const y = Array.from({ length: n }, () => rng.int(3));
  const dirs = Array.from({ length: DIRECTIONS }, () =>
    rng.rademacher(new Float64Array(numParams)),
  );
  return { x, y, dirs };
}

async function network(c: Case, precision: Precision, seed: number): Promise<Network> {
  const net = await Network.create(spec(c.activation), { precision });
  // Glorot init (from the f64 stream), rounded to f32.
  const ref = await Network.create(spec(c.activation), { precision: 'f64' });
  const w = Float64Array.from(ref.initParams(seed), Math.fround);
  const { x, y } = problem(net.numParams, c.n, seed);
  net.setParams(w);
  net.setData(x, y);
  return net;
}

/** Central difference at absolute step t (no engine Richardson). */
function central(net: Network, v: Float64Array, t: number): Float64Array {
  return Float64Array.from(net.hvp(v, { step: t }));
}

/** Two Richardson levels over t, t/2, t/4: error O(t⁶). */
function reference(net: Network, v: Float64Array, t: number): Float64Array {
  const d1 = central(net, v, t);
  const d2 = central(net, v, t / 2);
  const d4 = central(net, v, t / 4);
  return d4.map((x, k) => (16 * ((4 * x - d2[k]) / 3) - (4 * d2[k] - d1[k]) / 3) / 15);
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

const fmt = (x: number) => (x >= 1 ? x.toPrecision(2) : x.toExponential(0));

async function main(): Promise<void> {
  const seed = 1;
  const columns: { label: string; errors: number[] }[] = [];
  const floors: string[] = [];
  for (const c of CASES) {
    const ref64 = await network(c, 'f64', seed);
    const { dirs } = problem(ref64.numParams, c.n, seed);
    const refs = dirs.map((v) => reference(ref64, v, c.tRef));
    const check = dirs.map((v, k) => relativeError(reference(ref64, v, c.tRef / 4), refs[k]));
    floors.push(
      `${c.activation} n=${c.n}: t_ref ${c.tRef.toExponential(0)}, ${fmt(median(check))}`,
    );
    for (const precision of ['f32', 'f64'] as const) {
      const net = await network(c, precision, seed);
      for (const richardson of [false, true]) {
        const errors = STEPS.map((s) =>
          median(dirs.map((v, k) => relativeError(net.hvp(v, { step: s, richardson }), refs[k]))),
        );
        columns.push({
          label: `${precision} ${c.activation} n=${c.n} ${richardson ? 'Rich.' : 'central'}`,
          errors,
        });
      }
    }
  }
  const lines: string[] = [];
  lines.push(`Median relative HVP error over ${DIRECTIONS} Rademacher directions; network`);
  lines.push(
    `5→16→16→3 (m = 419), softmax cross-entropy, Glorot init, N(0,1) inputs, seed ${seed}.`,
  );
  lines.push(`Reference and its floor (vs t_ref/4): ${floors.join('; ')}.`);
  lines.push('');
  lines.push(`| s = t·‖v‖∞ | ${columns.map((c) => c.label).join(' | ')} |`);
  lines.push(`|---|${columns.map(() => '---').join('|')}|`);
  STEPS.forEach((s, r) => {
    lines.push(`| ${s.toExponential(0)} | ${columns.map((c) => fmt(c.errors[r])).join(' | ')} |`);
  });
  const best = columns.map((c) => {
    let k = 0;
    c.errors.forEach((e, i) => (e < c.errors[k] ? (k = i) : 0));
    return `${c.label}: ${STEPS[k].toExponential(0)} (${fmt(c.errors[k])})`;
  });
  lines.push('');
  lines.push(`Best step per column: ${best.join('; ')}.`);
  console.log(lines.join('\n'));
}

await main();
