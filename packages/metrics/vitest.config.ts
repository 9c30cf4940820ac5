import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@pacgen/source'] },
  // The package-internal `#platform` import is resolved in the server environment too.
  ssr: { resolve: { conditions: ['@pacgen/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // The JSON report feeds the workspace summary line printed by tools/test-summary.mjs.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
