// Curvature estimates on a ReLU network whose pre-activations sit next to their kinks (issue
// 13; docs/method.md §5): the fixture and the exact float64 Hessian come from PyTorch
// (fixtures/relu-kinks.py). At the default step the random-direction estimators move the point
// no further than the exact diagonal does, and where a product still straddles a kink the
// engine counts it and the operator shrinks the step.

import { readFileSync } from 'node:fs';
import { Network, Random, type KinkCount, type NetworkSpec } from '@pacgen/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  hessianDiagonal,
  hessianLipschitz,
  hessianTrace,
  healthWarning,
  networkObjective,
  spectralDensity,
  topEigenvalues,
  type Objective,
} from '../src/index.js';

interface Fixture {
  spec: NetworkSpec;
  params: number[];
  x: number[];
  y: number[];
  loss: number;
  trace: number;
  frobeniusSquared: number;
  diagonal: number[];
  nearKinks: { 'below1e-5': number; minAbs: number };
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/relu-kinks.json', import.meta.url), 'utf8'),
) as Fixture;

async function network(spec: NetworkSpec = fixture.spec): Promise<Network> {
  const net = await Network.create(spec, { precision: 'f64' });
  net.setParams(fixture.params);
  net.setData(fixture.x, fixture.y);
  return net;
}

describe('ReLU network with pre-activations within 1e-5 of their kinks (f64, PyTorch reference)', () => {
  let net: Network;
  let obj: Objective;
  let w: Float64Array;
  beforeAll(async () => {
    net = await network();
    obj = networkObjective(net);
    w = obj.params();
  });

  it('is the fixture PyTorch made: same loss, and kinks as close as it says', async () => {
    expect(Math.abs((await obj.loss(w)) - fixture.loss)).toBeLessThan(1e-14);
    expect(fixture.nearKinks['below1e-5']).toBeGreaterThanOrEqual(40);
    expect(fixture.nearKinks.minAbs).toBeLessThan(2e-6);
  });

  it('the exact diagonal equals PyTorch’s to 1e-8 of its largest entry; the kinks it met were shrunk away', async () => {
    const d = await hessianDiagonal(obj, w);
    let err = 0;
    let scale = 0;
    d.diagonal.forEach((h, i) => {
      err = Math.max(err, Math.abs(h - fixture.diagonal[i]));
      scale = Math.max(scale, Math.abs(fixture.diagonal[i]));
    });
    expect(err / scale).toBeLessThan(1e-8);
    // A unit move of 1e-6 on a first-layer weight moves z by 1e-6·x_i (|x_i| up to ~3).
    expect(d.health.hvpsWithCrossings).toBeGreaterThan(0);
    expect(d.health.unresolved).toBe(0);
    expect(d.cost).toBe(2 * (fixture.diagonal.length + d.health.stepShrinks) + 1);
  });

  it('Hutchinson and Hutch++ at the default settings: within 3 standard errors of the exact trace', async () => {
    // Hutchinson's variance per probe is 2(‖H‖_F² − Σ h_ii²): its standard error must be that
    // of the curvature, not of kink jumps.
    const sumSq = fixture.diagonal.reduce((s, h) => s + h * h, 0);
    const expectedSe = Math.sqrt((2 * (fixture.frobeniusSquared - sumSq)) / 100);
    for (const method of ['hutchinson', 'hutch++'] as const) {
      const t = await hessianTrace(obj, w, { method });
      expect(Math.abs(t.trace - fixture.trace), method).toBeLessThan(3 * t.stdErr);
      expect(t.health).toMatchObject({ hvps: 100, hvpsWithCrossings: 0, counted: true });
      if (method === 'hutchinson') {
        expect(t.stdErr / expectedSe).toBeGreaterThan(0.7);
        expect(t.stdErr / expectedSe).toBeLessThan(1.4);
      }
    }
  });

  it('the step rule before issue 13 (every coordinate moved by 1e-6) crosses kinks and is far off', async () => {
    // Network.hvp at t = 1e-6 for ±1 probes, no shrinking: what `spectrum` computed then.
    const rng = new Random(0);
    const v = new Float64Array(net.numParams);
    const forms: number[] = [];
    let crossings = 0;
    for (let k = 0; k < 100; k++) {
      rng.rademacher(v);
      const kinks: KinkCount = {};
      const hv = net.hvp(v, { step: 1e-6, kinks });
      crossings += kinks.crossings!;
      forms.push(v.reduce((s, x, i) => s + x * hv[i], 0));
    }
    const mean = forms.reduce((a, b) => a + b, 0) / forms.length;
    expect(crossings).toBeGreaterThan(100);
    expect(Math.abs(mean - fixture.trace)).toBeGreaterThan(100 * fixture.trace);
  });

  it('at that old move the operator sees the crossings, shrinks, and still agrees', async () => {
    const oldMove = 1e-6 * Math.sqrt(net.numParams); // ‖t·v‖₂ of a ±1 probe at t = 1e-6
    const t = await hessianTrace(obj, w, { step: oldMove });
    expect(t.health.hvpsWithCrossings).toBeGreaterThan(50);
    expect(t.health.unitCrossings).toBeGreaterThan(t.health.hvpsWithCrossings);
    expect(t.health.stepShrinks).toBeGreaterThanOrEqual(t.health.hvpsWithCrossings);
    expect(t.health.unresolved).toBe(0);
    expect(t.cost).toBe(2 * (100 + t.health.stepShrinks) + 1);
    expect(Math.abs(t.trace - fixture.trace)).toBeLessThan(3 * t.stdErr);
  });

  it('with onKink "report" the crossings are only counted: the jumps stay in the estimate', async () => {
    const oldMove = 1e-6 * Math.sqrt(net.numParams);
    const t = await hessianTrace(obj, w, { step: oldMove, onKink: 'report' });
    expect(t.health.hvpsWithCrossings).toBeGreaterThan(50);
    expect(t.health.stepShrinks).toBe(0);
    expect(t.health.unresolved).toBe(t.health.hvpsWithCrossings);
    expect(t.cost).toBe(2 * 100 + 1);
    expect(Math.abs(t.trace - fixture.trace)).toBeGreaterThan(100 * fixture.trace);
    await expect(hessianTrace(obj, w, { onKink: 'skip' as 'report' })).rejects.toThrow(
      "onKink must be 'shrink' or 'report', got 'skip'",
    );
  });

  it('says so in one line: shrunk away in f64, left unresolved in f32 (floor 1e-4)', async () => {
    const t = await hessianTrace(obj, w, { step: 1e-6 * Math.sqrt(net.numParams) });
    const note = healthWarning('trace', t.health)!;
    expect(note.unreliable).toBe(false);
    expect(note.text).toBe(
      `${t.health.hvpsWithCrossings} of 100 Hessian-vector products of the trace crossed ReLU/max-pool kinks (${t.health.unitCrossings} unit crossings) at the requested step; recomputed at smaller steps (${t.health.stepShrinks} shrinks), none crossed there`,
    );
    // f32 cannot step below 1e-4 (rounding): pre-activations at 1e-6 stay crossed.
    const f32 = await Network.create(fixture.spec, { precision: 'f32' });
    f32.setParams(fixture.params);
    f32.setData(fixture.x, fixture.y);
    const rough = await hessianTrace(networkObjective(f32), w, { probes: 10 });
    expect(rough.health.unresolved).toBeGreaterThan(0);
    const warning = healthWarning('trace', rough.health)!;
    expect(warning.unreliable).toBe(true);
    expect(warning.text).toMatch(
      /still crossed at the step finally used \(\d+ shrinks\), so the estimate includes gradient jumps/,
    );
    expect(healthWarning('trace', (await hessianTrace(obj, w, { probes: 4 })).health)).toBeNull();
  });

  it('Lanczos, SLQ and ρ report their health too', async () => {
    const eig = await topEigenvalues(obj, w, { k: 1 });
    expect(eig.health).toMatchObject({ hvps: eig.iterations, counted: true });
    // SLQ's first moment is each run's vᵀHv/(v·v) for the r-th Rademacher vector of the seed,
    // exactly Hutchinson's first probes: the same number, from the same products.
    const slq = await spectralDensity(obj, w, { runs: 2, steps: 20 });
    expect(slq.health).toMatchObject({ hvps: 40, counted: true });
    const two = await hessianTrace(obj, w, { probes: 2 });
    expect(Math.abs(slq.moments[0].value * net.numParams - two.trace)).toBeLessThan(
      1e-9 * Math.abs(two.trace),
    );
    const rho = await hessianLipschitz(obj, w, { probes: 2 });
    expect(rho.health).toMatchObject({ hvps: 2 * 2 + 1, counted: true });
    expect(rho.cost).toBe(1 + 2 * (5 + rho.health.stepShrinks));
  });

  it('the same weights with a smooth activation never cross, even at a large move', async () => {
    const layers = fixture.spec.layers.map((l) =>
      l.type === 'dense' && l.activation === 'relu' ? { ...l, activation: 'softplus' as const } : l,
    );
    const smooth = networkObjective(await network({ ...fixture.spec, layers }));
    const t = await hessianTrace(smooth, w, { probes: 10, step: 1e-1 });
    expect(t.health).toEqual({
      hvps: 10,
      hvpsWithCrossings: 0,
      unitCrossings: 0,
      stepShrinks: 0,
      unresolved: 0,
      counted: true,
    });
  });
});
