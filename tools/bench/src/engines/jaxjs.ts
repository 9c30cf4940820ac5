// jax-js rows (@jax-js/jax, its wasm device, in this process): the MLP and CNN cases as a jitted
// jax-js function of the weights (jaxjs-network.ts), differentiated by jax-js's grad (the HVP:
// grad at w ± t·v, the same central difference the other engines time), and the 512³ matrix
// multiply. jax-js runs in Node 20 when only its wasm device is started: init() with no
// argument also probes WebGPU through `navigator`, which Node 20 does not define.

import { grad, init, jit, nn, numpy as np, random } from '@jax-js/jax';
import type { TensorInfo } from '@pacgen/core-wasm';
import type { CaseData } from '../cases.js';
import type { Engine, Runner } from './engine.js';
import { jaxJsLoss, jaxJsUnsupported, type Weights } from './jaxjs-network.js';

let started: Promise<unknown> | null = null;

/** Starts jax-js's wasm device once (the default device). */
function start(): Promise<unknown> {
  started ??= init('wasm');
  return started;
}

function tensorsOf(a: Float32Array, tensors: readonly TensorInfo[]): Weights {
  return tensors.map((t) => np.array(a.slice(t.offset, t.offset + t.size), { shape: t.shape }));
}

async function flat(parts: Weights, tensors: readonly TensorInfo[], n: number) {
  const out = new Float32Array(n);
  for (let i = 0; i < parts.length; i++) {
    out.set((await parts[i].data()) as Float32Array, tensors[i].offset);
  }
  return out;
}

/**
 * The jax-js engine: gradients by jit(grad(loss)); HVPs by two of them at w ± t·v. Timed in the
 * case's mode (training-mode dropout draws a fresh mask per gradient, from a new key); the
 * agreement result with dropout off.
 */
export const jaxJsEngine: Engine = {
  name: 'jax-js-wasm',
  async prepare(data: CaseData): Promise<Runner | string> {
    const { bench, compiled } = data;
    const why = jaxJsUnsupported(bench.spec);
    if (why) return why;
    await start();
    // pacgen's NHWC images become NCHW here, once: the batch is data, not part of the timed pass.
    const image = compiled.inputShape.length === 3;
    const [H, W, C] = compiled.inputShape;
    const nhwc = np.array(data.x, {
      shape: image ? [bench.batch, H, W, C] : [bench.batch, compiled.inputSize],
    });
    const x = image ? nhwc.transpose([0, 3, 1, 2]) : nhwc;
    const onehot = nn.oneHot(np.array(data.y, { dtype: np.int32 }), compiled.outputSize);
    const g = jit(grad(jaxJsLoss(bench.spec, compiled, x, onehot, false)));
    const gTrain = jit(grad(jaxJsLoss(bench.spec, compiled, x, onehot, true)));
    const w = tensorsOf(data.params, compiled.tensors);
    const t = data.step;
    const wp = tensorsOf(
      data.params.map((p, i) => p + t * data.v[i]),
      compiled.tensors,
    );
    const wm = tensorsOf(
      data.params.map((p, i) => p - t * data.v[i]),
      compiled.tensors,
    );
    let seed = 0;
    const once = async (training: boolean): Promise<Weights> => {
      if (bench.kind === 'grad') {
        return training
          ? gTrain(
              w.map((a) => a.ref),
              random.key(++seed),
            )
          : g(w.map((a) => a.ref));
      }
      const gp = g(wp.map((a) => a.ref));
      const gm = g(wm.map((a) => a.ref));
      return gp.map((a, i) => a.sub(gm[i]).mul(1 / (2 * t)));
    };
    // The step waits for the values: jax-js dispatches lazily.
    const step = async () => {
      for (const a of await once(bench.trainingDropout)) {
        await a.blockUntilReady();
        a.dispose();
      }
    };
    return {
      threads: 1,
      step,
      result: async () => flat(await once(false), compiled.tensors, compiled.numParams),
      dispose: () => {
        for (const a of [...w, ...wp, ...wm, x, onehot]) a.dispose();
      },
    };
  },
};

/** C = A·B (M×K by K×N, f32) on jax-js's wasm device, jitted; A read transposed when asked. */
export async function jaxJsMatMul(
  M: number,
  N: number,
  K: number,
  transposeA: boolean,
): Promise<{ threads: number; step: () => Promise<void>; dispose: () => void }> {
  await start();
  let s = 1;
  const rand = (n: number) =>
    Float32Array.from(
      { length: n },
      () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1,
    );
  const a = np.array(rand(M * K), { shape: transposeA ? [K, M] : [M, K] });
  const b = np.array(rand(K * N), { shape: [K, N] });
  const mm = jit((p: np.Array, q: np.Array) => np.matmul(transposeA ? p.transpose() : p, q));
  return {
    threads: 1,
    step: async () => {
      const c = mm(a.ref, b.ref);
      await c.blockUntilReady();
      c.dispose();
    },
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
}
