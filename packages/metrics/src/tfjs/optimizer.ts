// The library's optimizers (perturbedOPT, SAM/ASAM, sgd/adam through fromTransformation) as
// tf.Optimizers for model.compile. TF.js steps inside a synchronous `minimize(f)`, where `f` is
// the loss of the current batch at the variables' values; SAM needs a second gradient at w + ε̂
// and perturbedOPT one at w + u, so `minimize` runs the optimizer's step program (the same code
// its async `step` runs) with an oracle that writes the point into the variables and takes the
// gradient of `f` there, then writes w + updates. The math is the library's (docs/method.md §5).

import { PacgenError } from '@pacgen/core-wasm';
import { runProgramSync, type SyncGradientOracle } from '../optim/step-program.js';
import type { Optimizer, StepContext, StepResult } from '../optim/types.js';
import { tf } from './backend.js';

/** The step of a pacgen optimizer as TF.js runs it. */
export interface TfjsStepInfo {
  /** Batch loss at the optimizer's first gradient (w; w + u for perturbedOPT). */
  loss: number;
  /** Gradient evaluations the step spent (each a forward and backward pass over the batch). */
  gradientEvaluations: number;
  /** The optimizer's numbers for the step (perturbedOPT: σ statistics), when it has them. */
  diagnostics?: Record<string, number>;
}

/** Flat f64 values of variables, in order. Cost: one download of m values. */
function readFlat(vars: tf.Variable[]): Float64Array {
  const flat = tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(v, [-1]))));
  const values = Float64Array.from(flat.dataSync());
  flat.dispose();
  return values;
}

/** Writes the flat vector p into the variables (rounded to f32). Cost: one upload of m values. */
function writeFlat(vars: tf.Variable[], p: ArrayLike<number>): void {
  const all = Float32Array.from(p);
  tf.tidy(() => {
    let offset = 0;
    for (const v of vars) {
      v.assign(tf.tensor(all.subarray(offset, offset + v.size), v.shape, 'float32'));
      offset += v.size;
    }
  });
}

/**
 * Runs `f` for a gradient while disposing the scalars it keeps: model.fit's loss function keeps
 * one metric value per call (tf.keep), which TF.js collects for the first call only.
 */
function gradientsDroppingKept(
  f: () => tf.Scalar,
  vars: tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as { keep: (t: tf.Tensor) => tf.Tensor };
  const keep = engine.keep;
  const kept: tf.Tensor[] = [];
  engine.keep = (t: tf.Tensor) => {
    if (t.rank === 0) kept.push(t);
    return keep.call(engine, t);
  };
  try {
    return tf.variableGrads(f, vars);
  } finally {
    engine.keep = keep;
    tf.dispose(kept);
  }
}

/**
 * A tf.Optimizer whose step is a pacgen Optimizer's: pass it to `model.compile({optimizer})`
 * and `model.fit` runs perturbedOPT, SAM, ASAM or any `fromTransformation(sgd/adam…)` with the
 * library's math. Each `minimize(f)` reads the weights (m values down), runs the optimizer's
 * step program with gradients of `f` at the points it asks for (m values down each), and writes
 * w + updates (m values up); the optimizer's state stays on the host in f64. Cost per step: the
 * optimizer's gradient evaluations (SAM 2, perturbedOPT 1 with the secant curvature), each one
 * forward and backward pass over the batch in training mode.
 *
 * Caveats: every gradient of one step runs the model's forward pass in training mode again, so
 * dropout draws a new mask for each (the library's oracle contract asks for one mask per step)
 * and BatchNorm updates its moving statistics once per gradient. perturbedOPT with an estimated
 * ρ̂ ({ every }) cannot step synchronously and is refused: give ρ̂ as a number.
 */
export class PacgenTfjsOptimizer extends tf.Optimizer {
  static className = 'PacgenOptimizer';
  /** What the last step did. */
  lastStep: TfjsStepInfo | null = null;
  private state: unknown = null;
  private size = -1;

  constructor(
    readonly optimizer: Optimizer<unknown>,
    private readonly context: StepContext = { precision: 'f32' },
  ) {
    super();
    if (typeof optimizer?.program !== 'function') {
      throw new PacgenError(
        `optimizer ${optimizer?.name ?? String(optimizer)} has no step program: use perturbedOpt, sam, asam or fromTransformation`,
      );
    }
  }

  /** One step of the pacgen optimizer on the loss `f` (see the class). */
  override minimize(
    f: () => tf.Scalar,
    returnCost = false,
    varList?: tf.Variable[],
  ): tf.Scalar | null {
    const vars =
      varList ?? Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
    let calls = 0;
    const r = this.stepWith(vars, () => (p) => {
      writeFlat(vars, p);
      const first = calls++ === 0;
      const { value, grads } = first ? tf.variableGrads(f, vars) : gradientsDroppingKept(f, vars);
      const flat = tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(grads[v.name], [-1]))));
      const grad = Float64Array.from(flat.dataSync());
      const loss = value.dataSync()[0];
      tf.dispose([value, flat, ...Object.values(grads)]);
      return { loss, grad };
    });
    return returnCost ? tf.scalar(r.loss) : null;
  }

  /**
   * Applies given gradients (of the variables they name): only for optimizers that need the
   * gradient at w alone (fromTransformation); SAM and perturbedOPT take gradients elsewhere too
   * and need `minimize` (model.fit calls it). The reported loss is NaN (not given).
   */
  override applyGradients(
    variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[],
  ): void {
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const vars = named.map(({ name }) => tf.engine().registeredVariables[name]);
    const flat = tf.tidy(() => tf.concat(named.map(({ tensor }) => tf.reshape(tensor, [-1]))));
    const grad = Float64Array.from(flat.dataSync());
    flat.dispose();
    this.stepWith(vars, (w) => (p) => {
      if (p.some((x, i) => x !== w[i])) {
        throw new PacgenError(
          `${this.optimizer.name} takes gradients at points other than w: call minimize(f) (model.fit does), not applyGradients`,
        );
      }
      return { loss: NaN, grad };
    });
  }

  /** Runs one step with the oracle made for w; writes w + updates (w again on failure). */
  private stepWith(
    vars: tf.Variable[],
    oracle: (w: Float64Array) => SyncGradientOracle,
  ): StepResult<unknown> {
    const w = readFlat(vars);
    if (w.length !== this.size) {
      this.state = this.optimizer.init(w);
      this.size = w.length;
    }
    let r: StepResult<unknown>;
    try {
      r = runProgramSync(this.optimizer.program!(w, this.state, this.context), oracle(w));
    } catch (e) {
      writeFlat(vars, w);
      throw e;
    }
    this.state = r.state;
    writeFlat(
      vars,
      Float64Array.from(w, (x, i) => x + r.updates[i]),
    );
    this.incrementIterations();
    this.lastStep = {
      loss: r.loss,
      gradientEvaluations: r.gradientEvaluations,
      diagnostics: r.diagnostics?.(),
    };
    return r;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { name: this.optimizer.name };
  }
}

/**
 * A tf.Optimizer running `optimizer` (perturbedOPT, SAM, ASAM, fromTransformation(…)) for
 * `model.compile({optimizer: tfjsOptimizer(sam({inner: sgd({learningRate: 0.1})}))})`.
 * `context`: the step context (precision default 'f32', TF.js's; `trainSamples` for
 * perturbedOPT's bound-based scale). Cost per step: the optimizer's gradient evaluations.
 */
export function tfjsOptimizer(
  optimizer: Optimizer<unknown>,
  context: StepContext = {},
): PacgenTfjsOptimizer {
  return new PacgenTfjsOptimizer(optimizer, { precision: 'f32', ...context });
}
