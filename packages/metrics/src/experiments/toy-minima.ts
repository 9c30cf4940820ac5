// The minima of the toy landscape (docs/method.md §6): damped-Newton descent on the exact 2×2
// Hessian from each start of a lattice, the results merged into distinct minima.

import type { Objective } from '../objective/objective.js';
import { eigen2, exactHessian2 } from './toy-hessian.js';

/**
 * Damped Newton descent from a start: the exact 2×2 Hessian's Newton step where it is positive
 * definite, else the normalised negative gradient; steps capped at 0.5 in norm, Armijo
 * backtracking on L̂. Cost per iteration: 5 gradient evaluations + the backtracking's forward
 * passes.
 */
async function descend(
  obj: Objective,
  start: [number, number],
  opts: { maxIterations: number; tol: number; step: number; range: [number, number] },
): Promise<{ w: [number, number]; converged: boolean; inRange: boolean }> {
  const maxStep = 0.5;
  let w: [number, number] = [...start];
  const inside = (p: [number, number]) => p.every((x) => x >= opts.range[0] && x <= opts.range[1]);
  for (let it = 0; it < opts.maxIterations; it++) {
    const { loss: f, grad: g } = await obj.gradient(w);
    const gn = Math.hypot(g[0], g[1]);
    if (gn <= opts.tol) return { w, converged: true, inRange: inside(w) };
    const h = await exactHessian2(obj, w, opts.step);
    const [, lmin] = eigen2(h);
    let p: [number, number];
    if (lmin > 0) {
      const det = h.xx * h.yy - h.xy * h.xy;
      p = [-(h.yy * g[0] - h.xy * g[1]) / det, -(h.xx * g[1] - h.xy * g[0]) / det];
    } else {
      p = [-g[0] / gn, -g[1] / gn];
    }
    const pn = Math.hypot(p[0], p[1]);
    if (pn > maxStep) p = [(p[0] * maxStep) / pn, (p[1] * maxStep) / pn];
    const slope = g[0] * p[0] + g[1] * p[1];
    let s = 1;
    let next: [number, number] = [w[0] + p[0], w[1] + p[1]];
    while ((await obj.loss(next)) > f + 1e-4 * s * slope && s > 1e-12) {
      s /= 2;
      next = [w[0] + s * p[0], w[1] + s * p[1]];
    }
    if (s <= 1e-12) return { w, converged: false, inRange: inside(w) };
    w = next;
    // Far outside the range: a plateau at infinity, not a minimum in view.
    const width = opts.range[1] - opts.range[0];
    if (w.some((x) => x < opts.range[0] - width || x > opts.range[1] + width)) {
      return { w, converged: false, inRange: false };
    }
  }
  const { grad } = await obj.gradient(w);
  return { w, converged: Math.hypot(grad[0], grad[1]) <= opts.tol, inRange: inside(w) };
}

/** How the descents from the lattice of starts ended. */
export interface DescentCounts {
  starts: number;
  converged: number;
  leftRange: number;
  notConverged: number;
}

/**
 * Descends from a starts×starts lattice over `range`² and merges the converged points that lie
 * within `mergeRadius` of each other. Cost: at most 5·maxIterations gradients per start.
 */
export async function findMinima(
  obj: Objective,
  opts: {
    starts: number;
    range: [number, number];
    maxIterations: number;
    tol: number;
    step: number;
    mergeRadius: number;
    onStart?: (done: number, total: number) => unknown;
  },
): Promise<{ found: { w: [number, number]; starts: number }[]; descent: DescentCounts }> {
  const { starts, range, mergeRadius } = opts;
  const found: { w: [number, number]; starts: number }[] = [];
  const descent = { starts: starts * starts, converged: 0, leftRange: 0, notConverged: 0 };
  const at = (k: number) => range[0] + ((range[1] - range[0]) * (k + 0.5)) / starts;
  for (let b = 0; b < starts; b++) {
    for (let a = 0; a < starts; a++) {
      const r = await descend(obj, [at(a), at(b)], {
        maxIterations: opts.maxIterations,
        tol: opts.tol,
        step: opts.step,
        range,
      });
      if (!r.converged) descent.notConverged++;
      else if (!r.inRange) descent.leftRange++;
      else {
        descent.converged++;
        const same = found.find((f) => Math.hypot(f.w[0] - r.w[0], f.w[1] - r.w[1]) <= mergeRadius);
        if (same) same.starts++;
        else found.push({ w: r.w, starts: 1 });
      }
      await opts.onStart?.(b * starts + a + 1, starts * starts);
    }
  }
  return { found, descent };
}
