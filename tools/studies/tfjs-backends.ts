// Gradient and Hessian-vector product times of the TensorFlow.js Objective on every backend
// that starts here, beside core-wasm, for the `mlp` and `mnist-cnn` presets (docs/tfjs.md).
//
//   npx tsx --conditions=@pacgen/source tools/studies/tfjs-backends.ts [--batch 128] [--budget 3]
//
// Same seeded weights, batch and direction in every engine. Per cell: 2 warm-up calls, then
// calls until 10 are timed or the budget (seconds) is spent (at least 3, or 1 past 3× the
// budget); the median is reported. "HVP" is the Objective's plain-array call at a cached point
// (v up, Hv down, w ± tv on the device); "HVP on device" is hvpTensor on device tensors, synced
// by downloading one number. The relative gradient difference to core-wasm f32 checks that
// every row computes the same thing.

import { Network, Random, type NetworkSpec } from '@pacgen/core-wasm';
import { networkObjective, type Objective } from '@pacgen/metrics';
import { mlp, mnistCnn } from '@pacgen/metrics/models';
import {
  tf,
  tfjsObjective,
  useBackend,
  type TfjsBackendName,
  type TfjsObjective,
} from '@pacgen/metrics/tfjs';
import { availableParallelism, cpus } from 'node:os';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const BATCH = arg('batch', 128);
const BUDGET_MS = arg('budget', 3) * 1000;

async function time(fn: () => Promise<unknown>): Promise<{ ms: number; n: number }> {
  for (let i = 0; i < 2; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 10) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const spent = performance.now() - start;
    if (times.length >= 3 && spent > BUDGET_MS) break;
    if (spent > 3 * BUDGET_MS) break;
  }
  times.sort((a, b) => a - b);
  const k = times.length >> 1;
  return { ms: times.length % 2 ? times[k] : (times[k - 1] + times[k]) / 2, n: times.length };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    s += b[i] ** 2;
  }
  return Math.sqrt(d / s);
}

const fmtMs = (t: { ms: number; n: number } | null) =>
  t === null
    ? '—'
    : `${t.ms < 10 ? t.ms.toFixed(2) : t.ms < 100 ? t.ms.toFixed(1) : t.ms.toFixed(0)} (${t.n})`;

interface Row {
  model: string;
  engine: string;
  grad: { ms: number; n: number } | null;
  hvp: { ms: number; n: number } | null;
  device: { ms: number; n: number } | null;
  agree: string;
}

const rows: Row[] = [];
const notes: string[] = [];
const adapters = new Map<string, string>();

for (const [name, spec] of [
  ['mlp', mlp()],
  ['mnist-cnn', mnistCnn()],
] as [string, NetworkSpec][]) {
  const net = await Network.create(spec, { precision: 'f32' });
  net.initParams(1);
  const rng = new Random(2);
  const { inputSize, outputSize, numParams } = net.compiled;
  const x = Float32Array.from({ length: BATCH * inputSize }, () => rng.uniform());
  const y = Int32Array.from({ length: BATCH }, () => Math.floor(rng.uniform() * outputSize));
  const v = Float64Array.from({ length: numParams }, () => (rng.uniform() < 0.5 ? -1 : 1));
  net.setData(x, y);
  const w = Float64Array.from(net.params);
  const label = `${name} (m = ${numParams.toLocaleString('en')}, n = ${BATCH})`;
  const reference = (await networkObjective(net).gradient(w)).grad;

  for (const precision of ['f32', 'f64'] as const) {
    const n2 = await Network.create(spec, { precision });
    n2.setParams(w);
    n2.setData(x, y);
    const obj: Objective = networkObjective(n2);
    const g = await obj.gradient(w);
    rows.push({
      model: label,
      engine: `core-wasm ${precision} (1 thread)`,
      grad: await time(() => obj.gradient(w)),
      hvp: await time(() => obj.hvp(w, v)),
      device: null,
      agree: precision === 'f32' ? 'reference' : relErr(g.grad, reference).toExponential(1),
    });
    console.error(`done: ${label} core-wasm ${precision}`);
  }

  for (const backend of ['cpu', 'wasm', 'webgpu', 'webgl'] as TfjsBackendName[]) {
    let obj: TfjsObjective;
    try {
      const info = await useBackend(backend);
      if (info.adapter) adapters.set(backend, info.adapter);
      obj = await tfjsObjective({ spec, params: w, data: { x, y }, backend, chunk: BATCH });
    } catch (e) {
      const msg = (e as Error).message;
      if (!notes.some((n) => n.includes(msg))) notes.push(`tfjs ${backend}: ${msg}`);
      continue;
    }
    const g = await obj.gradient(w);
    const grad = await time(() => obj.gradient(w));
    const hvp = await time(() => obj.hvp(w, v));
    const wd = obj.upload(w);
    const vd = obj.upload(v);
    const device = await time(async () => {
      const out = obj.hvpTensor(wd, vd);
      const probe = tf.slice(out, 0, 1);
      await probe.data();
      tf.dispose([out, probe]);
    });
    rows.push({
      model: label,
      engine: `${obj.info.summary}${obj.chunk < BATCH ? ` (chunks of ${obj.chunk})` : ''}`,
      grad,
      hvp,
      device,
      agree: relErr(g.grad, reference).toExponential(1),
    });
    tf.dispose([wd, vd]);
    obj.dispose();
    console.error(`done: ${label} tfjs ${backend}`);
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `Gradient and HVP of the mean softmax cross-entropy, median ms (timed calls), batch ${BATCH}; ` +
    `Node ${process.version}, ${cpu}, ${availableParallelism()} cores.`,
);
for (const [backend, adapter] of adapters) console.log(`Adapter (${backend}): ${adapter}`);
console.log('');
console.log('| model | engine | gradient | HVP | HVP on device | gradient vs core-wasm f32 |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.model} | ${r.engine} | ${fmtMs(r.grad)} | ${fmtMs(r.hvp)} | ${fmtMs(r.device)} | ${r.agree} |`,
  );
}
if (notes.length) {
  console.log('');
  for (const n of notes) console.log(`- not run: ${n}`);
}
