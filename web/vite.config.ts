/**
 * Build and dev server of the dashboard. The hub serves web/dist at `/`; in development Vite proxies the API
 * and Socket.IO to a hub on port 3000. JSX goes through Vite's own oxc transform with Preact's runtime.
 */
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
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

/**
 * web/src/boot.ts, bundled on its own (esbuild, an IIFE of about 1 KB) and inlined at the top of index.html's
 * head, so the runtime page's fetches start while the HTML is parsed. The hub's CSP allows it by its sha256
 * (server/http/inline-scripts.ts reads the built index.html).
 */
function inlineBoot(): Plugin {
  const entry = fileURLToPath(new URL('src/boot.ts', import.meta.url));
  return {
    name: 'inline-boot',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        const out = buildSync({
          entryPoints: [entry],
          bundle: true,
          format: 'iife',
          minify: true,
          target: 'es2022',
          write: false,
        });
        const code = out.outputFiles[0]?.text.trim() ?? '';
        // After the <meta charset> (which must come in the first 1024 bytes) and before any stylesheet (a
        // classic script after one waits for it).
        return html.replace('</title>', `</title>\n    <script>${code}</script>`);
      },
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [pureSharedSchemas(), inlineBoot()],
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
