import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@pacgen/source'] },
  test: { include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
});
