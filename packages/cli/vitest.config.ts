import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests drive the built binary (dist/main.js) in child processes.
    testTimeout: 120_000,
    // The test networks are far too small for ParallelNetwork's rule to hand their chunks to
    // workers (core-wasm src/parallel/work.ts): 0 makes every pass use all its threads, so the
    // thread-count tests exercise the workers (test/parallel.test.ts checks the rule itself).
    env: { PACGEN_WORKER_THRESHOLD: '0' },
    hookTimeout: 120_000,
    // The JSON report feeds the workspace summary line printed by tools/test-summary.mjs.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
