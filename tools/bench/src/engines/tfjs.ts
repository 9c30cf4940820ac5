// TensorFlow.js rows, wasm (XNNPACK, SIMD) and cpu (plain JavaScript) backends, both in this
// process: the library's TF.js engine (tfjsObjective from @pacgen/metrics/tfjs, what
// objectiveFor builds for engine 'tfjs'), given the same NetworkSpec and weights as core-wasm.

import { tf, tfjsObjective, useBackend, type TfjsBackendName } from '@pacgen/metrics/tfjs';
import type { CaseData } from '../cases.js';
import type { Engine, Runner } from './engine.js';

/** The TF.js backends the bench times. */
export type TfjsBackend = Extract<TfjsBackendName, 'wasm' | 'cpu'>;

/**
 * Why the wasm rows are single-threaded: tfjs-backend-wasm 4.22 reports no multithread support
 * under Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is false when IS_NODE, tfjs issue #3830),
 * so setThreadsCount has no effect; forcing the flag fails because the threaded build starts its
 * workers from blob: URLs, which Node's Worker rejects.
 */
export const TFJS_WASM_THREADS_NOTE =
  'tfjs-wasm runs single-threaded in Node: its multithread flag is off under Node (tfjs #3830) ' +
  'and forcing it fails (pthread workers from blob: URLs)';

/** Why tfjs-cpu has no resnet20-grad row (measured: 15 min for two passes at batch 8, loaded). */
export const RESNET_ON_CPU =
  "not timed: tfjs-cpu's plain-JavaScript convolutions (about 0.1 GFLOP/s, the gemm rows) would " +
  'take tens of minutes per ResNet-20 gradient at batch 128';

/**
 * The library's TF.js engine on one backend: the case's spec as a TF.js Layers model holding
 * the case's weights, its batch as one chunk. Timed: `gradientTensor` (training mode where the
 * case says: dropout masks, batch-norm batch statistics) or `hvpTensor` at the case's step, on
 * device tensors; the agreement result: `gradient`/`hvp` in evaluation mode.
 */
export function tfjsEngine(backend: TfjsBackend): Engine {
  return {
    name: `tfjs-${backend}`,
    async prepare(data: CaseData): Promise<Runner | string> {
      const { bench, params, v, step } = data;
      if (backend === 'cpu' && bench.name === 'resnet20-grad') return RESNET_ON_CPU;
      const obj = await tfjsObjective({
        spec: bench.spec,
        params,
        data: { x: data.x, y: data.y },
        backend,
        chunk: bench.batch,
      }).catch((e: Error) => e.message); // a layer TF.js cannot express: the row says which
      if (typeof obj === 'string') return obj;
      const w = obj.upload(params);
      const dir = obj.upload(v);
      const hvp = bench.kind === 'hvp';
      const dispose = () => {
        tf.dispose([w, dir]);
        obj.dispose();
      };
      // The evaluation-mode result doubles as the trial run: a backend without some kernel
      // fails here and its row is skipped with the reason. Computed once, as one pass of
      // tfjs-cpu's CNN gradient takes many seconds.
      let result: Float64Array;
      try {
        result = hvp ? await obj.hvp(params, v, { step }) : (await obj.gradient(params)).grad;
      } catch (e) {
        dispose();
        return (e as Error).message;
      }
      return {
        threads: obj.info.threads,
        // tfjs executes eagerly and synchronously on both backends: when the call returns, the
        // result is computed; it stays in backend memory like core-wasm's.
        step: () => {
          if (hvp) tf.dispose(obj.hvpTensor(w, dir, { step }));
          else {
            const r = obj.gradientTensor(w, { training: bench.trainingDropout });
            tf.dispose([r.loss, r.grad]);
          }
        },
        result: () => result,
        dispose,
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
  const info = await useBackend(backend);
  const a = tf.randomUniform(transposeA ? [K, M] : [M, K], -1, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomUniform([K, N], -1, 1, 'float32', 2) as tf.Tensor2D;
  return {
    threads: info.threads,
    step: () => tf.matMul(a, b, transposeA, false).dispose(),
    dispose: () => tf.dispose([a, b]),
  };
}
