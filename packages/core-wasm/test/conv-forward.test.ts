// A convolution whose windows stay inside the image runs its forward product as an implicit GEMM
// (assembly/gemm-runs.ts: the input read in place, no im2col columns). Its output against the
// direct sum, in every build, for shapes that leave pixels over at the end of an output row (3- and
// 4-pixel tiles) and channels over at the end of a strip (whole vectors, partial ones, none).

import { describe, expect, it } from 'vitest';
import { Network, Random, type Kernels } from '../src/index.js';

interface ConvCase {
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  CO: number;
  sh: number;
  sw: number;
}

/** The conv's output (B·OH·OW·CO, NHWC) from the kernel [KH, KW, C, CO] and bias at their offsets. */
function directConv(
  s: ConvCase,
  B: number,
  x: ArrayLike<number>,
  p: ArrayLike<number>,
  wo: number,
  bo: number,
) {
  const OH = Math.floor((s.H - s.KH) / s.sh) + 1;
  const OW = Math.floor((s.W - s.KW) / s.sw) + 1;
  const out = new Float64Array(B * OH * OW * s.CO);
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let co = 0; co < s.CO; co++) {
          let sum = p[bo + co];
          for (let ky = 0; ky < s.KH; ky++) {
            for (let kx = 0; kx < s.KW; kx++) {
              for (let c = 0; c < s.C; c++) {
                const xi = ((b * s.H + oy * s.sh + ky) * s.W + ox * s.sw + kx) * s.C + c;
                sum += x[xi] * p[wo + ((ky * s.KW + kx) * s.C + c) * s.CO + co];
              }
            }
          }
          out[((b * OH + oy) * OW + ox) * s.CO + co] = sum;
        }
      }
    }
  }
  return out;
}

describe('a convolution inside the image: implicit GEMM against the direct sum', () => {
  // 9×11×1, 5 × 5 to 10 channels (conv1 of the MNIST network, narrower): 7 pixels a row, one
  // left by 3-pixel tiles, three by 4-pixel ones; 8×10×3, 3 × 3 strided [1, 2] to 13 channels: a
  // strip and one channel (fma), a strip and 5 (plain); 7×9×2, [2, 3] strided 2 to 4 channels:
  // one vector of a strip; 6×6×5, 3 × 3 to 20 channels: a strip and 8 (its third vector unused).
  const cases: ConvCase[] = [
    { H: 9, W: 11, C: 1, KH: 5, KW: 5, CO: 10, sh: 1, sw: 1 },
    { H: 8, W: 10, C: 3, KH: 3, KW: 3, CO: 13, sh: 1, sw: 2 },
    { H: 7, W: 9, C: 2, KH: 2, KW: 3, CO: 4, sh: 2, sw: 2 },
    { H: 6, W: 6, C: 5, KH: 3, KW: 3, CO: 20, sh: 1, sw: 1 },
  ];
  const builds: ['f32' | 'f64', Kernels][] = [
    ['f64', 'fma'],
    ['f64', 'plain'],
    ['f32', 'fma'],
    ['f32', 'plain'],
  ];
  it.each(builds)(
    '%s, %s build: every output within rounding of the direct sum',
    async (precision, kernels) => {
      const B = 3;
      for (const s of cases) {
        const net = await Network.create(
          {
            inputShape: [s.H, s.W, s.C],
            layers: [
              { type: 'conv2d', filters: s.CO, kernelSize: [s.KH, s.KW], strides: [s.sh, s.sw] },
            ],
            loss: 'mse',
          },
          { precision, kernels },
        );
        net.initParams(5);
        const rng = new Random(9);
        const p = net.params;
        for (let i = 0; i < p.length; i++) p[i] = rng.normal();
        const x = Array.from({ length: B * s.H * s.W * s.C }, () => rng.normal());
        const [kernel, bias] = net.tensors;
        expect(kernel.shape).toEqual([s.KH, s.KW, s.C, s.CO]);
        const exact = directConv(
          s,
          B,
          x,
          Float64Array.from(net.params),
          kernel.offset,
          bias.offset,
        );
        const got = net.predict(x);
        expect(got.length).toBe(exact.length);
        // Each output sums K = KH·KW·C products and the bias: within (K + 1)·u·Σ|terms|, bounded here
        // by a tolerance relative to the largest output.
        const scale = Math.max(...exact.map(Math.abs));
        const tol = (precision === 'f64' ? 1e-14 : 1e-6) * scale;
        let worst = 0;
        for (let i = 0; i < exact.length; i++) worst = Math.max(worst, Math.abs(got[i] - exact[i]));
        expect(worst).toBeLessThan(tol);
      }
    },
  );
});
