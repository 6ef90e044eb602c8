import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites share one Redis and one PostgreSQL; each uses its own key prefix / schema,
    // but two cores are all we have, so keep file parallelism modest.
    maxWorkers: 2,
  },
});
