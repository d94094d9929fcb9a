import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { ensureDevCertificateAuthority } from './packages/fake-microsoft/src/tls.ts';

// The Teams tests talk to the fake Microsoft and a Teams-mode server over TLS signed by the development CA; forked
// test workers read NODE_EXTRA_CA_CERTS at start, so it is set here, before they fork.
const devCa = await ensureDevCertificateAuthority(fileURLToPath(new URL('.local/dev-ca', import.meta.url)));
process.env.NODE_EXTRA_CA_CERTS = devCa.certPath;

/**
 * Tests that need more than the CI machine's two cores: the seven-browser active-speaker test runs seven pages with a
 * live six-way WebRTC mesh each (about 40% of a core per page on a quiet machine). On a busy 2-core machine the last
 * one to join cannot connect to the six others in time, whatever the code, so it runs on its own with
 * `npm run test:heavy` (vitest.e2e-heavy.config.ts), not in `npm test`.
 */
export const HEAVY_E2E = ['e2e/active-speaker.e2e.test.ts'];

// End-to-end tests drive real Chromium against the built server; one file at a time keeps the 2-core machine sane.
export default defineConfig({
  resolve: { conditions: ['@metaoffice/source'] },
  ssr: { resolve: { conditions: ['@metaoffice/source'] } },
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    exclude: HEAVY_E2E,
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
