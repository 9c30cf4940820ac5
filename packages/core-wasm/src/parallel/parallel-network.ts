// Data-parallel passes: the selected samples are split into contiguous parts, one per thread;
// the calling thread computes the first part on its own Network while workers (each with its
// own Network and a full copy of the data) compute the others, and the parts' means are
// combined weighted by count/total — one thread's result up to summation order.

import type { TensorInfo } from '../compile/compiled.js';
import { PacgenError } from '../errors.js';
import type { Kernels, Precision } from '../module.js';
import { hvpStep } from '../hvp-step.js';
import type { RealArray } from '../network/buffers.js';
import type { EvalResult, PassOptions } from '../network/evaluate.js';
import type { HvpOptions, KinkCount } from '../network/hvp.js';
import { Network, type NetworkOptions } from '../network/network.js';
import { isSampleList, sampleRange, type Samples } from '../network/samples.js';
import type { NetworkSpec } from '../spec.js';
import { defaultThreadCount } from '#platform';
import {
  spawnWorker,
  type PartSamples,
  type Transport,
  type WorkerReply,
  type WorkerRequest,
} from './transport.js';

export interface ParallelNetworkOptions extends NetworkOptions {
  /**
   * Threads per pass, the calling thread included (threads − 1 workers are started). Default:
   * the available cores (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency`
   * in browsers).
   */
  threads?: number;
}

type Ok = Extract<WorkerReply, { ok: true }>;
/** A request before its id is assigned (Omit distributed over the union). */
type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** A worker and its pending requests. */
class WorkerHandle {
  /** The parameter version the worker holds (see ParallelNetwork.version). */
  paramsVersion = -1;
  private transport: Transport | null = null;
  private readonly pending = new Map<number, { resolve(r: Ok): void; reject(e: Error): void }>();
  private nextId = 0;
  private failure: Error | null = null;

  static async start(): Promise<WorkerHandle> {
    const h = new WorkerHandle();
    h.transport = await spawnWorker({
      message: (r) => h.settle(r),
      fail: (e) => h.fail(e),
    });
    return h;
  }

  request(msg: Request, transfer: ArrayBuffer[] = []): Promise<Ok> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Ok>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.transport!.hold(true);
      this.transport!.post({ ...msg, id } as WorkerRequest, transfer);
    });
  }

  private settle(r: WorkerReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.transport!.hold(false);
    if (r.ok) p.resolve(r);
    else p.reject(reviveError(r.error));
  }

  /** Rejects everything pending and every later request with `error`. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  async terminate(): Promise<void> {
    this.fail(new PacgenError('ParallelNetwork has been terminated'));
    await this.transport?.terminate();
  }
}

/** Re-creates a worker's error on this side, keeping its class (for PacgenError) and message. */
function reviveError(e: { name: string; message: string }): Error {
  if (e.name === 'PacgenError') return new PacgenError(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/**
 * A Network whose passes are split over several threads (data parallelism). Same results as
 * `Network` up to summation order, including training-mode dropout (masks are per sample).
 * Data is copied to every worker once, in `setData`; each pass sends only the parameters (when
 * changed) and the HVP direction, and receives one vector per worker.
 */
export class ParallelNetwork {
  readonly threads: number;
  private readonly main: Network;
  private readonly workers: WorkerHandle[];
  /** Bumped on every parameter change; workers get params only when theirs are older. */
  private version = 0;
  private terminated = false;

  private constructor(main: Network, workers: WorkerHandle[]) {
    this.main = main;
    this.workers = workers;
    this.threads = workers.length + 1;
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
    return new ParallelNetwork(main, workers);
  }

  get numParams(): number {
    return this.main.numParams;
  }

  get tensors(): TensorInfo[] {
    return this.main.tensors;
  }

  get precision(): Precision {
    return this.main.precision;
  }

  get maxBatch(): number {
    return this.main.maxBatch;
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
   * `opts.kinks` receiving the parts' kink crossings summed. Cost: 2 gradient evaluations (4
   * with Richardson) split over threads. Returns a fresh array.
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
    const parts = this.split(opts.samples);
    const pending = parts.slice(1).map((samples, i) => {
      const w = this.workers[i];
      const vCopy = vr.slice();
      const params = this.paramsFor(w);
      const { richardson } = opts;
      const msg = { type: 'hvp', params, samples, v: vCopy, step, richardson } as const;
      return w.request(msg, buffers(vCopy, params));
    });
    return this.combine(parts, pending, () => {
      const kinks: KinkCount = {};
      const out = this.main.hvp(vr, {
        samples: parts[0],
        step,
        richardson: opts.richardson,
        kinks,
      });
      return { result: { loss: 0, accuracy: 0, count: 0 }, out, crossings: kinks.crossings };
    }).then((r) => {
      if (opts.kinks) opts.kinks.crossings = r.crossings;
      return r.out!;
    });
  }

  /** Ends the workers; later calls throw. Pending calls reject. */
  async terminate(): Promise<void> {
    this.terminated = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private alive(): void {
    if (this.terminated) throw new PacgenError('ParallelNetwork has been terminated');
  }

  private async pass(
    opts: PassOptions,
    grad: boolean,
  ): Promise<{ result: EvalResult; out?: RealArray }> {
    this.alive();
    const parts = this.split(opts.samples);
    const { training, seed } = opts;
    const pending = parts.slice(1).map((samples, i) => {
      const w = this.workers[i];
      const params = this.paramsFor(w);
      const msg = { type: 'pass', params, samples, grad, training, seed } as const;
      return w.request(msg, buffers(params));
    });
    return this.combine(parts, pending, () => {
      const o = { samples: parts[0], training, seed };
      if (!grad) return { result: this.main.evaluate(o) };
      const { grad: g, ...result } = this.main.gradient(o);
      return { result, out: g };
    });
  }

  /**
   * Runs the first part here while the workers run theirs, then sums count-weighted means.
   * The earliest failing part's error is thrown: the one Network would have reported.
   */
  private async combine(
    parts: PartSamples[],
    pending: Promise<Ok>[],
    own: () => { result: EvalResult; out?: RealArray; crossings?: number },
  ): Promise<{ result: EvalResult; out?: RealArray; crossings?: number }> {
    const counts = parts.map(partCount);
    const total = counts.reduce((a, b) => a + b, 0);
    let acc: Float64Array | undefined;
    let loss = 0;
    let correct = 0;
    let crossings = 0;
    let ownError: { e: unknown } | null = null;
    try {
      // Folded in before awaiting: `own` returns views that a later call would overwrite.
      const r = own();
      const wt = counts[0] / total;
      loss = r.result.loss * wt;
      correct = Math.round(r.result.accuracy * counts[0]);
      crossings = r.crossings ?? 0;
      if (r.out) {
        acc = new Float64Array(r.out.length);
        for (let j = 0; j < acc.length; j++) acc[j] = r.out[j] * wt;
      }
    } catch (e) {
      ownError = { e };
    }
    const settled = await Promise.allSettled(pending);
    if (ownError) throw ownError.e;
    const bad = settled.find((s) => s.status === 'rejected');
    if (bad) throw bad.reason;
    settled.forEach((s, i) => {
      const r = (s as PromiseFulfilledResult<Ok>).value;
      const wt = counts[i + 1] / total;
      if (r.result) {
        loss += r.result.loss * wt;
        correct += Math.round(r.result.accuracy * counts[i + 1]);
      }
      if (acc && r.out) for (let j = 0; j < acc.length; j++) acc[j] += r.out[j] * wt;
      crossings += r.crossings ?? 0;
    });
    const result = { loss, accuracy: correct / total, count: total };
    if (!acc) return { result };
    const out = this.main.precision === 'f32' ? Float32Array.from(acc) : acc;
    return { result, out, crossings };
  }

  /** Params for a worker whose copy is stale, marked current at once (requests run in order). */
  private paramsFor(w: WorkerHandle): RealArray | undefined {
    if (w.paramsVersion === this.version) return undefined;
    w.paramsVersion = this.version;
    return this.main.params.slice();
  }

  /**
   * Validates a selection as Network does (index values are checked by whichever thread gets
   * them) and splits it into at most `threads` contiguous, near-equal parts.
   */
  private split(samples: Samples | undefined): PartSamples[] {
    const n = this.main.numSamples;
    if (n === 0) throw new PacgenError('no data: call setData(x, y) first');
    let list: Int32Array | number[] | null = null;
    let start = 0;
    let count: number;
    if (samples !== undefined && isSampleList(samples)) {
      list = samples;
      count = list.length;
      if (count === 0) throw new PacgenError('sample index list is empty');
    } else ({ start, count } = sampleRange(samples ?? {}, n));
    const k = Math.min(this.threads, count);
    const parts: PartSamples[] = [];
    let at = 0;
    for (let i = 0; i < k; i++) {
      const c = Math.floor(count / k) + (i < count % k ? 1 : 0);
      parts.push(list ? list.slice(at, at + c) : { start: start + at, count: c });
      at += c;
    }
    return parts;
  }
}

function partCount(p: PartSamples): number {
  return isSampleList(p) ? p.length : p.count;
}

function buffers(...arrays: (RealArray | undefined)[]): ArrayBuffer[] {
  return arrays.flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []));
}
