// Runs several long async computations interleaved, one step at a time in turn, so that on a
// shared or throttled machine every one of them sees the same background load: a slow minute
// slows all of them alike instead of whichever happened to run then. Each computation's time is
// the sum of its own turns, what it would take alone up to that load.

/** A token passed round-robin between the participants; only its holder runs. */
export class TurnRing {
  /** Milliseconds each participant held the token. */
  readonly busy: number[];
  private readonly active: number[];
  private readonly waiting = new Map<number, () => void>();
  private holder = -1;
  private since = 0;

  constructor(readonly size: number) {
    this.busy = new Array<number>(size).fill(0);
    this.active = Array.from({ length: size }, (_, i) => i);
  }

  /** Waits for the first turn; the ring starts once every participant has entered. */
  enter(id: number): Promise<void> {
    const p = new Promise<void>((resolve) => this.waiting.set(id, resolve));
    if (this.waiting.size === this.size) this.grant(this.active[0]);
    return p;
  }

  /** Ends the holder's turn and waits for its next one (at once when it is alone). */
  async yield(id: number): Promise<void> {
    this.check(id);
    this.charge(id);
    const next = this.after(id);
    if (next === id) {
      this.grant(id);
      return;
    }
    const p = new Promise<void>((resolve) => this.waiting.set(id, resolve));
    this.grant(next);
    await p;
  }

  /** The holder is done: its last turn ends and the token moves on for good. */
  leave(id: number): void {
    this.check(id);
    this.charge(id);
    const next = this.after(id);
    this.active.splice(this.active.indexOf(id), 1);
    this.holder = -1;
    if (next !== id) this.grant(next);
  }

  private check(id: number): void {
    if (id !== this.holder) throw new Error(`participant ${id} does not hold the turn`);
  }

  private charge(id: number): void {
    this.busy[id] += performance.now() - this.since;
  }

  private after(id: number): number {
    const i = this.active.indexOf(id);
    return this.active[(i + 1) % this.active.length];
  }

  private grant(id: number): void {
    const resolve = this.waiting.get(id);
    if (!resolve) throw new Error(`participant ${id} is not waiting for its turn`);
    this.waiting.delete(id);
    this.holder = id;
    this.since = performance.now();
    resolve();
  }
}

/**
 * Runs `tasks` interleaved on one ring: task i gets `turn()`, which ends its turn and waits for
 * the next (call it before each step). Returns each task's result and busy milliseconds. A
 * failing task leaves the ring (so the others finish) and its error is thrown at the end.
 */
export async function interleave<T>(
  tasks: readonly ((turn: () => Promise<void>) => Promise<T>)[],
): Promise<{ results: T[]; busyMs: number[] }> {
  const ring = new TurnRing(tasks.length);
  const settled = await Promise.allSettled(
    tasks.map(async (task, id) => {
      await ring.enter(id);
      try {
        return await task(() => ring.yield(id));
      } finally {
        ring.leave(id);
      }
    }),
  );
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return {
    results: settled.map((s) => (s as PromiseFulfilledResult<T>).value),
    busyMs: ring.busy,
  };
}
