/**
 * Build and dev server of the dashboard. The hub serves web/dist at `/`; in development Vite proxies the API
 * and Socket.IO to a hub on port 3000. JSX goes through Vite's own oxc transform with Preact's runtime.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const hub = 'http://127.0.0.1:3000';

/**
 * shared/ builds all its zod schemas at module level; the dashboard parses REST bodies with some of them, so zod
 * itself is in the bundle. Marking the schema constants pure lets the bundle drop the ones it never uses (under
 * 1 KB gzip today). The source in shared/ is left as it is.
 */
function pureSharedSchemas(): Plugin {
  return {
    name: 'pure-shared-schemas',
    transform(code, id) {
      if (!/[\\/]shared[\\/][^\\/]+\.ts$/.test(id)) return null;
      // Every zod call, chains included (`z.number().min(0)` is an argument of the outer call).
      return { code: code.replace(/(?<![\w.$])z\./g, '/* @__PURE__ */ z.'), map: null };
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [pureSharedSchemas()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': hub,
      '/socket.io': { target: hub, ws: true },
    },
  },
});
