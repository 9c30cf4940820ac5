// The generalized Gauss-Newton matrix times a vector, G·v = (1/n) Σ_n J_nᵀ H_n J_n v (docs/method.md
// §5): J_n v, the change of sample n's outputs along v, by central differences of the forward
// pass (as the Hessian-vector product differences the gradient); H_n the output Hessian of the
// loss at w; and Jᵀ by one backward pass at w from that output cotangent. Used as the control
// variate of the Hutchinson diagonal (metrics, hessian/control-variate.ts).

import * as C from './context';
import * as N from './network';
import { SHIFT } from './vector';
import { fill, lincomb } from './blas';
import { backward, forward } from './passes';
import { KINKS_COMPARE, KINKS_OFF, KINKS_RECORD } from './kinks';
import { F_ACT, F_DELTA, field } from './program';
import { lossHessianVector } from './curvature-kernels';

// ---- scratch, set by configureGaussNewton (byte pointers) ----
let outPlus: usize = 0; // maxBatch × outSize: outputs at w + t·v
let jv: usize = 0; // maxBatch × outSize: J v
let jv2: usize = 0; // maxBatch × outSize: J v at step 2t (Richardson)
let probs: usize = 0; // outSize reals

export function configureGaussNewton(plus: usize, d: usize, d2: usize, p: usize): void {
  outPlus = plus; jv = d; jv2 = d2; probs = p;
}

/** dst = (f(w + t·v) − f(w − t·v)) / 2t for the chunk at x, counting kink crossings. */
function outputDifference(x: usize, B: i32, params: usize, v: usize, t: Real, dst: usize): void {
  const n = B * N.outSize;
  const lastOut = <usize>field(C.rec(C.nLayers - 1), F_ACT);
  lincomb(N.paramsTmp, 1, params, t, v, N.numParams);
  lincomb(N.paramsTmp2, 1, params, -t, v, N.numParams);
  C.kinkMode = KINKS_RECORD;
  forward(x, B, N.expandWeights(N.paramsTmp, N.weights));
  memory.copy(outPlus, lastOut, <usize>n << SHIFT);
  C.kinkMode = KINKS_COMPARE;
  forward(x, B, N.expandWeights(N.paramsTmp2, N.weights2));
  C.kinkMode = KINKS_OFF;
  const inv = <Real>1 / (<Real>2 * t);
  lincomb(dst, inv, outPlus, -inv, lastOut, n);
}

/**
 * out = scale · Σ_samples J_nᵀ H_n J_n v over `count` samples (indices `idx`, or the range from
 * `start`), in eval mode. J_n v by central differences at step t (with `richardson`,
 * (4·D(t) − D(2t))/3); kinkCrossings counts the units whose state differs between w ± t·v
 * (and w ± 2t·v). Cost per chunk: 3 forward passes (5 with Richardson) and 1 backward pass.
 */
export function gaussNewtonVector(
  params: usize, v: usize, t: Real, out: usize, richardson: bool,
  idx: usize, start: i32, count: i32, scale: Real,
): void {
  C.training = false;
  C.kinkCrossings = 0;
  fill(out, 0, N.numParams);
  const gw = N.gradientTarget(out, N.gradW);
  const last = C.rec(C.nLayers - 1);
  const lastOut = <usize>field(last, F_ACT);
  for (let c = 0; c < count; c += N.maxBatch) {
    const B = min(N.maxBatch, count - c);
    const n = B * N.outSize;
    const x = N.loadChunk(idx, start, c, B);
    outputDifference(x, B, params, v, t, jv);
    if (richardson) {
      outputDifference(x, B, params, v, t * 2, jv2);
      lincomb(jv, <Real>(4.0 / 3.0), jv, <Real>(-1.0 / 3.0), jv2, n);
    }
    const w = N.expandWeights(params, N.weights);
    forward(x, B, w);
    lossHessianVector(N.lossKind, lastOut, jv, B, N.outSize, <usize>field(last, F_DELTA), probs, scale);
    backward(x, B, w, gw);
  }
  N.foldTied(gw, out);
}
