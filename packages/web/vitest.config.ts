import { defineConfig } from 'vitest/config';

// End-to-end tests: build output served by `vite preview`, driven in Chromium by playwright-core.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // A page job (a probe, a score) can take seconds on a loaded machine: expect.poll's default
    // 1 s made the checks that wait for one flaky; a real failure still fails, 30 s later.
    expect: { poll: { timeout: 30_000 } },
    // The JSON report feeds the workspace summary line printed by tools/test-summary.mjs.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
