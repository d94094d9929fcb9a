import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

// The API server; `npm run dev -w @metaoffice/web` proxies everything that is not the app itself to it.
const api = process.env.METAOFFICE_API ?? 'http://localhost:3000';
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Phaser's sources test build flags with `typeof FLAG` (its own webpack build defines them). Settle them here so
 * the production bundle leaves out sound and the optional plugins.
 */
function phaserBuildFlags(): Plugin {
  const flags: Record<string, boolean> = {
    WEBGL_RENDERER: true,
    CANVAS_RENDERER: true,
    WEBGL_DEBUG: false,
    EXPERIMENTAL: false,
    PLUGIN_3D: false,
    PLUGIN_CAMERA3D: false,
    PLUGIN_FBINSTANT: false,
    FEATURE_SOUND: false,
  };
  const pattern = new RegExp(`typeof (${Object.keys(flags).join('|')})\\b`, 'g');
  return {
    name: 'metaoffice:phaser-build-flags',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('/node_modules/phaser/src/') || !code.includes('typeof ')) return null;
      return { code: code.replace(pattern, (_m, flag: string) => (flags[flag] ? '"flag"' : '""')), map: null };
    },
  };
}

export default defineConfig(({ command }) => ({
  plugins: command === 'build' ? [phaserBuildFlags()] : [],
  resolve: {
    alias: [
      // The production bundle uses a Phaser without physics and sound (see the file); development keeps the
      // prebuilt one, which loads faster in Vite's dev server.
      ...(command === 'build' ? [{ find: /^phaser$/, replacement: here('./src/office/phaser-lite.js') }] : []),
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
    rolldownOptions: {
      // The Teams test host (plays the Teams client around the tab) and its probe tab: see README "Teams test host".
      input: {
        index: here('./index.html'),
        teamsTestHost: here('./teams-test-host.html'),
        teamsHostProbe: here('./teams-host-probe.html'),
      },
    },
  },
}));
