import { defineConfig } from 'vitest/config';

// End-to-end tests drive real Chromium against the built server; one file at a time keeps the 2-core machine sane.
export default defineConfig({
  resolve: { conditions: ['@metaoffice/source'] },
  ssr: { resolve: { conditions: ['@metaoffice/source'] } },
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
