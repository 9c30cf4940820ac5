import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests drive the built binary (dist/main.js) in child processes.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report feeds the workspace summary line printed by tools/test-summary.mjs.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
