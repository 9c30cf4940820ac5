import { describe, expect, it } from 'vitest';
import { runGrid, type GridJob, type GridResultStore } from '../src/experiments/grid.js';

const jobs: GridJob<number>[] = [1, 2, 3, 4].map((p) => ({ name: `run${p}`, point: p }));

describe('runGrid', () => {
  it('skips stored jobs, runs and stores the others, in grid order', async () => {
    const stored = new Map<string, number>([['run2', 200]]);
    const store: GridResultStore<number, number> = {
      read: async (j) => stored.get(j.name) ?? null,
      write: async (j, r) => void stored.set(j.name, r),
    };
    const ran: string[] = [];
    const events: string[] = [];
    const out = await runGrid(
      jobs,
      {
        run: async (j, index) => {
          ran.push(`${j.name}@${index}`);
          return j.point * j.point;
        },
      },
      { store, onRun: (e) => void events.push(`${e.status} ${e.name} ${e.index}/${e.total}`) },
    );
    expect(out).toEqual({
      results: [1, 200, 9, 16],
      skipped: ['run2'],
      trained: ['run1', 'run3', 'run4'],
      complete: true,
    });
    expect(ran).toEqual(['run1@0', 'run3@2', 'run4@3']);
    expect(events).toEqual([
      'start run1 0/4',
      'done run1 0/4',
      'skipped run2 1/4',
      'start run3 2/4',
      'done run3 2/4',
      'start run4 3/4',
      'done run4 3/4',
    ]);
    expect([...stored.entries()].sort()).toEqual([
      ['run1', 1],
      ['run2', 200],
      ['run3', 9],
      ['run4', 16],
    ]);
    // A rerun finds every job stored and runs none.
    const again = await runGrid(jobs, { run: async () => -1 }, { store });
    expect(again.results).toEqual([1, 200, 9, 16]);
    expect(again.trained).toEqual([]);
  });

  it('stops at an aborted signal or a runner returning null (complete false)', async () => {
    const controller = new AbortController();
    const stopped = await runGrid(
      jobs,
      {
        run: async (j) => {
          if (j.point === 2) controller.abort();
          return j.point;
        },
      },
      { signal: controller.signal },
    );
    expect(stopped).toEqual({
      results: [1, 2],
      skipped: [],
      trained: ['run1', 'run2'],
      complete: false,
    });
    const nulled = await runGrid(jobs, { run: async (j) => (j.point === 3 ? null : j.point) });
    expect(nulled).toEqual({
      results: [1, 2],
      skipped: [],
      trained: ['run1', 'run2'],
      complete: false,
    });
  });
});

describe('runGrid with a runner that prepares', () => {
  it('hands the jobs without a stored result to prepare, once, before any run', async () => {
    const calls: string[] = [];
    const out = await runGrid(
      jobs,
      {
        prepare: async (pending) =>
          void calls.push(`prepare ${pending.map((j) => j.name).join(',')}`),
        run: async (j) => {
          calls.push(`run ${j.name}`);
          return j.point;
        },
      },
      {
        store: { read: async (j) => (j.point % 2 === 0 ? -j.point : null), write: async () => {} },
      },
    );
    expect(calls).toEqual(['prepare run1,run3', 'run run1', 'run run3']);
    expect(out.results).toEqual([1, -2, 3, -4]);
  });
});
