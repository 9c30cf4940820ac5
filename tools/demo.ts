// The engine demo run by `npm run demo`: builds a small classifier on a synthetic two-spiral
// data set, trains it with plain gradient descent on the WebAssembly engine, and probes the
// curvature of the trained minimum with finite-difference Hessian-vector products.

import { Network, Random } from '@pacgen/core-wasm';

function spirals(n: number, seed: number): { x: Float64Array; y: Int32Array } {
  const rng = new Random(seed);
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const r = rng.uniform();
    const t = 3 * Math.PI * r + cls * Math.PI;
    x[2 * i] = r * Math.cos(t) + 0.05 * rng.normal();
    x[2 * i + 1] = r * Math.sin(t) + 0.05 * rng.normal();
    y[i] = cls;
  }
  return { x, y };
}

const net = await Network.create(
  {
    inputShape: [2],
    layers: [
      { type: 'dense', units: 32, activation: 'tanh' },
      { type: 'dense', units: 32, activation: 'tanh' },
      { type: 'dense', units: 2 },
    ],
    loss: 'softmax-cross-entropy',
  },
  { precision: 'f64' },
);
net.initParams(1);
const train = spirals(400, 1);
const test = spirals(400, 2);
console.log(`network: 2-32-32-2 tanh, ${net.numParams} parameters, f64 engine`);

const lr = 0.5;
const t0 = performance.now();
for (let step = 0; step <= 3000; step++) {
  net.setData(train.x, train.y);
  const { loss, accuracy, grad } = net.gradient();
  const p = net.params;
  for (let i = 0; i < p.length; i++) p[i] -= lr * grad[i];
  if (step % 500 === 0) {
    net.setData(test.x, test.y);
    const t = net.evaluate();
    console.log(
      `step ${String(step).padStart(4)}  train loss ${loss.toFixed(4)} acc ${(100 * accuracy).toFixed(1)}%  ` +
        `test loss ${t.loss.toFixed(4)} acc ${(100 * t.accuracy).toFixed(1)}%`,
    );
  }
}
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s (full-batch gradient descent)`);

// Largest Hessian eigenvalue by power iteration on finite-difference HVPs (2 gradients each).
net.setData(train.x, train.y);
const rng = new Random(7);
let v = Float64Array.from({ length: net.numParams }, () => rng.normal());
let lambda = 0;
for (let k = 0; k < 50; k++) {
  const norm = Math.hypot(...v);
  v = v.map((x) => x / norm);
  const hv = net.hvp(v);
  lambda = hv.reduce((s, h, i) => s + h * v[i], 0);
  v = Float64Array.from(hv);
}
// Hessian diagonal by Hutchinson probes: h ≈ mean v ⊙ Hv.
const probes = 100;
const diag = new Float64Array(net.numParams);
for (let k = 0; k < probes; k++) {
  const z = rng.rademacher(new Float64Array(net.numParams));
  const hz = net.hvp(z);
  for (let i = 0; i < diag.length; i++) diag[i] += (z[i] * hz[i]) / probes;
}
const trace = diag.reduce((a, b) => a + b, 0);
console.log(`top Hessian eigenvalue ≈ ${lambda.toFixed(4)} (power iteration, 100 gradient evaluations)`);
console.log(`Hessian trace ≈ ${trace.toFixed(4)} (Hutchinson, ${probes} probes, ${2 * probes} gradient evaluations)`);
