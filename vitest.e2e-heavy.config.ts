import { defineConfig } from 'vitest/config';
import e2e, { HEAVY_E2E } from './vitest.e2e.config.ts';

// The end-to-end tests too heavy for the 2-core CI machine (see HEAVY_E2E): `npm run test:heavy`, on a machine with
// four or more cores, or a quiet two. Same set-up as the other end-to-end tests, only these files.
export default defineConfig({ ...e2e, test: { ...e2e.test, include: HEAVY_E2E, exclude: [] } });
