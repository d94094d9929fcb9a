import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { ensureDevCertificateAuthority } from './packages/fake-microsoft/src/tls.ts';

// The fake Microsoft serves TLS signed by a development CA. Node reads NODE_EXTRA_CA_CERTS only when a process starts,
// so it must be set here, before vitest forks its test workers (which inherit this environment).
const devCa = await ensureDevCertificateAuthority(fileURLToPath(new URL('.local/dev-ca', import.meta.url)));
process.env.NODE_EXTRA_CA_CERTS = devCa.certPath;

// Workspace packages resolve to their TypeScript sources, so tests never run against a stale build.
export default defineConfig({
  resolve: { conditions: ['@metaoffice/source'] },
  ssr: { resolve: { conditions: ['@metaoffice/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'teams/src/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'e2e/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
