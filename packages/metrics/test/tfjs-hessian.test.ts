// The PyHessian-style handle: each method equals the library's estimator called directly on a
// TF.js objective at the same weights, and the handle's point stays put while the model trains.

import { expect, it } from 'vitest';
import {
  hessianDiagonal,
  hessianTrace,
  pacgen,
  spectralDensity,
  topEigenvalues,
} from '../src/index.js';
import { hessian, tf, tfjsObjective } from '../src/tfjs/index.js';
import { C, sharedClassifier, D, N, oneHot, x, y } from './tfjs-fixture.js';

const current = sharedClassifier();

it('diagonal, trace, eigenvalues, density and pacgen equal the estimators called directly', async () => {
  const model = current();
  const xt = tf.tensor2d(x, [N, D]);
  const yt = tf.tensor2d(oneHot, [N, C]);
  const h = await hessian(model, { x: xt, y: yt });
  const obj = await tfjsObjective({ model, data: { x, y } });
  try {
    const w = obj.params();
    expect(Array.from(h.w)).toEqual(Array.from(w));
    expect(h.objective.numSamples).toBe(N);
    const diag = await h.diagonal();
    expect(diag.method).toBe('exact');
    expect(diag.cost).toBe(2 * w.length + 1);
    expect(Array.from(diag.diagonal)).toEqual(Array.from((await hessianDiagonal(obj, w)).diagonal));
    const trace = { probes: 6, seed: 2 };
    expect((await h.trace(trace)).trace).toBe((await hessianTrace(obj, w, trace)).trace);
    const eig = await h.eigenvalues(3, { seed: 4 });
    expect(eig.values).toHaveLength(3);
    expect(eig.values).toEqual((await topEigenvalues(obj, w, { k: 3, seed: 4 })).values);
    const density = { runs: 2, steps: 10, grid: 16, seed: 5 };
    expect(Array.from((await h.density(density)).density)).toEqual(
      Array.from((await spectralDensity(obj, w, density)).density),
    );
    const options = { rho: { probes: 2 }, seed: 6 };
    const report = await h.pacgen(options);
    const direct = await pacgen(obj, w, options);
    expect(report.psi).toBe(direct.psi);
    expect(report.psiStar).toBe(direct.psiStar);
    expect(Array.from(report.sigmaStar)).toEqual(Array.from(direct.sigmaStar));
    // The top eigenvalue is the largest diagonal-dominating curvature: λ_max ≥ max_i h_i.
    expect(eig.values[0]).toBeGreaterThanOrEqual(Math.max(...diag.diagonal) * (1 - 1e-3));

    // Training the model does not move the handle's point.
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    await model.fit(xt, yt, { epochs: 2, verbose: 0 });
    expect((await h.diagonal()).diagonal).toEqual(diag.diagonal);
    expect(xt.isDisposed || yt.isDisposed).toBe(false);
  } finally {
    h.dispose();
    obj.dispose();
    tf.dispose([xt, yt]);
  }
});
