// TensorFlow.js rows, wasm (XNNPACK, SIMD) and cpu (plain JavaScript) backends, both in this
// process. The model is built from the same NetworkSpec as core-wasm's, with its weights.

// The umbrella package is imported for its side effects: the Node build of tfjs-core registers
// no gradient functions (they ship as extension-less ESM that Node cannot load), and
// @tensorflow/tfjs's Node bundle registers them all. Ops, backends and tensors are tfjs-core's.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { Activation, NetworkSpec, TensorInfo } from '@pacgen/core-wasm';
import type { CaseData } from '../cases.js';
import type { Engine, Runner } from './engine.js';

export type TfjsBackend = 'wasm' | 'cpu';

/**
 * Why the wasm rows are single-threaded: tfjs-backend-wasm 4.22 reports no multithread support
 * under Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is false when IS_NODE, tfjs issue #3830),
 * so setThreadsCount has no effect; forcing the flag fails because the threaded build starts its
 * workers from blob: URLs, which Node's Worker rejects.
 */
export const TFJS_WASM_THREADS_NOTE =
  'tfjs-wasm runs single-threaded in Node: its multithread flag is off under Node (tfjs #3830) ' +
  'and forcing it fails (pthread workers from blob: URLs)';

/** Switches tfjs to a backend (initialising it once). Throws when it cannot start. */
export async function useBackend(backend: TfjsBackend): Promise<void> {
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs backend '${backend}' failed to initialise`);
  }
  await tf.ready();
}

/** Threads the backend computes with (tfjs-cpu is plain JavaScript on the calling thread). */
export function backendThreads(backend: TfjsBackend): number {
  return backend === 'wasm' ? getThreadsCount() : 1;
}

function activate(h: tf.Tensor, act: Activation | undefined): tf.Tensor {
  switch (act ?? 'linear') {
    case 'linear':
      return h;
    case 'relu':
      return tf.relu(h);
    case 'sigmoid':
      return tf.sigmoid(h);
    case 'tanh':
      return tf.tanh(h);
    default:
      throw new Error(`activation '${act}' is not in the bench's tfjs model`);
  }
}

const pair = (v: number | [number, number]): [number, number] => (Array.isArray(v) ? v : [v, v]);

/**
 * Logits of the spec's network (the subset the bench cases use: dense, valid/same conv2d,
 * max-pool, flatten, dropout, activations), weights `w` in the order of `tensors`.
 */
export function tfjsForward(
  spec: NetworkSpec,
  tensors: readonly TensorInfo[],
  w: readonly tf.Tensor[],
  x: tf.Tensor,
  training: boolean,
): tf.Tensor2D {
  const byName = new Map(tensors.map((t, i) => [t.name, w[i]]));
  const param = (name: string) => {
    const p = byName.get(name);
    if (!p) throw new Error(`no parameter tensor '${name}'`);
    return p;
  };
  let h = x;
  spec.layers.forEach((l, i) => {
    const name = l.name ?? `${l.type}_${i}`;
    switch (l.type) {
      case 'dense':
      case 'conv2d': {
        if (l.tie !== undefined || l.useBias === false) {
          throw new Error(`layer '${name}': tie/useBias=false are not in the bench's tfjs model`);
        }
        const k = param(`${name}/kernel`);
        if (l.type === 'dense') h = tf.matMul(h as tf.Tensor2D, k as tf.Tensor2D);
        else {
          const padding = l.padding ?? 'valid';
          if (typeof padding === 'number') throw new Error('numeric conv padding not supported');
          h = tf.conv2d(h as tf.Tensor4D, k as tf.Tensor4D, pair(l.strides ?? 1), padding);
        }
        h = activate(tf.add(h, param(`${name}/bias`)), l.activation);
        break;
      }
      case 'maxpool2d': {
        const size = pair(l.poolSize);
        h = tf.maxPool(h as tf.Tensor4D, size, pair(l.strides ?? size), 'valid');
        break;
      }
      case 'flatten':
        h = tf.reshape(h, [h.shape[0], -1]);
        break;
      case 'dropout':
        if (training) h = tf.dropout(h, l.rate);
        break;
      case 'activation':
        h = activate(h, l.activation);
        break;
      default:
        throw new Error(`layer type '${l.type}' is not in the bench's tfjs model`);
    }
  });
  return h as tf.Tensor2D;
}

/** Copies per-tensor results back into one flat vector in the engine's parameter layout. */
function flatten(parts: readonly tf.Tensor[], tensors: readonly TensorInfo[], n: number) {
  const out = new Float32Array(n);
  parts.forEach((p, i) => out.set(p.dataSync() as Float32Array, tensors[i].offset));
  return out;
}

/** A tfjs engine on one backend: gradients by tf.grads, HVPs by two tf.grads at w ± t·v. */
export function tfjsEngine(backend: TfjsBackend): Engine {
  return {
    name: `tfjs-${backend}`,
    async prepare(data: CaseData): Promise<Runner | string> {
      await useBackend(backend);
      const { bench, compiled } = data;
      if (bench.spec.loss !== 'softmax-cross-entropy') throw new Error('only softmax-CE cases');
      const slice = (a: Float32Array, t: TensorInfo) =>
        tf.tensor(a.subarray(t.offset, t.offset + t.size), t.shape);
      const ws = compiled.tensors.map((t) => slice(data.params, t));
      const vs = compiled.tensors.map((t) => slice(data.v, t));
      const x = tf.tensor(data.x, [bench.batch, ...compiled.inputShape]);
      const onehot = tf.oneHot(tf.tensor1d(data.y, 'int32'), compiled.outputSize);
      const owned = [...ws, ...vs, x, onehot];
      // Mean softmax cross-entropy over the batch (tfjs's default reduction is the mean).
      const gradFn = (training: boolean) =>
        tf.grads((...w: tf.Tensor[]) =>
          tf.losses.softmaxCrossEntropy(
            onehot,
            tfjsForward(bench.spec, compiled.tensors, w, x, training),
          ),
        );
      const gradTrain = gradFn(bench.trainingDropout);
      const gradEval = gradFn(false);
      const t = data.step;
      const hvp = (): tf.Tensor[] =>
        tf.tidy(() => {
          const plus = ws.map((w, i) => tf.add(w, tf.mul(vs[i], t)));
          const minus = ws.map((w, i) => tf.sub(w, tf.mul(vs[i], t)));
          const gp = gradEval(plus);
          const gm = gradEval(minus);
          return gp.map((g, i) => tf.div(tf.sub(g, gm[i]), 2 * t));
        });
      const evaluate = () => {
        const parts = bench.kind === 'hvp' ? hvp() : gradEval(ws);
        const flat = flatten(parts, compiled.tensors, compiled.numParams);
        tf.dispose(parts);
        return flat;
      };
      // The dropout-off result doubles as the trial run: a backend without some kernel
      // (tfjs-wasm has no Conv2DBackpropFilter) fails here and its row is skipped with the
      // reason. Computed once, as one pass of tfjs-cpu's CNN gradient takes many seconds.
      let result: Float32Array;
      try {
        result = evaluate();
      } catch (e) {
        tf.dispose(owned);
        return (e as Error).message;
      }
      return {
        threads: backendThreads(backend),
        // tfjs executes eagerly and synchronously on both backends: when grads returns, the
        // gradient is computed; it stays in backend memory like core-wasm's.
        step: () => tf.dispose(bench.kind === 'hvp' ? hvp() : gradTrain(ws)),
        result: () => result,
        dispose: () => tf.dispose(owned),
      };
    },
  };
}

/**
 * C = op(A)·B on a tfjs backend, op(A) M×K (A stored K×M when transposeA), for the GEMM table.
 * Returns the step to time and a dispose.
 */
export async function tfjsMatMul(
  backend: TfjsBackend,
  M: number,
  N: number,
  K: number,
  transposeA: boolean,
): Promise<{ threads: number; step: () => void; dispose: () => void }> {
  await useBackend(backend);
  const a = tf.randomUniform(transposeA ? [K, M] : [M, K], -1, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomUniform([K, N], -1, 1, 'float32', 2) as tf.Tensor2D;
  return {
    threads: backendThreads(backend),
    step: () => tf.matMul(a, b, transposeA, false).dispose(),
    dispose: () => tf.dispose([a, b]),
  };
}
