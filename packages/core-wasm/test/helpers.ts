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
