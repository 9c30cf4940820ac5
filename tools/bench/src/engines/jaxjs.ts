// jax-js rows (@jax-js/jax, its wasm device, in this process): the MLP cases as a jitted
// jax-js function of the weights, differentiated by jax-js's grad (the HVP: grad at w ± t·v,
// the same central difference the other engines time), and the 512³ matrix multiply. jax-js
// runs in Node 20 when only its wasm device is started: init() with no argument also probes
// WebGPU through `navigator`, which Node 20 does not define.

import { grad, init, jit, nn, numpy as np } from '@jax-js/jax';
import type { TensorInfo } from '@pacgen/core-wasm';
import type { CaseData } from '../cases.js';
import type { Engine, Runner } from './engine.js';

type Weights = np.Array[];

let started: Promise<unknown> | null = null;

/** Starts jax-js's wasm device once (the default device). */
function start(): Promise<unknown> {
  started ??= init('wasm');
  return started;
}

/** Why a case has no jax-js row, or null when it has one. */
function unsupported(data: CaseData): string | null {
  const kinds = new Set(data.bench.spec.layers.map((l) => l.type));
  if ([...kinds].some((k) => k !== 'dense')) {
    return 'not written for jax-js yet: the bench builds only dense networks in jax-js (its conv, pooling and batch-norm layers would each need the layout mapping the tfjs rows have)';
  }
  return null;
}

/** Mean softmax cross-entropy of a dense ReLU network (the spec's activations) at w. */
function mlpLoss(data: CaseData, x: np.Array, onehot: np.Array) {
  const layers = data.bench.spec.layers;
  return (w: Weights): np.Array => {
    let h = x.ref;
    layers.forEach((l, i) => {
      if (l.type !== 'dense') throw new Error('dense layers only');
      h = np.matmul(h, w[2 * i]).add(w[2 * i + 1]);
      if (l.activation === 'relu') h = nn.relu(h);
    });
    const logp = nn.logSoftmax(h, -1);
    return logp
      .mul(onehot.ref)
      .sum()
      .mul(-1 / data.bench.batch);
  };
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

/** The jax-js engine: gradients by jit(grad(loss)); HVPs by two of them at w ± t·v. */
export const jaxJsEngine: Engine = {
  name: 'jax-js-wasm',
  async prepare(data: CaseData): Promise<Runner | string> {
    const why = unsupported(data);
    if (why) return why;
    await start();
    const { bench, compiled } = data;
    const x = np.array(data.x, { shape: [bench.batch, compiled.inputSize] });
    const onehot = nn.oneHot(np.array(data.y, { dtype: np.int32 }), compiled.outputSize);
    const g = jit(grad(mlpLoss(data, x, onehot)));
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
    const once = async (): Promise<Weights> => {
      if (bench.kind === 'grad') return g(w.map((a) => a.ref));
      const gp = g(wp.map((a) => a.ref));
      const gm = g(wm.map((a) => a.ref));
      return gp.map((a, i) => a.sub(gm[i]).mul(1 / (2 * t)));
    };
    // The step waits for the values: jax-js dispatches lazily.
    const step = async () => {
      for (const a of await once()) {
        await a.blockUntilReady();
        a.dispose();
      }
    };
    return {
      threads: 1,
      step,
      result: async () => flat(await once(), compiled.tensors, compiled.numParams),
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
