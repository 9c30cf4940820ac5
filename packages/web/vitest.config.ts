import { defineConfig } from 'vitest/config';

// End-to-end tests: build output served by `vite preview`, driven in Chromium by playwright-core.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // The JSON report feeds the workspace summary line printed by tools/test-summary.mjs.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
