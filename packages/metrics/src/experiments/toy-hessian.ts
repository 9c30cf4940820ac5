// The exact curvature of the toy network (docs/method.md §6): with two parameters the Hessian is a
// 2×2 matrix from four gradients, and the Hessian's Lipschitz constant on the neighbourhood box
// is estimated from the Hessians on a lattice over the box.

import { checkInteger } from '../checks.js';
import type { Objective } from '../objective/objective.js';
import { neighbourhoodRadius } from '../pacgen/neighbourhood.js';

/** A symmetric 2×2 matrix [[xx, xy], [xy, yy]]. */
export interface Sym2 {
  xx: number;
  xy: number;
  yy: number;
}

/** Eigenvalues of a symmetric 2×2 matrix, largest first. */
export function eigen2(h: Sym2): [number, number] {
  const mid = (h.xx + h.yy) / 2;
  const r = Math.hypot((h.xx - h.yy) / 2, h.xy);
  return [mid + r, mid - r];
}

/** Spectral norm ‖A‖₂ = max |λ| of a symmetric 2×2 matrix. */
function spectralNorm2(h: Sym2): number {
  const [a, b] = eigen2(h);
  return Math.max(Math.abs(a), Math.abs(b));
}

/**
 * The 2×2 Hessian of a two-parameter objective at w by central differences of its analytic
 * gradient: column j = (g(w + t e_j) − g(w − t e_j)) / 2t, then symmetrised. In f64 with
 * t = 1e-5 the error is about t²·|∇³L̂| + ε/t ≈ 1e-10 (relative to O(1) derivatives).
 * Cost: 4 gradient evaluations.
 */
export async function exactHessian2(
  obj: Objective,
  w: ArrayLike<number>,
  step = 1e-5,
): Promise<Sym2> {
  const g = async (a: number, b: number) => (await obj.gradient([a, b])).grad;
  const [p1, m1, p2, m2] = [
    await g(w[0] + step, w[1]),
    await g(w[0] - step, w[1]),
    await g(w[0], w[1] + step),
    await g(w[0], w[1] - step),
  ];
  const t2 = 2 * step;
  return {
    xx: (p1[0] - m1[0]) / t2,
    xy: (p1[1] - m1[1] + (p2[0] - m2[0])) / (2 * t2),
    yy: (p2[1] - m2[1]) / t2,
  };
}

/**
 * The Hessian's Lipschitz constant ρ on the box N_{γ,ε}(w) for m = 2 [choice, valid for small m]:
 * the exact Hessian at a k×k lattice spanning the box, then
 * ρ̂ = max over all lattice pairs (p, q) of ‖H(p) − H(q)‖₂ / ‖p − q‖₂ (spectral norm). Every
 * ratio is an instance of the definition, so ρ̂ is a lower estimate of the supremum; it converges
 * to it as k grows (adjacent pairs approach the directional derivatives of H). Returns the centre
 * Hessian too (a lattice point when k is odd). Cost: 4k² gradient evaluations (4k² + 4 for even k).
 */
export async function lipschitzOnBox2(
  obj: Objective,
  w: ArrayLike<number>,
  options: { gamma?: number; epsilon?: number; lattice?: number; step?: number } = {},
): Promise<{ rho: number; hessian: Sym2; cost: number }> {
  const k = checkInteger('lattice', options.lattice ?? 5, 2);
  const kappa = neighbourhoodRadius(w, options.gamma ?? 0.1, options.epsilon ?? 0.1);
  const pts: [number, number][] = [];
  const hs: Sym2[] = [];
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < k; i++) {
      const p: [number, number] = [
        w[0] + kappa[0] * (-1 + (2 * i) / (k - 1)),
        w[1] + kappa[1] * (-1 + (2 * j) / (k - 1)),
      ];
      pts.push(p);
      hs.push(await exactHessian2(obj, p, options.step));
    }
  }
  let rho = 0;
  for (let a = 0; a < pts.length; a++) {
    for (let b = a + 1; b < pts.length; b++) {
      const d = Math.hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1]);
      const diff = {
        xx: hs[a].xx - hs[b].xx,
        xy: hs[a].xy - hs[b].xy,
        yy: hs[a].yy - hs[b].yy,
      };
      rho = Math.max(rho, spectralNorm2(diff) / d);
    }
  }
  const odd = k % 2 === 1;
  const hessian = odd ? hs[(pts.length - 1) / 2] : await exactHessian2(obj, w, options.step);
  return { rho, hessian, cost: 4 * k * k + (odd ? 0 : 4) };
}
