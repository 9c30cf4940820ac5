// Data-parallel passes with results that do not depend on the thread count: the selected
// samples are cut into fixed chunks (`chunk` samples each, set at creation, never derived from
// the threads); chunk k runs on thread k mod T (the calling thread's own Network for 0, a
// worker's for the others, each holding a full copy of the data), and the chunks' results are
// summed count-weighted in chunk order, in f64. Every chunk is computed by the same engine code
// on the same numbers whichever thread runs it, so 1, 2 or 3 threads give bit-identical results
// (docs/engine.md, "Threads").

import type { CompiledNetwork, TensorInfo } from '../compile/compiled.js';
import { PacgenError } from '../errors.js';
import type { Kernels, Precision } from '../module.js';
import { hvpStep } from '../hvp-step.js';
import type { RealArray } from '../network/buffers.js';
import type { DiagonalPassOptions, EngineDiagonalKind } from '../network/curvature.js';
import type { EvalResult, PassOptions } from '../network/evaluate.js';
import type { HvpOptions, KinkCount } from '../network/hvp.js';
import { Network, type NetworkOptions } from '../network/network.js';
import type { Samples } from '../network/samples.js';
import type { NetworkSpec } from '../spec.js';
import {
  ChunkSum,
  FoldScratch,
  partCount,
  splitChunks,
  type ChunkResult,
  type Folded,
} from './chunks.js';
import { defaultThreadCount, workerThresholdFromEnvironment } from '#platform';
import { PASS_COST, WorkerPolicy, forwardMacsPerSample, workersPay } from './work.js';
import type { PartSamples } from './transport.js';
import { WorkerHandle, type Ok } from './worker-handle.js';

export interface ParallelNetworkOptions extends NetworkOptions {
  /**
   * Threads per pass, the calling thread included (threads − 1 workers are started). Default:
   * the available cores (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency`
   * in browsers).
   */
  threads?: number;
  /**
   * Samples per chunk of every pass (default DEFAULT_CHUNK, or maxBatch when smaller). Results
   * depend on it (the order of the sums), never on `threads`.
   */
  chunk?: number;
  /**
   * Scales the rule that keeps a pass on the calling thread when its chunks are too small to
   * pay for a worker's hand-off (`workersPay` in parallel/work.ts): 1 by default (or the
   * PACGEN_WORKER_THRESHOLD environment variable in Node), 0 to use the workers for every pass
   * (nor does a loaded machine then keep passes on the calling thread: `WorkerPolicy`).
   * It changes only the time: results are the same for any thread count.
   */
  workerThreshold?: number;
}

/** Samples per chunk by default: 4 chunks in a batch of 256, so 2 to 4 threads share it. */
export const DEFAULT_CHUNK = 64;

/** Chunks per thread a pass sends ahead of the one it folds (see ParallelNetwork.fold). */
const LOOKAHEAD = 3;

/**
 * A Network whose passes are split over several threads (data parallelism). Same results as
 * `Network` up to summation order (fixed chunks summed in chunk order, so bit-identical for any
 * thread count), including training-mode dropout (masks are per sample). Data is copied to
 * every worker once, in `setData`; each pass sends one request per chunk (the parameters once
 * when changed, and the HVP direction) and receives one vector per chunk.
 */
export class ParallelNetwork {
  readonly threads: number;
  /** Samples per chunk: the unit of work and of the fixed summation order. */
  readonly chunk: number;
  private readonly main: Network;
  private readonly workers: WorkerHandle[];
  private readonly scratch: FoldScratch;
  private readonly forwardMacs: number;
  private readonly threshold: number;
  private readonly policy = new WorkerPolicy();
  /**
   * Threads the last pass ran on: 1 when its chunks were too small to hand out (see
   * `workerThreshold`) or when passes split over the threads lately took longer than one
   * thread would have (a loaded machine; `WorkerPolicy` in parallel/work.ts).
   */
  lastThreads = 0;
  /** Bumped on every parameter change; workers get params only when theirs are older. */
  private version = 0;
  private terminated = false;

  private constructor(main: Network, workers: WorkerHandle[], chunk: number, threshold: number) {
    this.main = main;
    this.workers = workers;
    this.threads = workers.length + 1;
    this.chunk = chunk;
    this.scratch = new FoldScratch(main.engineBuffers);
    this.forwardMacs = forwardMacsPerSample(main.compiled);
    this.threshold = threshold;
  }

  /**
   * Compiles the spec (throws PacgenError on a bad one) and starts `threads − 1` workers, each
   * instantiating its own engine. Call `terminate()` when done; idle workers don't keep a Node
   * process alive, though.
   */
  static async create(
    spec: NetworkSpec,
    options: ParallelNetworkOptions = {},
  ): Promise<ParallelNetwork> {
    const threads = options.threads ?? defaultThreadCount();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new PacgenError(`threads must be a positive integer, got ${threads}`);
    }
    if (options.chunk !== undefined && !(Number.isInteger(options.chunk) && options.chunk >= 1)) {
      throw new PacgenError(`chunk must be a positive integer, got ${options.chunk}`);
    }
    const threshold = options.workerThreshold ?? workerThresholdFromEnvironment() ?? 1;
    if (!(Number.isFinite(threshold) && threshold >= 0)) {
      throw new PacgenError(`workerThreshold must be a number ≥ 0, got ${threshold}`);
    }
    const main = await Network.create(spec, options);
    const init = {
      type: 'init',
      spec,
      precision: main.precision,
      maxBatch: main.maxBatch,
      kernels: main.kernels,
    } as const;
    const workers: WorkerHandle[] = [];
    // allSettled, not all: every started worker must be known before cleaning up on failure.
    const settled = await Promise.allSettled(
      Array.from({ length: threads - 1 }, async () => {
        const w = await WorkerHandle.start();
        workers.push(w);
        await w.request(init);
      }),
    );
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw failed.reason;
    }
    const chunk = options.chunk ?? Math.min(DEFAULT_CHUNK, main.maxBatch);
    return new ParallelNetwork(main, workers, chunk, threshold);
  }

  get numParams(): number {
    return this.main.numParams;
  }

  get tensors(): TensorInfo[] {
    return this.main.tensors;
  }

  /** The compiled network every thread runs. */
  get compiled(): CompiledNetwork {
    return this.main.compiled;
  }

  get precision(): Precision {
    return this.main.precision;
  }

  get maxBatch(): number {
    return this.main.maxBatch;
  }

  /**
   * The most requests any worker has had outstanding at once so far: at most
   * 3 × threads (the look-ahead of a pass, see `fold`), however many chunks a pass has.
   */
  get peakPendingRequests(): number {
    return Math.max(0, ...this.workers.map((w) => w.peakPending));
  }

  /** The engine build every thread runs on. */
  get kernels(): Kernels {
    return this.main.kernels;
  }

  /** Number of samples set by `setData`. */
  get numSamples(): number {
    return this.main.numSamples;
  }

  /** A copy of the current parameter vector. */
  params(): RealArray {
    return this.main.params.slice();
  }

  /** Copies a parameter vector in, after checking its length and values (as Network does). */
  setParams(values: ArrayLike<number>): void {
    this.alive();
    try {
      this.main.setParams(values);
    } finally {
      this.version++;
    }
  }

  /** Glorot-uniform kernels and zero biases, seeded as in Network; returns a copy. */
  initParams(seed = 0): RealArray {
    this.alive();
    this.version++;
    return this.main.initParams(seed).slice();
  }

  /** The buffers' named blocks (batch-norm running statistics), as in Network. */
  get buffers(): TensorInfo[] {
    return this.main.buffers;
  }

  /** A copy of the main thread's buffer values. */
  getBuffers(): Float64Array {
    return this.main.getBuffers();
  }

  /**
   * Copies buffer values in (checked as Network does) on every thread. Training-mode passes
   * update each thread's copy from its own part of the batch; set them again after training.
   */
  async setBuffers(values: ArrayLike<number>): Promise<void> {
    this.alive();
    this.main.setBuffers(values);
    const b = Float64Array.from(values);
    await Promise.all(this.workers.map((w) => w.request({ type: 'buffers', values: b })));
  }

  /**
   * Checks the data set here, then copies it to every worker (the only large transfer; each
   * thread holds a full copy, so memory is `threads` × the data set).
   * x: n × inputSize inputs; y: n class labels or n × outputSize targets.
   */
  async setData(x: ArrayLike<number>, y: ArrayLike<number>): Promise<void> {
    this.alive();
    this.main.setData(x, y);
    if (this.workers.length === 0) return;
    // Converted once here (as the engine would round them), then cloned per worker.
    const Real = this.main.precision === 'f32' ? Float32Array : Float64Array;
    const xs = x instanceof Real ? x : Real.from(x);
    const ys = y instanceof Float64Array ? y : Float64Array.from(y);
    const settled = await Promise.allSettled(
      this.workers.map((w) => w.request({ type: 'data', x: xs, y: ys })),
    );
    const bad = settled.find((s) => s.status === 'rejected');
    if (bad) {
      // Data passed the checks above, so this is an engine failure (memory): a worker left with
      // other data must not serve later passes.
      settled.forEach((s, i) => {
        if (s.status === 'rejected') {
          const why = s.reason instanceof Error ? s.reason.message : String(s.reason);
          this.workers[i].fail(
            new Error(`a ParallelNetwork worker could not take the data: ${why}`),
          );
        }
      });
      throw bad.reason;
    }
  }

  /** Mean loss and accuracy over the samples. Cost: one forward pass, split over threads. */
  async evaluate(opts: PassOptions = {}): Promise<EvalResult> {
    return (await this.pass(opts, false)).result;
  }

  /**
   * Mean loss, accuracy, and the gradient of the mean loss (a fresh array). Cost: 1 gradient
   * evaluation split over threads, plus sending params to each worker after they change.
   */
  async gradient(opts: PassOptions = {}): Promise<EvalResult & { grad: RealArray }> {
    const { result, out } = await this.pass(opts, true);
    return { ...result, grad: out! };
  }

  /**
   * Hessian-vector product of the mean loss by central differences of the gradient, every part
   * using the same step t (the default is computed here from v, as Network.hvp does) and
   * `opts.kinks` receiving the parts' kink crossings summed (`opts.gaussNewton`: G·v, as
   * Network.hvp). Cost: 2 gradient evaluations (4 with Richardson) split over threads.
   * Returns a fresh array.
   */
  async hvp(v: ArrayLike<number>, opts: HvpOptions = {}): Promise<RealArray> {
    this.alive();
    if (v.length !== this.numParams) {
      throw new PacgenError(
        `direction has length ${v.length}, the network has ${this.numParams} parameters`,
      );
    }
    // Rounded to the precision first so the step matches what the engine sees.
    const vr = this.main.precision === 'f32' ? Float32Array.from(v) : Float64Array.from(v);
    const step = opts.step ?? hvpStep(this.main.precision, vr, this.main.params);
    const { richardson, gaussNewton } = opts;
    const cost = richardson ? PASS_COST.richardson : PASS_COST.hvp;
    const r = await this.fold(
      { samples: opts.samples, cost, out: true },
      (samples) => {
        const kinks: KinkCount = {};
        const out = this.main.hvp(vr, { samples, step, richardson, gaussNewton, kinks });
        return { out, crossings: kinks.crossings };
      },
      (w, samples) => {
        const v = vr.slice();
        const params = this.paramsFor(w);
        const msg = { type: 'hvp', params, samples, v, step, richardson, gaussNewton } as const;
        return w.request(msg, buffers(v, params));
      },
    );
    if (opts.kinks) opts.kinks.crossings = r.crossings;
    return r.out!;
  }

  /**
   * The engine's GGN or HesScale diagonal of the mean loss (Network.diagonal), its chunks split
   * over the threads and averaged in chunk order like a gradient: the same for any thread count.
   * Cost: Network.diagonal's, divided among the threads. Returns a fresh Float64Array.
   */
  async diagonal(kind: EngineDiagonalKind, opts: DiagonalPassOptions = {}): Promise<Float64Array> {
    this.alive();
    const r = await this.fold(
      { samples: opts.samples, cost: PASS_COST.gradient, out: true },
      (samples) => ({ out: this.main.diagonal(kind, { samples }) }),
      (w, samples) => {
        const params = this.paramsFor(w);
        return w.request({ type: 'diagonal', params, samples, kind }, buffers(params));
      },
    );
    return Float64Array.from(r.out!);
  }

  /** Ends the workers; later calls throw. Pending calls reject. */
  async terminate(): Promise<void> {
    this.terminated = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private alive(): void {
    if (this.terminated) throw new PacgenError('ParallelNetwork has been terminated');
  }

  private pass(opts: PassOptions, grad: boolean): Promise<Folded> {
    this.alive();
    const { training, seed } = opts;
    const cost = grad ? PASS_COST.gradient : PASS_COST.evaluate;
    return this.fold(
      { samples: opts.samples, cost, out: grad },
      (samples) => {
        const o = { samples, training, seed };
        if (!grad) return { result: this.main.evaluate(o) };
        const { grad: out, ...result } = this.main.gradient(o);
        return { result, out };
      },
      (w, samples) => {
        const params = this.paramsFor(w);
        const msg = { type: 'pass', params, samples, grad, training, seed } as const;
        return w.request(msg, buffers(params));
      },
    );
  }

  /**
   * Cuts the selection into chunks, sends chunk k to thread k mod T (T = min(threads, chunks),
   * or 1 when a chunk's work — `cost` forward passes of its samples — does not pay for a
   * worker's hand-off of its result (`out`: a parameter-sized vector), see parallel/work.ts)
   * and folds the results in chunk order: Σ_k n_k·r_k / n in f64, the same sums in the same
   * order for any T. Workers' requests go out up to LOOKAHEAD·T chunks ahead of the fold, so
   * they compute while this thread does its own, but a pass never holds more than that many
   * parameter-sized results and directions: sent all at once, a gradient or HVP over n samples
   * held about n/chunk of them (1.9 GB peak for 10⁶ parameters on 10,000 samples, 2 threads).
   * The earliest failing chunk's error is thrown (the one Network would have reported), after
   * every request sent has settled.
   */
  private async fold(
    pass: { samples: Samples | undefined; cost: number; out: boolean },
    own: (part: PartSamples) => ChunkResult,
    remote: (w: WorkerHandle, part: PartSamples) => Promise<Ok>,
  ): Promise<Folded> {
    const chunks = this.split(pass.samples);
    this.scratch.prepare();
    const T = this.threadsFor(
      partCount(chunks[0]) * this.forwardMacs * pass.cost,
      pass.out,
      chunks,
    );
    this.lastThreads = T;
    const start = performance.now();
    let ownMs = 0;
    const pending: (Promise<Ok> | null)[] = chunks.map(() => null);
    let sent = 0;
    const sendUpTo = (end: number) => {
      for (; sent < Math.min(end, chunks.length); sent++) {
        if (sent % T !== 0) pending[sent] = remote(this.workers[(sent % T) - 1], chunks[sent]);
      }
    };
    const sum = new ChunkSum(chunks.map(partCount), this.scratch);
    let failure: { e: unknown } | null = null;
    for (let k = 0; k < chunks.length && !failure; k++) {
      sendUpTo(k + 1 + LOOKAHEAD * T);
      try {
        // Folded at once: `own` returns views that its next call overwrites.
        if (pending[k]) sum.add(k, await pending[k]!);
        else {
          const t = performance.now();
          const r = own(chunks[k]);
          ownMs += performance.now() - t;
          sum.add(k, r);
        }
      } catch (e) {
        failure = { e };
      }
    }
    if (failure) {
      await Promise.allSettled(pending);
      throw failure.e;
    }
    // This thread ran chunks 0, T, 2T, …: their mean time × the chunks is one thread's pass.
    const ownCount = Math.ceil(chunks.length / T);
    if (T > 1) this.policy.record(performance.now() - start, (ownMs / ownCount) * chunks.length);
    return sum.result(this.main.precision);
  }

  /** Threads for a pass of these chunks, each of about `chunkMacs` multiply-adds. */
  private threadsFor(chunkMacs: number, out: boolean, chunks: PartSamples[]): number {
    const values = out ? this.numParams : 0;
    if (this.threshold === 0) return Math.min(this.threads, chunks.length);
    if (!workersPay(chunkMacs, values, this.threshold) || !this.policy.allow()) return 1;
    return Math.min(this.threads, chunks.length);
  }

  /** Params for a worker whose copy is stale, marked current at once (requests run in order). */
  private paramsFor(w: WorkerHandle): RealArray | undefined {
    if (w.paramsVersion === this.version) return undefined;
    w.paramsVersion = this.version;
    return this.main.params.slice();
  }

  private split(samples: Samples | undefined): PartSamples[] {
    return splitChunks(samples, this.main.numSamples, this.chunk);
  }
}

function buffers(...arrays: (RealArray | undefined)[]): ArrayBuffer[] {
  return arrays.flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []));
}
