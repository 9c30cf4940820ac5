import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Network,
  hvpStep,
  PacgenError,
  ParallelNetwork,
  Random,
  type NetworkSpec,
  type Samples,
} from '../src/index.js';
import { compileNetwork } from '../src/compile/compile-network.js';
import {
  BACKOFF,
  HANDOFF_MACS,
  WorkerPolicy,
  forwardMacsPerSample,
  workersPay,
} from '../src/parallel/work.js';

const mlp: NetworkSpec = {
  inputShape: [5],
  layers: [
    { type: 'dense', units: 8, activation: 'tanh' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 6, activation: 'relu' },
    { type: 'dense', units: 3 },
  ],
  loss: 'softmax-cross-entropy',
};

const cnn: NetworkSpec = {
  inputShape: [6, 6, 2],
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxpool2d', poolSize: 2 },
    { type: 'dropout', rate: 0.25 },
    { type: 'conv2d', filters: 4, kernelSize: 2, activation: 'tanh' },
    { type: 'flatten' },
    { type: 'dense', units: 3 },
  ],
  loss: 'softmax-cross-entropy',
};

const N = 23; // odd, so parts are uneven
const open: ParallelNetwork[] = [];
afterAll(() => Promise.all(open.map((p) => p.terminate())));

/** A seeded data set fitting the spec (labels for softmax cross-entropy). */
function dataFor(
  net: { compiled: Network['compiled'] },
  n: number,
  seed: number,
): { x: number[]; y: number[] } {
  const rng = new Random(seed);
  const c = net.compiled;
  return {
    x: Array.from({ length: n * c.inputSize }, () => rng.normal()),
    y: Array.from({ length: n }, () => rng.int(c.outputSize)),
  };
}

/** A Network and a ParallelNetwork with the same (f64) params and data. */
async function pair(spec: NetworkSpec, threads: number, seed = 1) {
  const opts = { precision: 'f64', maxBatch: 4 } as const;
  const net = await Network.create(spec, opts);
  const par = await ParallelNetwork.create(spec, { ...opts, threads });
  open.push(par);
  net.initParams(seed);
  par.setParams(net.params);
  const { x, y } = dataFor(net, N, seed + 100);
  net.setData(x, y);
  await par.setData(x, y);
  return { net, par };
}

/** max |a − b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

const close = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.abs(b));

const selections: [string, Samples | undefined][] = [
  ['all samples', undefined],
  ['a range', { start: 3, count: 13 }],
  ['an index list', [22, 0, 5, 5, 17, 3, 9, 11, 2]],
  ['an Int32Array index list', Int32Array.from([1, 4, 8, 15, 16, 20, 21])],
];

for (const [label, spec] of [
  ['MLP', mlp],
  ['CNN', cnn],
] as const) {
  describe(`ParallelNetwork(threads=2) equals Network: ${label} with dropout, f64`, () => {
    let ready: ReturnType<typeof pair>;
    beforeAll(() => {
      ready = pair(spec, 2);
    });

    for (const [what, samples] of selections) {
      it(`evaluate, gradient and hvp over ${what}`, async () => {
        const { net, par } = await ready;
        const e = net.evaluate({ samples });
        const pe = await par.evaluate({ samples });
        close(pe.loss, e.loss);
        close(pe.accuracy, e.accuracy);
        expect(pe.count).toBe(e.count);

        const g = net.gradient({ samples });
        const pg = await par.gradient({ samples });
        close(pg.loss, g.loss);
        close(pg.accuracy, g.accuracy);
        expect(pg.count).toBe(g.count);
        expect(pg.grad).toBeInstanceOf(Float64Array);
        expect(relErr(pg.grad, g.grad)).toBeLessThan(1e-12);

        // Each part's gradients differ from one thread's in the last bits (summation order),
        // and the central difference divides that by 2t: agreement is ~ε/t (≈ 5e-17/t seen).
        // So 1e-12 at t = 1e-2, and 1e-15/t at the default t (the move ‖t·v‖₂ = 1e-6, so
        // t = 1e-6/√m for this ±1 probe): the size of Network's own rounding error there.
        const v = new Random(7).rademacher(new Float64Array(net.numParams));
        for (const richardson of [false, true]) {
          const o = { samples, richardson, step: 1e-2 };
          expect(relErr(await par.hvp(v, o), net.hvp(v, o))).toBeLessThan(1e-12);
          // Every (sample, unit) is in exactly one part: the parts' kink counts add up to one
          // thread's (and this large step crosses some).
          const [pk, nk] = [{ crossings: -1 }, { crossings: -1 }];
          await par.hvp(v, { ...o, kinks: pk });
          net.hvp(v, { ...o, kinks: nk });
          expect(pk.crossings).toBe(nk.crossings);
          expect(nk.crossings).toBeGreaterThan(0);
          const d = { samples, richardson };
          const t = hvpStep('f64', v, net.params);
          expect(relErr(await par.hvp(v, d), net.hvp(v, d))).toBeLessThan(1e-15 / t);
          // The Gauss-Newton product travels to the workers with the same step.
          const gn = { ...o, gaussNewton: true };
          const gk = { crossings: -1 };
          expect(relErr(await par.hvp(v, { ...gn, kinks: gk }), net.hvp(v, gn))).toBeLessThan(
            1e-12,
          );
          expect(relErr(net.hvp(v, gn).slice(), net.hvp(v, o))).toBeGreaterThan(1e-3);
          expect(gk.crossings).toBeGreaterThan(0);
        }
      });
    }

    it('training-mode dropout gradients match (masks are per sample, not per split)', async () => {
      const { net, par } = await ready;
      for (const samples of [undefined, { start: 2, count: 19 }, [9, 1, 14, 3, 22, 0]]) {
        const o = { samples, training: true, seed: 42 };
        const g = net.gradient(o);
        const pg = await par.gradient(o);
        close(pg.loss, g.loss);
        expect(relErr(pg.grad, g.grad)).toBeLessThan(1e-12);
      }
      // Dropout really is on: another seed, or evaluation mode, gives a different gradient.
      const train = Float64Array.from((await par.gradient({ training: true, seed: 42 })).grad);
      const other = (await par.gradient({ training: true, seed: 43 })).grad;
      const evalMode = (await par.gradient()).grad;
      expect(relErr(other, train)).toBeGreaterThan(1e-3);
      expect(relErr(evalMode, train)).toBeGreaterThan(1e-3);
    });

    it('follows parameter changes', async () => {
      const { net, par } = await ready;
      const w = par.initParams(5);
      net.setParams(w);
      expect(relErr(par.params(), net.params)).toBe(0);
      expect(relErr((await par.gradient()).grad, net.gradient().grad)).toBeLessThan(1e-12);
      net.initParams(1);
      par.setParams(net.params);
      expect(relErr((await par.gradient()).grad, net.gradient().grad)).toBeLessThan(1e-12);
    });
  });
}

/** Whether two vectors are equal element by element (===, so bit for bit but for ±0). */
function identical(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('ParallelNetwork results do not depend on the thread count (fixed chunks)', () => {
  for (const precision of ['f32', 'f64'] as const) {
    it(`gradient, HVP and loss are bit-identical at 1, 2 and 3 threads, ${precision}`, async () => {
      const runs = [];
      for (const threads of [1, 2, 3]) {
        const par = await ParallelNetwork.create(cnn, {
          precision,
          maxBatch: 8,
          threads,
          chunk: 3,
        });
        open.push(par);
        expect(par.chunk).toBe(3);
        par.initParams(4);
        const rng = new Random(9);
        const n = 29; // 10 chunks: 3 threads get 4, 3 and 3
        const x = Array.from({ length: n * 72 }, () => rng.normal());
        const y = Array.from({ length: n }, () => rng.int(3));
        await par.setData(x, y);
        const v = new Random(8).rademacher(new Float64Array(par.numParams));
        const kinks = { crossings: -1 };
        const loss = (await par.evaluate()).loss;
        // vitest.config.ts sets PACGEN_WORKER_THRESHOLD=0: every thread takes chunks here.
        expect(par.lastThreads).toBe(threads);
        runs.push({
          loss,
          grad: Float64Array.from((await par.gradient()).grad),
          train: Float64Array.from((await par.gradient({ training: true, seed: 5 })).grad),
          listed: Float64Array.from(
            (await par.gradient({ samples: [28, 3, 3, 17, 0, 11, 6] })).grad,
          ),
          hvp: Float64Array.from(await par.hvp(v, { kinks, step: 0.05 })),
          crossings: kinks.crossings,
          hvpDefault: Float64Array.from(await par.hvp(v, { richardson: true })),
        });
        await par.terminate();
      }
      const [one, ...more] = runs;
      expect(one.crossings).toBeGreaterThan(0);
      for (const r of more) {
        expect(r.loss).toBe(one.loss);
        expect(r.crossings).toBe(one.crossings);
        for (const key of ['grad', 'train', 'listed', 'hvp', 'hvpDefault'] as const) {
          expect(identical(r[key], one[key]), key).toBe(true);
        }
      }
      // Another chunk size sums in another order: close, but not bit-identical, so the identity
      // above comes from the fixed chunks, not from data that rounds alike in any order.
      const other = await ParallelNetwork.create(cnn, {
        precision,
        maxBatch: 8,
        threads: 2,
        chunk: 5,
      });
      open.push(other);
      other.initParams(4);
      const rng = new Random(9);
      await other.setData(
        Array.from({ length: 29 * 72 }, () => rng.normal()),
        Array.from({ length: 29 }, () => rng.int(3)),
      );
      const g5 = (await other.gradient()).grad;
      expect(relErr(g5, one.grad)).toBeLessThan(precision === 'f32' ? 1e-5 : 1e-13);
      expect(identical(g5, one.grad)).toBe(false);
      await other.terminate();
    });
  }

  it('the GGN and HesScale diagonals: bit-identical at 1, 2 and 3 threads, = Network (f64)', async () => {
    const net = await Network.create(cnn, { precision: 'f64', maxBatch: 8 });
    net.initParams(4);
    const rng = new Random(9);
    const n = 29;
    const x = Array.from({ length: n * 72 }, () => rng.normal());
    const y = Array.from({ length: n }, () => rng.int(3));
    net.setData(x, y);
    for (const kind of ['ggn', 'hesscale'] as const) {
      const want = net.diagonal(kind);
      const runs: Float64Array[] = [];
      for (const threads of [1, 2, 3]) {
        const par = await ParallelNetwork.create(cnn, {
          precision: 'f64',
          maxBatch: 8,
          threads,
          chunk: 3,
        });
        open.push(par);
        par.setParams(net.params);
        await par.setData(x, y);
        runs.push(await par.diagonal(kind, { samples: { start: 0, count: n } }));
      }
      expect(Array.from(runs[1])).toEqual(Array.from(runs[0]));
      expect(Array.from(runs[2])).toEqual(Array.from(runs[0]));
      // One Network sums all 29 samples at once; the chunks differ only in summation order.
      expect(relErr(runs[0], want)).toBeLessThan(1e-12);
    }
  });

  it('rejects a chunk that is not a positive integer', async () => {
    await expect(ParallelNetwork.create(mlp, { threads: 1, chunk: 0 })).rejects.toThrow(
      'chunk must be a positive integer, got 0',
    );
  });
});

describe('ParallelNetwork', () => {
  it('threads=1 runs without workers and matches Network', async () => {
    const { net, par } = await pair(mlp, 1);
    expect(par.threads).toBe(1);
    const g = net.gradient({ training: true, seed: 3 });
    const pg = await par.gradient({ training: true, seed: 3 });
    close(pg.loss, g.loss);
    expect(relErr(pg.grad, g.grad)).toBeLessThan(1e-12);
    await par.terminate();
  });

  it('batch-norm buffers reach every worker: inference passes match Network', async () => {
    const bn: NetworkSpec = {
      inputShape: [4, 4, 2],
      layers: [
        { type: 'conv2d', name: 'c', filters: 3, kernelSize: 3, padding: 'same' },
        { type: 'batchnorm', name: 'bn' },
        { type: 'activation', activation: 'relu' },
        { type: 'add', inputs: ['activation_2', 'c'] },
        { type: 'global-avgpool' },
        { type: 'dense', units: 3 },
      ],
      loss: 'softmax-cross-entropy',
    };
    const { net, par } = await pair(bn, 3);
    const b = [0.3, -0.1, 0.2, 2, 0.5, 1.5];
    net.setBuffers(b);
    await par.setBuffers(b);
    expect(Array.from(par.getBuffers())).toEqual(b);
    close((await par.evaluate()).loss, net.evaluate().loss);
    expect(relErr((await par.gradient()).grad, net.gradient().grad)).toBeLessThan(1e-12);
    const v = Float64Array.from({ length: net.numParams }, (_, i) => Math.sin(i));
    // Chunk sums differ from one thread's in the last bits, divided by 2t (see above).
    const t = hvpStep('f64', v, net.params);
    expect(relErr(await par.hvp(v), net.hvp(v))).toBeLessThan(1e-15 / t);
  });

  it('a pass keeps at most 3 requests per thread in flight, however many chunks it has', async () => {
    // 200 samples in chunks of 4: 50 chunks, 25 for the worker. Sent all at once, as before
    // issue 17, the worker had up to 25 outstanding, each with an m-vector direction and result.
    const opts = { precision: 'f64', maxBatch: 4 } as const;
    const net = await Network.create(mlp, opts);
    const par = await ParallelNetwork.create(mlp, { ...opts, threads: 2 });
    open.push(par);
    net.initParams(3);
    par.setParams(net.params);
    const { x, y } = dataFor(net, 200, 9);
    net.setData(x, y);
    await par.setData(x, y);
    const v = Float64Array.from({ length: net.numParams }, (_, i) => Math.cos(i));
    const t = hvpStep('f64', v, net.params);
    expect(relErr(await par.hvp(v), net.hvp(v))).toBeLessThan(1e-15 / t);
    expect(relErr((await par.gradient()).grad, net.gradient().grad)).toBeLessThan(1e-12);
    expect(par.peakPendingRequests).toBeGreaterThan(0);
    expect(par.peakPendingRequests).toBeLessThanOrEqual(6);
  });

  it('more threads than samples or cores (threads=3, uneven parts)', async () => {
    const { net, par } = await pair(cnn, 3);
    for (const samples of [undefined, [4, 7], [6], { start: 20, count: 3 }]) {
      const g = net.gradient({ samples });
      const pg = await par.gradient({ samples });
      close(pg.loss, g.loss);
      expect(relErr(pg.grad, g.grad)).toBeLessThan(1e-12);
    }
    await par.terminate();
  });

  it('defaults to the available cores and reports its shape', async () => {
    const par = await ParallelNetwork.create(mlp);
    open.push(par);
    expect(par.threads).toBeGreaterThanOrEqual(1);
    expect(par.precision).toBe('f32');
    expect(par.numParams).toBe(5 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3);
    expect(par.tensors.map((t) => t.name)).toHaveLength(6);
    expect(par.numSamples).toBe(0);
    await expect(par.gradient()).rejects.toThrow('no data: call setData(x, y) first');
    await par.terminate();
  });

  it("a worker's error reaches the caller with its message", async () => {
    const { net, par } = await pair(mlp, 2);
    // Index values are checked by the thread that gets them: 99 lands in the worker's half.
    const bad = [0, 1, 2, 3, 4, 5, 99, 6];
    expect(() => net.gradient({ samples: bad })).toThrow(
      'sample index 99 is outside the data set of 23 samples',
    );
    const err = await par.gradient({ samples: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PacgenError);
    expect((err as Error).message).toBe('sample index 99 is outside the data set of 23 samples');
    await expect(par.hvp(new Float64Array(par.numParams), { samples: bad })).rejects.toThrow(
      'sample index 99 is outside',
    );
    // The earliest bad index wins, as in Network (here -1 in the calling thread's half).
    await expect(par.evaluate({ samples: [0, -1, 2, 99] })).rejects.toThrow(
      'sample index -1 is outside the data set of 23 samples',
    );
    // Still usable afterwards.
    expect(relErr((await par.gradient()).grad, net.gradient().grad)).toBeLessThan(1e-12);
    await par.terminate();
  });

  it('rejects bad input with the messages Network gives', async () => {
    const { par } = await pair(mlp, 2);
    await expect(par.setData([0, 0, 0, 0, 0], [7])).rejects.toThrow(
      'label 7 of sample 0 is outside the 3 classes [0, 2]',
    );
    await expect(par.evaluate({ samples: { start: 20, count: 5 } })).rejects.toThrow(
      'sample range start=20 count=5 does not fit the data set of 23 samples',
    );
    await expect(par.gradient({ samples: [] })).rejects.toThrow('sample index list is empty');
    await expect(par.hvp([1, 2, 3])).rejects.toThrow('direction has length 3');
    const v = new Float64Array(par.numParams);
    v[4] = NaN;
    await expect(par.hvp(v)).rejects.toThrow('direction contain a non-finite value at index 4');
    expect(() => par.setParams([1])).toThrow('parameter vector has length 1');
    await expect(ParallelNetwork.create(mlp, { threads: 0 })).rejects.toThrow(
      'threads must be a positive integer',
    );
    await par.terminate();
  });

  it('terminate() ends the workers; later calls reject', async () => {
    // Worker threads are OS threads of this process: count them where Linux shows them.
    const threads = () =>
      existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : NaN;
    const before = threads();
    const { par } = await pair(mlp, 3);
    const during = threads();
    const pending = par.gradient().catch((e: unknown) => e);
    await par.terminate();
    expect(await pending).toEqual(new PacgenError('ParallelNetwork has been terminated'));
    await expect(par.gradient()).rejects.toThrow('ParallelNetwork has been terminated');
    await par.terminate(); // idempotent
    if (!Number.isNaN(before)) {
      expect(during - before).toBeGreaterThanOrEqual(2);
      expect(threads()).toBeLessThanOrEqual(before);
    }
  });
});

describe('ParallelNetwork keeps passes too small for a worker on the calling thread', () => {
  // The bench's mlp-grad network, 784-128-64-10 with ReLU.
  const wide: NetworkSpec = {
    inputShape: [784],
    layers: [128, 64, 10].map((units, i) => ({
      type: 'dense',
      units,
      ...(i < 2 ? { activation: 'relu' } : {}),
    })) as NetworkSpec['layers'],
    loss: 'softmax-cross-entropy',
  };

  it('counts a forward pass in multiply-adds per sample', () => {
    // conv 6×6 px × (3·3·2) × 3 filters, relu 108, pool 27, dropout 27, conv 2×2 px × (2·2·3)
    // × 4 filters, tanh 16, flatten 16, dense 16 × 3.
    expect(forwardMacsPerSample(compileNetwork(cnn))).toBe(
      1944 + 108 + 27 + 27 + 192 + 16 + 16 + 48,
    );
    expect(forwardMacsPerSample(compileNetwork(wide))).toBe(
      784 * 128 + 128 + 128 * 64 + 64 + 64 * 10,
    );
  });

  it('hands out chunks when each is at least twice its hand-off, else none', () => {
    const handoff = (values: number) => HANDOFF_MACS.roundTrip + HANDOFF_MACS.perValue * values;
    expect(workersPay(2 * handoff(1000), 1000)).toBe(true);
    expect(workersPay(2 * handoff(1000) - 1, 1000)).toBe(false);
    expect(workersPay(handoff(1000), 1000, 0.5)).toBe(true);
    expect(workersPay(0, 1e9, 0)).toBe(true);
  });

  it('at the default threshold: the tiny MLP on 1 thread, the 784-128-64-10 MLP on 2', async () => {
    const runs = [];
    for (const [spec, n] of [
      [mlp, 256],
      [wide, 256],
    ] as const) {
      const par = await ParallelNetwork.create(spec, {
        threads: 2,
        maxBatch: 64,
        workerThreshold: 1,
      });
      open.push(par);
      par.initParams(3);
      const { x, y } = dataFor(par, n, 2);
      await par.setData(x, y);
      // The first pass: the back-off after a split pass that lost (WorkerPolicy, below) depends
      // on the machine's load, so only a pass before any comparison is certain.
      await par.gradient();
      runs.push(par.lastThreads);
      await par.terminate();
    }
    // Tiny MLP: 64 samples × 3 × 223 multiply-adds a chunk, far below one round trip.
    expect(runs[0]).toBe(1);
    // 64 × 3 × 109,376 = 21.0 M ≥ 2 × (1.5 M + 45 × 109,386) = 12.8 M: both threads; an
    // evaluation (64 × 109,376 = 7.0 M against 2 × 1.5 M, no vector back) would too.
    expect(runs[1]).toBe(2);
    expect(workersPay(64 * 109_376, 0)).toBe(true);
    expect(workersPay(64 * 223, 0)).toBe(false);
  });

  it('after a split pass loses to one thread, backs off for 4, 8, then 16 passes; a win resets it', () => {
    const p = new WorkerPolicy();
    /** How many passes in a row are refused before one is allowed. */
    const refusals = () => {
      let n = 0;
      while (!p.allow()) n++;
      return n;
    };
    expect(refusals()).toBe(0);
    p.record(10, 12); // won: nothing held back
    expect(refusals()).toBe(0);
    const lost = [];
    for (let i = 0; i < 8; i++) {
      p.record(12, 10);
      lost.push(refusals());
    }
    expect(lost).toEqual([4, 8, 16, 16, 16, 16, 16, 16]);
    expect(BACKOFF).toEqual({ first: 4, most: 16 });
    p.record(9, 10);
    p.record(12, 10);
    expect(refusals()).toBe(4);
  });

  it('refuses a negative or non-finite workerThreshold', async () => {
    await expect(ParallelNetwork.create(mlp, { threads: 1, workerThreshold: -1 })).rejects.toThrow(
      'workerThreshold must be a number ≥ 0, got -1',
    );
  });
});
