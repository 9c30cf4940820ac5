import { Network, Random, type NetworkOptions, type NetworkSpec } from '../src/index.js';

/** A network with seeded parameters and a seeded synthetic data set fitting its spec. */
export async function makeNetwork(
  spec: NetworkSpec,
  n: number,
  opts: NetworkOptions & { seed?: number } = {},
): Promise<Network> {
  const net = await Network.create(spec, { precision: 'f64', ...opts });
  const seed = opts.seed ?? 1;
  net.initParams(seed);
  const rng = new Random(seed + 100);
  const c = net.compiled;
  const x = Array.from({ length: n * c.inputSize }, () => rng.normal());
  const y = c.targetIsLabel
    ? Array.from({ length: n }, () => rng.int(c.outputSize))
    : Array.from({ length: n * c.outputSize }, () =>
        c.loss === 'sigmoid-bce' ? rng.uniform() : rng.normal(),
      );
  net.setData(x, y);
  return net;
}

/**
 * Central-difference gradient of the mean loss, coordinate by coordinate (f64 reference); with
 * `training`, of the training-mode loss (batch-norm batch statistics).
 */
export function numericGradient(net: Network, h = 1e-6, training = false): Float64Array {
  const p = net.params;
  const g = new Float64Array(net.numParams);
  for (let i = 0; i < g.length; i++) {
    const o = p[i];
    p[i] = o + h;
    const a = net.evaluate({ training }).loss;
    p[i] = o - h;
    const b = net.evaluate({ training }).loss;
    p[i] = o;
    g[i] = (a - b) / (2 * h);
  }
  return g;
}

/** ‖a − b‖₂ / ‖b‖₂. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * The generalized Gauss-Newton matrix (1/n) Σ_n J_nᵀ H_n J_n of the mean loss over the inputs x
 * (n samples) as m rows, from full Jacobians of the outputs by central differences of `predict`
 * (f64 reference) and the loss's output Hessian: softmax CE diag(p) − ppᵀ, sigmoid BCE
 * diag(σ(1 − σ)), mse (2/O)·I.
 */
export function explicitGgn(net: Network, x: number[], h = 1e-6): Float64Array[] {
  const m = net.numParams;
  const O = net.compiled.outputSize;
  const n = x.length / net.compiled.inputSize;
  const p = net.params;
  const J = Array.from({ length: m }, (_, i) => {
    const o = p[i];
    p[i] = o + h;
    const a = net.predict(x);
    p[i] = o - h;
    const b = net.predict(x);
    p[i] = o;
    return a.map((v, k) => (v - b[k]) / (2 * h));
  });
  const probs = net.predict(x, { probabilities: true });
  const loss = net.compiled.loss;
  const outputHessian = (row: number, a: number, b: number): number => {
    const pa = probs[row + a];
    if (loss === 'softmax-cross-entropy') return (a === b ? pa : 0) - pa * probs[row + b];
    if (loss === 'sigmoid-bce') return a === b ? pa * (1 - pa) : 0;
    return a === b ? 2 / O : 0;
  };
  return Array.from({ length: m }, (_, i) =>
    Float64Array.from({ length: m }, (_, j) => {
      let s = 0;
      for (let s0 = 0; s0 < n; s0++) {
        const row = s0 * O;
        for (let a = 0; a < O; a++) {
          for (let b = 0; b < O; b++) s += J[i][row + a] * outputHessian(row, a, b) * J[j][row + b];
        }
      }
      return s / n;
    }),
  );
}
