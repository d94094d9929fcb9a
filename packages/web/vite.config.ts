import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

// The API server; `npm run dev -w @metaoffice/web` proxies everything that is not the app itself to it.
const api = process.env.METAOFFICE_API ?? 'http://localhost:3000';

export default defineConfig({
  resolve: {
    alias: [
      // TypeBox's compiler evaluates generated code, which the server's CSP forbids; see the shim for details.
      { find: /^@sinclair\/typebox\/compiler$/, replacement: fileURLToPath(new URL('./src/shims/typebox-compiler.ts', import.meta.url)) },
    ],
    // Workspace packages export their TypeScript sources under this condition, so the app builds without
    // compiling protocol and client first.
    conditions: ['@metaoffice/source', ...defaultClientConditions],
  },
  server: {
    proxy: {
      '/api': api,
      '/ws': { target: api, ws: true },
      '/maps': api,
      '/healthz': api,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
});
