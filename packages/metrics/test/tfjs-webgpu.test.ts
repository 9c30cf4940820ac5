// The TensorFlow.js Objective on WebGPU: in Node through Dawn (the npm package `webgpu`). On a
// machine with a GPU the adapter is the GPU; without one Dawn falls back to OpenGL ES on Mesa's
// llvmpipe (compatibility mode): correct (with the chunk capped under llvmpipe's shader loop
// limit) and slow. Where no adapter exists the suite is skipped
// and the first test checks that the error names what is missing.

import type { NetworkSpec } from '@pacgen/core-wasm';
import { describe, expect, it } from 'vitest';
import { tf, tfjsObjective, TfjsBackendError, useBackend } from '../src/tfjs/index.js';
import {
  expectParity,
  F32_TOLERANCE,
  PARITY_CASES,
  problem,
  quantities,
  rademacher,
  relErr,
  SMALL_MLP,
} from './tfjs-helpers.js';

const started = await useBackend('webgpu').then(
  (info) => ({ info, error: null }),
  (e: Error) => ({ info: null, error: e }),
);

describe('tfjs webgpu', () => {
  it('starts with a named adapter, or fails with an error naming what is missing', () => {
    if (started.info) {
      expect(started.info.adapter).toMatch(/\S/);
      console.info(`webgpu adapter: ${started.info.adapter}`);
    } else {
      expect(started.error).toBeInstanceOf(TfjsBackendError);
      expect(started.error!.message).toMatch(/webgpu.*(package 'webgpu'|no WebGPU adapter)/);
      console.info(`webgpu unavailable here, its tests skipped: ${started.error!.message}`);
    }
  });

  describe.skipIf(started.info === null)('on the adapter', () => {
    it.each(PARITY_CASES)(
      '%s: every quantity agrees with core-wasm f32',
      async (_, spec, move, scale) => {
        const p = await problem(spec, 48);
        const obj = await tfjsObjective({ spec, params: p.w, data: p, backend: 'webgpu' });
        try {
          expect(obj.info.adapter).toBe(started.info!.adapter);
          const want = await quantities(p.core, p.w, move);
          expect(want.productsWithCrossings).toBe(0);
          expectParity(await quantities(obj, p.w, move), want, 'webgpu', scale);
        } finally {
          obj.dispose();
        }
      },
    );

    it('keeps conv gradients right past an adapter loop limit (llvmpipe: 65,535 iterations)', async () => {
      // 26×26 output pixels × 128 samples: 128·(26·27 + 27) ≈ 93,000 loop iterations in one
      // invocation of tfjs-webgpu's filter gradient, past llvmpipe's limit in one chunk.
      const spec: NetworkSpec = {
        inputShape: [28, 28, 1],
        layers: [
          { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu', name: 'conv' },
          { type: 'maxpool2d', poolSize: 2, name: 'pool' },
          { type: 'flatten', name: 'flatten' },
          { type: 'dense', units: 3, name: 'fc' },
        ],
        loss: 'softmax-cross-entropy',
      };
      const p = await problem(spec, 128);
      const obj = await tfjsObjective({
        spec,
        params: p.w,
        data: p,
        backend: 'webgpu',
        chunk: 128,
      });
      if (started.info!.loopLimit !== null)
        expect(obj.chunk).toBe(Math.floor(65534 / (26 * 27 + 27)));
      const [g, gc] = [await obj.gradient(p.w), await p.core.gradient(p.w)];
      expect(relErr(g.grad, gc.grad)).toBeLessThan(F32_TOLERANCE.grad);
      obj.dispose();
    });

    it('leaks no tensor over 100 HVPs', async () => {
      const p = await problem(SMALL_MLP, 32);
      const obj = await tfjsObjective({ spec: SMALL_MLP, params: p.w, data: p, backend: 'webgpu' });
      await obj.hvp(p.w, rademacher(obj.numParams, 0));
      const before = tf.memory().numTensors;
      for (let k = 0; k < 100; k++) await obj.hvp(p.w, rademacher(obj.numParams, k));
      expect(tf.memory().numTensors).toBe(before);
      expect(obj.transfers.pointUploads).toBe(1);
      obj.dispose();
    });
  });
});
