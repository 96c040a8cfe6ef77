/**
 * Build and dev server of the dashboard. The hub serves web/dist at `/`; in development Vite proxies the API
 * and Socket.IO to a hub on port 3000. JSX goes through Vite's own oxc transform with Preact's runtime.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const hub = 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    rolldownOptions: {
      // shared/pricing.ts builds zod schemas at module level for the hub; the dashboard only calls costUsd, so
      // declaring zod's builders pure lets the bundle drop zod (about 40 KB gzip) instead of shipping it unused.
      treeshake: { manualPureFunctions: ['z'] },
    },
  },
  server: {
    proxy: {
      '/api': hub,
      '/socket.io': { target: hub, ws: true },
    },
  },
});
