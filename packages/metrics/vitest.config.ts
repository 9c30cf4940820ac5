import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@pacgen/source'] },
  // The package-internal `#platform` import is resolved in the server environment too.
  ssr: { resolve: { conditions: ['@pacgen/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // The test networks are far too small for ParallelNetwork's rule to hand their chunks to
    // workers (core-wasm src/parallel/work.ts): 0 makes every pass use all its threads, so the
    // thread-count tests exercise the workers (test/parallel.test.ts checks the rule itself).
    env: { PACGEN_WORKER_THRESHOLD: '0' },
    // The JSON report feeds the workspace summary line printed by tools/test-summary.mjs.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
