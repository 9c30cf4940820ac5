// Speed-up of ParallelNetwork over Network for one gradient (not a test: timings vary by
// machine). Run from packages/core-wasm: npx tsx test/parallel-speedup.ts [threads]
import { Network, ParallelNetwork, Random, type NetworkSpec } from '../src/index.js';

const spec: NetworkSpec = {
  inputShape: [784],
  layers: [
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 64, activation: 'relu' },
    { type: 'dense', units: 10 },
  ],
  loss: 'softmax-cross-entropy',
};
const n = 1024;
const threads = Number(process.argv[2] ?? 2);
const rng = new Random(1);
const x = Float32Array.from({ length: n * 784 }, () => rng.normal());
const y = Array.from({ length: n }, () => rng.int(10));

/**
 * Minimum and median milliseconds of each function, timed alternately so that load from other
 * processes hits both alike. On a shared machine the minimum is the better estimate of the
 * uncontended time (the parallel run needs every core free at once).
 */
async function time(fs: (() => unknown)[], reps = 60, warm = 5): Promise<[number, number][]> {
  for (let i = 0; i < warm; i++) for (const f of fs) await f();
  const t = fs.map(() => [] as number[]);
  for (let i = 0; i < reps; i++) {
    for (let k = 0; k < fs.length; k++) {
      const t0 = performance.now();
      await fs[k]();
      t[k].push(performance.now() - t0);
    }
  }
  return t.map((ts) => ts.sort((a, b) => a - b)).map((ts) => [ts[0], ts[reps >> 1]]);
}

const net = await Network.create(spec, { precision: 'f32' });
net.initParams(1);
net.setData(x, y);
const par = await ParallelNetwork.create(spec, { precision: 'f32', threads });
par.setParams(net.params);
await par.setData(x, y);

const w = Float32Array.from(net.params);
const rows: [string, [number, number][]][] = [
  ['gradient', await time([() => net.gradient(), () => par.gradient()])],
  // A training step changes the params every call, so they are sent to the workers each time.
  [
    'setParams + gradient',
    await time([
      () => (net.setParams(w), net.gradient()),
      () => (par.setParams(w), par.gradient()),
    ]),
  ],
];
await par.terminate();

const ms = (t: number) => `${t.toFixed(2)} ms`;
console.log(`784-128-64-10 relu MLP, f32, gradient over ${n} samples (${net.numParams} params)`);
console.log(`Network vs ParallelNetwork(threads=${threads}), min | median:`);
for (const [label, [[s0, s1], [p0, p1]]] of rows) {
  console.log(
    `${label.padEnd(22)} ${ms(s0)} vs ${ms(p0)} = ${(s0 / p0).toFixed(2)}x | ${ms(s1)} vs ${ms(p1)} = ${(s1 / p1).toFixed(2)}x`,
  );
}
