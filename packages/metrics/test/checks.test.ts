import { beforeAll, describe, expect, it } from 'vitest';
import { PacgenError } from '@pacgen/core-wasm';
import {
  hessianDiagonal,
  hessianLipschitz,
  hessianTrace,
  spectralDensity,
  topEigenvalues,
  type Objective,
} from '../src/index.js';
import { functionObjective, smallNetwork, type SmallNet } from './helpers.js';

type Estimator = (obj: Objective, w: ArrayLike<number>) => Promise<unknown>;

const estimators: [string, Estimator][] = [
  ['diagonal (exact)', (o, w) => hessianDiagonal(o, w)],
  ['diagonal (hutchinson)', (o, w) => hessianDiagonal(o, w, { method: 'hutchinson', probes: 4 })],
  ['lipschitz', (o, w) => hessianLipschitz(o, w, { probes: 2, refine: 1 })],
  ['eigen (lanczos)', (o, w) => topEigenvalues(o, w, { k: 2, iterations: 10 })],
  ['eigen (power)', (o, w) => topEigenvalues(o, w, { method: 'power', iterations: 10 })],
  ['trace (hutchinson)', (o, w) => hessianTrace(o, w, { probes: 6 })],
  ['trace (hutch++)', (o, w) => hessianTrace(o, w, { method: 'hutch++', probes: 9 })],
  ['density', (o, w) => spectralDensity(o, w, { runs: 2, steps: 5 })],
];

async function throwsPacgen(promise: Promise<unknown>, message: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PacgenError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain('\n');
}

/** A quadratic objective on 4 parameters whose loss, gradient or HVP can be made non-finite. */
function brokenObjective(what: 'loss' | 'gradient' | 'hvp'): Objective {
  const base = functionObjective(
    4,
    (w) => Array.from(w).reduce((a, x) => a + x * x, 0),
    (w) => Float64Array.from(w, (x) => 2 * x),
  );
  return {
    ...base,
    gradient: async (w) => {
      const r = await base.gradient(w);
      if (what === 'loss') return { ...r, loss: NaN };
      if (what === 'gradient') r.grad[2] = Infinity;
      return r;
    },
    hvp: async (w, v, req) => {
      const r = await base.hvp(w, v, req);
      if (what === 'hvp') r[1] = NaN;
      return r;
    },
  };
}

describe('bad inputs throw one-line PacgenErrors', () => {
  let s: SmallNet;
  beforeAll(async () => {
    s = await smallNetwork('tanh', { hidden: [4] });
  });

  it.each(estimators)('%s: non-finite w, wrong length, a non-finite objective', async (_, run) => {
    const w = Float64Array.from(s.w);
    w[3] = NaN;
    await throwsPacgen(run(s.obj, w), /parameter vector w has a non-finite value NaN at index 3/);
    await throwsPacgen(
      run(s.obj, s.w.subarray(1)),
      /has length \d+, the objective has \d+ parameters/,
    );
    const w4 = [0.5, -1, 2, 0.25];
    await throwsPacgen(run(brokenObjective('loss'), w4), /non-finite loss \(NaN\)/);
    await throwsPacgen(
      run(brokenObjective('gradient'), w4),
      /non-finite gradient: entry 2 is Infinity/,
    );
    await throwsPacgen(
      run(brokenObjective('hvp'), w4),
      /non-finite Hessian-vector product: entry 1 is NaN/,
    );
  });

  it('probe counts, k, runs, steps, refine, box, step, seed and method', async () => {
    const { obj, w } = s;
    const m = obj.numParams;
    await throwsPacgen(
      hessianDiagonal(obj, w, { method: 'hutchinson', probes: 0 }),
      /probes must be an integer ≥ 1, got 0/,
    );
    await throwsPacgen(
      hessianDiagonal(obj, w, { method: 'hutchinson', probes: 2.5 }),
      /probes must be an integer/,
    );
    await throwsPacgen(hessianTrace(obj, w, { probes: 0 }), /probes must be an integer ≥ 1/);
    await throwsPacgen(
      hessianTrace(obj, w, { method: 'hutch++', probes: 2 }),
      /probes \(Hutch\+\+\) must be an integer ≥ 3, got 2/,
    );
    await throwsPacgen(hessianLipschitz(obj, w, { probes: 0 }), /probes must be an integer ≥ 1/);
    await throwsPacgen(hessianLipschitz(obj, w, { refine: -1 }), /refine must be an integer ≥ 0/);
    await throwsPacgen(
      hessianLipschitz(obj, w, { gamma: -0.1 }),
      /gamma must be a finite number ≥ 0/,
    );
    await throwsPacgen(
      hessianLipschitz(obj, new Float64Array(m), { epsilon: 0 }),
      /the box is empty/,
    );
    await throwsPacgen(
      hessianLipschitz(obj, w, { displacements: [new Float64Array(m)] }),
      /displacement 0 is zero/,
    );
    await throwsPacgen(
      topEigenvalues(obj, w, { k: 0 }),
      new RegExp(`k must be an integer in \\[1, ${m}\\], got 0`),
    );
    await throwsPacgen(topEigenvalues(obj, w, { k: m + 1 }), /k must be an integer in/);
    await throwsPacgen(
      topEigenvalues(obj, w, { k: 3, iterations: 2 }),
      /iterations must be an integer ≥ 3, got 2/,
    );
    await throwsPacgen(spectralDensity(obj, w, { runs: 0 }), /runs must be an integer ≥ 1/);
    await throwsPacgen(spectralDensity(obj, w, { steps: 0 }), /steps must be an integer ≥ 1/);
    await throwsPacgen(spectralDensity(obj, w, { sigma: 0 }), /sigma must be a finite number > 0/);
    await throwsPacgen(
      hessianDiagonal(obj, w, { step: -1 }),
      /HVP step must be a finite number > 0/,
    );
    await throwsPacgen(hessianTrace(obj, w, { seed: NaN }), /seed must be a finite number/);
    await throwsPacgen(
      hessianDiagonal(obj, w, { method: 'lanczos' as 'exact' }),
      /diagonal method must be one of exact, hutchinson, hutchinson-cv, ggn, hesscale, got 'lanczos'/,
    );
    await throwsPacgen(
      topEigenvalues(obj, w, { method: 'arnoldi' as 'power' }),
      /eigenvalue method must be/,
    );
    await throwsPacgen(
      hessianTrace(obj, w, { method: 'x' as 'hutchinson' }),
      /trace method must be/,
    );
  });

  it('the exact diagonal refuses more than 20000 parameters unless forced', async () => {
    const big = functionObjective(
      20001,
      () => 0,
      (w) => Float64Array.from(w),
    );
    await throwsPacgen(
      hessianDiagonal(big, new Float64Array(20001)),
      /exact Hessian diagonal needs 40002 gradient evaluations for 20001 parameters \(limit 20000\)/,
    );
  });
});

describe('seeds', () => {
  let s: SmallNet;
  beforeAll(async () => {
    s = await smallNetwork('sigmoid', { hidden: [6] });
  });

  const stochastic: [string, (seed: number) => Promise<unknown>][] = [
    ['diagonal', (seed) => hessianDiagonal(s.obj, s.w, { method: 'hutchinson', probes: 5, seed })],
    ['lipschitz', (seed) => hessianLipschitz(s.obj, s.w, { probes: 3, refine: 2, seed })],
    ['eigen', (seed) => topEigenvalues(s.obj, s.w, { k: 2, iterations: 6, seed })],
    ['power', (seed) => topEigenvalues(s.obj, s.w, { method: 'power', iterations: 5, seed })],
    ['trace', (seed) => hessianTrace(s.obj, s.w, { probes: 5, seed })],
    ['hutch++', (seed) => hessianTrace(s.obj, s.w, { method: 'hutch++', probes: 9, seed })],
    ['density', (seed) => spectralDensity(s.obj, s.w, { runs: 3, steps: 6, seed })],
  ];

  it.each(stochastic)(
    '%s: the same seed gives identical results, another seed others',
    async (_, run) => {
      const a = await run(1);
      expect(await run(1)).toEqual(a);
      expect(await run(2)).not.toEqual(a);
    },
  );
});
