// What the diagonal studies share (docs/method.md §5.1, §5.2): an MNIST preset trained briefly,
// scored in f64 on the first n training images, and the check that the engine's GGN diagonal is
// the Hessian diagonal on a piecewise-linear network (exact coordinate HVPs h_i = [H e_i]_i).

import { Network, Random, type NetworkSpec } from '@pacgen/core-wasm';
import { hessianAt, networkObjective, type Objective } from '@pacgen/metrics';
import { loadMnist } from '@pacgen/metrics/node';
import { adam, train } from '@pacgen/metrics/train';

/** Command-line number `--name value`, else the fallback. */
export function numberFlag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export interface TrainedPreset {
  net: Network;
  obj: Objective;
  w: Float64Array;
  m: number;
}

/**
 * The preset trained one epoch with Adam (lr 1e-3, batch 64, seed 1) on 10,000 standardised
 * MNIST images, as an f64 objective over the first `samples` of them.
 */
export async function trainedMnistPreset(
  name: string,
  spec: NetworkSpec,
  samples: number,
): Promise<TrainedPreset> {
  const data = await loadMnist({ normalization: 'standard', subset: { train: 10000 }, seed: 7 });
  const t0 = performance.now();
  const trained = await train({
    spec,
    data: { train: data.train },
    optimizer: adam({ learningRate: 1e-3 }),
    epochs: 1,
    batchSize: 64,
    seed: 1,
  });
  const net = await Network.create(spec, { precision: 'f64' });
  net.setParams(trained.params);
  net.setData(data.train.x.subarray(0, samples * 784), data.train.y.subarray(0, samples));
  const w = Float64Array.from(trained.params);
  const obj = networkObjective(net, { params: w });
  console.error(
    `${name}: m = ${obj.numParams}, trained in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  return { net, obj, w, m: obj.numParams };
}

/**
 * Largest |h_i − [H e_i]_i| over `count` random coordinates, relative to max|h_i|: how far the
 * diagonal h is from the exact Hessian diagonal. Cost 2·count + 1 gradient evaluations.
 */
export async function coordinateCheck(
  obj: Objective,
  w: Float64Array,
  h: Float64Array,
  count: number,
): Promise<number> {
  const op = await hessianAt(obj, w, {});
  const rng = new Random(99);
  const e = new Float64Array(obj.numParams);
  let worst = 0;
  let scale = 0;
  for (const hi of h) scale = Math.max(scale, Math.abs(hi));
  for (let k = 0; k < count; k++) {
    const i = rng.int(obj.numParams);
    e[i] = 1;
    const exact = (await op.apply(e))[i];
    e[i] = 0;
    worst = Math.max(worst, Math.abs(exact - h[i]) / scale);
  }
  return worst;
}
