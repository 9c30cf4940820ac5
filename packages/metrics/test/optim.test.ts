import { describe, expect, it } from 'vitest';
import {
  adam,
  adamw,
  applyUpdates,
  asam,
  chain,
  clipByGlobalNorm,
  constantSchedule,
  cosineDecaySchedule,
  exponentialDecaySchedule,
  fromTransformation,
  joinSchedules,
  linearSchedule,
  perturbedOpt,
  piecewiseConstantSchedule,
  sam,
  scaleByLearningRate,
  sgd,
  stepSchedule,
  warmupCosineSchedule,
  withWarmup,
  type GradientTransformation,
} from '../src/entries/train.js';
import { quadratic, run } from './optim-helpers.js';

const W = [1, -2];
const G = [
  [1, 2],
  [0.5, -1],
];

/** Two updates at the same params with gradients G. */
function twoUpdates(tx: GradientTransformation<unknown>, w = W): number[][] {
  let state = tx.init(w);
  return G.map((g) => {
    const r = tx.update(g, state, w);
    state = r.state;
    return Array.from(r.updates);
  });
}

function expectClose(actual: number[][], expected: number[][], digits = 12) {
  actual.forEach((row, k) => row.forEach((x, i) => expect(x).toBeCloseTo(expected[k][i], digits)));
}

describe('transformations match hand-computed updates', () => {
  it('plain SGD: −lr·g', () => {
    expectClose(twoUpdates(sgd({ learningRate: 0.1 })), [
      [-0.1, -0.2],
      [-0.05, 0.1],
    ]);
  });

  it('SGD momentum 0.9: b ← g + 0.9·b, update −lr·b', () => {
    // b1 = (1, 2); b2 = (0.5 + 0.9, −1 + 1.8) = (1.4, 0.8).
    expectClose(twoUpdates(sgd({ learningRate: 0.1, momentum: 0.9 })), [
      [-0.1, -0.2],
      [-0.14, -0.08],
    ]);
  });

  it('Nesterov: update −lr·(g + 0.9·b)', () => {
    // Step 1: g + 0.9·(1, 2) = (1.9, 3.8). Step 2: (0.5 + 0.9·1.4, −1 + 0.9·0.8) = (1.76, −0.28).
    expectClose(twoUpdates(sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true })), [
      [-0.19, -0.38],
      [-0.176, 0.028],
    ]);
  });

  it('SGD weight decay: g + wd·w', () => {
    // g + 0.1·(1, −2) = (1.1, 1.8), then (0.6, −1.2).
    expectClose(twoUpdates(sgd({ learningRate: 0.1, weightDecay: 0.1 })), [
      [-0.11, -0.18],
      [-0.06, 0.12],
    ]);
  });

  it('Adam with bias correction', () => {
    expectClose(twoUpdates(adam({ learningRate: 0.1 })), [
      [-0.09999999900000002, -0.0999999995],
      [-0.0932179627018389, -0.02663370379756845],
    ]);
  });

  it('Adam with L2 weight decay (coupled)', () => {
    expectClose(twoUpdates(adam({ learningRate: 0.1, weightDecay: 0.1 })), [
      [-0.09999999909090912, -0.09999999944444446],
      [-0.09446425620470125, -0.01445205287716197],
    ]);
  });

  it('AdamW: decoupled decay −lr·wd·w', () => {
    expectClose(twoUpdates(adamw({ learningRate: 0.1, weightDecay: 0.1 })), [
      [-0.109999999, -0.0799999995],
      [-0.1032179627018389, -0.0066337037975684465],
    ]);
  });

  it('updates do not modify their inputs; clip and applyUpdates', () => {
    const g = Float64Array.from([3, 4]);
    const tx = chain(clipByGlobalNorm(1), scaleByLearningRate(1));
    const st = tx.init(g);
    const r = tx.update(g, st);
    expect(Array.from(g)).toEqual([3, 4]);
    expectClose([Array.from(r.updates)], [[-0.6, -0.8]]);
    const p = Float32Array.from([1, 1]);
    applyUpdates(p, r.updates);
    expect(p[0]).toBeCloseTo(0.4, 6);
  });

  it('rejects invalid hyperparameters', () => {
    expect(() => sgd({ learningRate: -1 })).toThrow(/learning rate/);
    expect(() => sgd({ learningRate: 0.1, momentum: 1 })).toThrow(/momentum/);
    expect(() => adam({ b2: 1.5 })).toThrow(/b2/);
  });
});

describe('schedules', () => {
  it('constant, step, piecewise, exponential, linear', () => {
    expect(constantSchedule(0.3)(1000)).toBe(0.3);
    const st = stepSchedule({ value: 1, factor: 0.1, every: 10 });
    expect([st(0), st(9), st(10), st(25)]).toEqual([1, 1, 0.1, 1 * 0.1 ** 2]);
    const pw = piecewiseConstantSchedule(0.1, { 100: 0.1, 200: 0.5 });
    expect([pw(99), pw(100), pw(250)].map((x) => +x.toPrecision(12))).toEqual([0.1, 0.01, 0.005]);
    expect(exponentialDecaySchedule({ value: 2, rate: 0.5, every: 10 })(5)).toBeCloseTo(
      Math.SQRT2,
      14,
    );
    const lin = linearSchedule({ start: 0, end: 1, steps: 4 });
    expect([lin(0), lin(1), lin(4), lin(9)]).toEqual([0, 0.25, 1, 1]);
  });

  it('cosine decay: value at 0, half way, end, beyond', () => {
    const c = cosineDecaySchedule({ value: 0.1, steps: 100, alpha: 0.1 });
    expect(c(0)).toBeCloseTo(0.1, 15);
    expect(c(50)).toBeCloseTo(0.1 * (0.9 * 0.5 + 0.1), 15);
    expect(c(100)).toBeCloseTo(0.01, 15);
    expect(c(1000)).toBeCloseTo(0.01, 15);
  });

  it('warm-up and join compose', () => {
    const s = withWarmup(constantSchedule(0.2), 10);
    expect([s(0), s(5), s(10), s(50)]).toEqual([0, 0.1, 0.2, 0.2]);
    const j = joinSchedules(
      [constantSchedule(1), linearSchedule({ start: 2, end: 4, steps: 2 })],
      [3],
    );
    expect([j(2), j(3), j(4), j(5)]).toEqual([1, 2, 3, 4]);
    const wc = warmupCosineSchedule({ peak: 1, warmupSteps: 10, totalSteps: 110 });
    expect(wc(5)).toBeCloseTo(0.5, 15);
    expect(wc(10)).toBeCloseTo(1, 15);
    expect(wc(60)).toBeCloseTo(0.5, 12);
    expect(wc(110)).toBeCloseTo(0, 15);
  });

  it('drives the learning rate by step count', () => {
    const tx = sgd({ learningRate: stepSchedule({ value: 1, factor: 0.5, every: 1 }) });
    expectClose(twoUpdates(tx), [
      [-1, -2],
      [-0.25, 0.5],
    ]);
  });
});

describe('all optimizers converge on a quadratic', () => {
  const h = [1, 10, 0.5];
  const c = [1, -2, 3];
  const w0 = [0, 0, 0];
  const cases: [string, () => Parameters<typeof run>[0], number, number][] = [
    ['sgd', () => fromTransformation(sgd({ learningRate: 0.15 })), 400, 1e-6],
    ['momentum', () => fromTransformation(sgd({ learningRate: 0.05, momentum: 0.9 })), 400, 1e-6],
    [
      'nesterov',
      () => fromTransformation(sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true })),
      400,
      1e-6,
    ],
    [
      'adam',
      () =>
        fromTransformation(
          adam({ learningRate: cosineDecaySchedule({ value: 0.1, steps: 1500 }) }),
        ),
      1500,
      1e-4,
    ],
    [
      'adamw',
      () =>
        fromTransformation(
          adamw({ learningRate: cosineDecaySchedule({ value: 0.1, steps: 1500 }), weightDecay: 0 }),
        ),
      1500,
      1e-4,
    ],
    ['sam', () => sam({ inner: sgd({ learningRate: 0.05 }), rho: 0.01 }), 600, 1e-3],
    ['asam', () => asam({ inner: sgd({ learningRate: 0.05 }), rho: 0.01 }), 600, 2e-3],
    [
      'perturbed',
      () =>
        perturbedOpt({
          inner: sgd({ learningRate: linearSchedule({ start: 0.1, end: 0.001, steps: 800 }) }),
          scale: 0.05,
          seed: 3,
        }),
      1000,
      1e-2,
    ],
  ];
  for (const [name, make, steps, tol] of cases) {
    it(name, async () => {
      const q = quadratic(h, c);
      const { w } = await run(make(), w0, q.oracle, steps);
      const err = Math.max(...Array.from(w, (x, i) => Math.abs(x - c[i])));
      expect(err).toBeLessThan(tol);
    });
  }
});

describe('SAM and ASAM', () => {
  // L = ½(w1² + 4 w2²) at w = (1, 2): g = (1, 8).
  const h = [1, 4];
  const c = [0, 0];
  const w0 = [1, 2];

  it('SAM first step: gradient at w + ρ·g/‖g‖', async () => {
    const q = quadratic(h, c);
    const opt = sam({ inner: sgd({ learningRate: 0.1 }), rho: 0.1 });
    const r = await opt.step(Float64Array.from(w0), opt.init(w0), q.oracle);
    const n = Math.sqrt(65);
    const p = [1 + (0.1 * 1) / n, 2 + (0.1 * 8) / n];
    expect(q.calls.length).toBe(2);
    expect(q.calls[1][0]).toBeCloseTo(p[0], 14);
    expect(q.calls[1][1]).toBeCloseTo(p[1], 14);
    expect(r.updates[0]).toBeCloseTo(-0.1 * p[0], 14);
    expect(r.updates[1]).toBeCloseTo(-0.1 * 4 * p[1], 14);
    expect(r.loss).toBeCloseTo(0.5 * (1 + 16), 14);
    expect(r.gradientEvaluations).toBe(2);
  });

  it('ASAM first step: ε̂ = ρ·T²g/‖T g‖, T = |w| + η', async () => {
    const q = quadratic(h, c);
    const opt = asam({ inner: sgd({ learningRate: 0.1 }), rho: 0.5, eta: 0.01 });
    const r = await opt.step(Float64Array.from(w0), opt.init(w0), q.oracle);
    const T = [1.01, 2.01];
    const Tg = [1.01 * 1, 2.01 * 8];
    const n = Math.hypot(Tg[0], Tg[1]);
    const p = [1 + (0.5 * T[0] * T[0] * 1) / n, 2 + (0.5 * T[1] * T[1] * 8) / n];
    expect(q.calls[1][0]).toBeCloseTo(p[0], 14);
    expect(q.calls[1][1]).toBeCloseTo(p[1], 14);
    expect(r.updates[0]).toBeCloseTo(-0.1 * p[0], 14);
    expect(r.updates[1]).toBeCloseTo(-0.1 * 4 * p[1], 14);
  });
});
