// The diagonal-curvature passes inside the engine (assembly/curvature.ts, docs/method.md §5):
// the exact generalized Gauss-Newton diagonal and HesScale's Hessian-diagonal approximation.
// Their scratch (a second program and gradient pool for HesScale, replicated inputs and
// squared rows for the GGN) is allocated on first use, so networks that never ask pay nothing.

import { OP } from '../compile/compiled.js';
import { PacgenError } from '../errors.js';
import type { EngineBuffers, RealArray } from './buffers.js';
import type { EngineData } from './data.js';
import { writeRecords, type ProgramLayout } from './program.js';
import type { Samples } from './samples.js';

export type EngineDiagonalKind = 'ggn' | 'hesscale';

export interface DiagonalPassOptions {
  samples?: Samples;
}

const NOT_SUPPORTED: Record<number, string> = {
  [OP.batchnorm]: 'batchnorm',
  [OP.layernorm]: 'layernorm',
};

/** Why the network cannot run the pass, or null. O(layers). */
export function curvatureRefusal(buf: EngineBuffers, kind: EngineDiagonalKind): string | null {
  const c = buf.compiled;
  const label = kind === 'ggn' ? 'GGN' : 'HesScale';
  const bad = c.layers.find((l) => NOT_SUPPORTED[l.op] !== undefined);
  if (bad) return `not supported for ${label}: ${NOT_SUPPORTED[bad.op]} (layer '${bad.name}')`;
  // A weight read by two nodes (tie, or a shared tensor map) needs its per-sample gradient
  // summed over them before squaring, which the per-node passes do not do.
  const offsets = c.layers.filter((l) => l.weightOffset >= 0).map((l) => l.weightOffset);
  if (c.map || new Set(offsets).size < offsets.length) {
    return `not supported for ${label}: tied or shared weights`;
  }
  return null;
}

/** The engine's curvature scratch, allocated once per network. */
export class CurvatureScratch {
  private configured = false;

  constructor(
    private readonly buf: EngineBuffers,
    private readonly layout: ProgramLayout,
  ) {}

  /**
   * The diagonal of the GGN or HesScale's Hessian diagonal of the mean loss at the current
   * parameters, over the selected samples (a fresh Float64Array). Cost: GGN, O (the number of
   * outputs) forward and backward passes plus a per-sample kernel GEMM per conv layer; HesScale,
   * one forward and two backward passes.
   */
  run(data: EngineData, kind: EngineDiagonalKind, opts: DiagonalPassOptions): Float64Array {
    const refusal = curvatureRefusal(this.buf, kind);
    if (refusal) throw new PacgenError(refusal);
    const c = this.buf.compiled;
    if (kind === 'ggn' && this.layout.maxBatch < c.outputSize) {
      throw new PacgenError(
        `the GGN diagonal needs maxBatch ≥ ${c.outputSize} (the number of outputs), got ${this.layout.maxBatch}`,
      );
    }
    const m = c.numParams;
    this.buf.checkFinite(this.buf.ptr.params, m, 'parameters');
    const { idx, start, count } = data.select(opts.samples);
    this.configure();
    const pass = kind === 'ggn' ? this.buf.ex.ggnDiagonal : this.buf.ex.hesscaleDiagonal;
    pass(this.buf.ptr.params, this.buf.ptr.out, idx, start, count, 1 / count);
    return Float64Array.from(this.view(m));
  }

  private view(m: number): RealArray {
    return this.buf.view(this.buf.ptr.out, m);
  }

  /** Allocates the scratch and hands it to the engine (first call only). */
  private configure(): void {
    if (this.configured) return;
    const { buf, layout } = this;
    const c = buf.compiled;
    const B = layout.maxBatch;
    const widest = Math.max(c.inputSize, ...c.layers.map((l) => Math.max(l.inSize, l.outSize)));
    const pool2 = buf.real(B * c.plan.perSample);
    const delta2 = c.plan.delta.map((o) => (o < 0 ? 0 : pool2 + B * o * buf.bytes));
    const prog2 = writeRecords(buf, layout, delta2);
    buf.ex.configureCurvature(
      prog2,
      buf.real(B * widest),
      buf.real(B * widest),
      buf.real(Math.max(c.maxMatrix, c.outputSize)),
      buf.real(B * c.inputSize),
      buf.real(B * c.maxWidth),
      buf.real(c.outputSize),
    );
    this.configured = true;
  }
}
