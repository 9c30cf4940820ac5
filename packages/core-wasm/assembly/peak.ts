// The machine's multiply-add ceiling for this build: `chains` independent accumulator chains of
// vfma, enough to hide the instruction's latency, so the loop runs at the throughput limit.
// tools/bench reports GEMM GFLOP/s as a share of it.

import { vfma, vsplat, vsum, vadd } from './vector';

/**
 * Runs `iterations` rounds of 12 independent vector multiply-adds; returns their sum (so the
 * work cannot be dropped). Flops: iterations · 12 · 2 · lanes.
 */
export function fmaPeak(iterations: i32, x: Real): Real {
  const a = vsplat(x), b = vsplat(<Real>0.999);
  let c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a;
  let c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
  for (let i = 0; i < iterations; i++) {
    c0 = vfma(c0, c0, b); c1 = vfma(c1, c1, b); c2 = vfma(c2, c2, b); c3 = vfma(c3, c3, b);
    c4 = vfma(c4, c4, b); c5 = vfma(c5, c5, b); c6 = vfma(c6, c6, b); c7 = vfma(c7, c7, b);
    c8 = vfma(c8, c8, b); c9 = vfma(c9, c9, b); c10 = vfma(c10, c10, b); c11 = vfma(c11, c11, b);
  }
  const s = vadd(vadd(vadd(c0, c1), vadd(c2, c3)), vadd(vadd(c4, c5), vadd(c6, c7)));
  return vsum(vadd(s, vadd(vadd(c8, c9), vadd(c10, c11))));
}
