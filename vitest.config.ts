import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources, so tests never run against a stale build.
export default defineConfig({
  resolve: { conditions: ['@metaoffice/source'] },
  ssr: { resolve: { conditions: ['@metaoffice/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'e2e/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
