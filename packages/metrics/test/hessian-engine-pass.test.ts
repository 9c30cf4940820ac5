import { beforeAll, describe, expect, it } from 'vitest';
import { ggnDiagonal, hessianDiagonal, hesscaleDiagonal, pacgen } from '../src/index.js';
import {
  diagonalOf,
  maxRelativeError,
  quadraticObjective,
  referenceHessian,
  relativeError,
  smallNetwork,
  type SmallNet,
} from './helpers.js';

describe('engine diagonals against the exact Hessian diagonal (f64)', () => {
  let relu: SmallNet;
  let reluExact: Float64Array;
  let tanh: SmallNet;
  let tanhExact: Float64Array;
  beforeAll(async () => {
    relu = await smallNetwork('relu');
    reluExact = diagonalOf((await referenceHessian(relu.obj, relu.w)).H);
    tanh = await smallNetwork('tanh');
    tanhExact = diagonalOf((await referenceHessian(tanh.obj, tanh.w)).H);
  });

  it('ggn is the Hessian diagonal of a ReLU network, for O = 3 gradient equivalents', async () => {
    const r = await hessianDiagonal(relu.obj, relu.w, { method: 'ggn' });
    expect(r).toMatchObject({ method: 'ggn', probes: 0, stdErr: null, cost: 3 });
    expect(r.health.hvps).toBe(0);
    expect(maxRelativeError(r.diagonal, reluExact)).toBeLessThan(1e-6);
  });

  it('ggn leaves out the residual term of a tanh network; hesscale approximates', async () => {
    const g = await ggnDiagonal(tanh.obj, tanh.w);
    const h = await hesscaleDiagonal(tanh.obj, tanh.w);
    expect(h).toMatchObject({ method: 'hesscale', cost: 2 });
    const gErr = relativeError(g.diagonal, tanhExact);
    const hErr = relativeError(h.diagonal, tanhExact);
    // Measured: GGN 1.05, HesScale 0.46 relative (‖·‖₂) at this untrained point, where the
    // residual term Σ ∂ℓ/∂z ∇²z is as large as G; what matters here is that neither is H.
    expect(gErr).toBeGreaterThan(1e-2);
    expect(hErr).toBeGreaterThan(1e-2);
    // Both are exact on the last layer (its block of the Hessian has no residual term).
    const last = tanh.obj.tensors.slice(-2);
    const lo = last[0].offset;
    expect(maxRelativeError(g.diagonal.subarray(lo), tanhExact.subarray(lo))).toBeLessThan(1e-6);
    expect(maxRelativeError(h.diagonal.subarray(lo), tanhExact.subarray(lo))).toBeLessThan(1e-6);
  });

  it("pacgen's Ψ with the ggn diagonal equals Ψ with the exact one on a ReLU network", async () => {
    const options = { rho: 0 };
    const exact = await pacgen(relu.obj, relu.w, { ...options, diagonal: { method: 'exact' } });
    const ggn = await pacgen(relu.obj, relu.w, { ...options, diagonal: { method: 'ggn' } });
    expect(ggn.diagonal.method).toBe('ggn');
    expect(ggn.diagonal.cost).toBe(3);
    expect(Math.abs(ggn.psi - exact.psi) / exact.psi).toBeLessThan(1e-6);
    expect(Math.abs(ggn.psiStar - exact.psiStar) / exact.psiStar).toBeLessThan(1e-6);
  });

  it('objectives without an engine pass (TF.js, custom) are refused in one line', async () => {
    const obj = quadraticObjective([Float64Array.of(2, 0), Float64Array.of(0, 1)]);
    await expect(hessianDiagonal(obj, [0, 0], { method: 'hesscale' })).rejects.toThrow(
      /^the HesScale diagonal \('hesscale'\) needs the core-wasm engine/,
    );
    await expect(ggnDiagonal(obj, [0, 0])).rejects.toThrow(/GGN diagonal .* core-wasm engine/);
    await expect(hessianDiagonal(obj, [0, 0], { method: 'bfgs' as 'exact' })).rejects.toThrow(
      /one of exact, hutchinson, hutchinson-cv, ggn, hesscale, got 'bfgs'/,
    );
  });
});
