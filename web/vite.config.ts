/**
 * Build and dev server of the dashboard. The hub serves web/dist at `/`; in development Vite proxies the API
 * and Socket.IO to a hub on port 3000. JSX goes through Vite's own oxc transform with Preact's runtime.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { defineConfig, type Plugin } from 'vite';

const hub = 'http://127.0.0.1:3000';

/**
 * shared/ builds all its zod schemas at module level; the dashboard parses REST bodies with some of them, so zod
 * itself is in the bundle. Marking the schema constants pure lets the bundle drop the ones it never uses (under
 * 1 KB gzip today). The source in shared/ is left as it is.
 */
const SHARED_TS = /[\\/]shared[\\/][^\\/]+\.ts$/;

/**
 * web/src/live/live-events.ts checks the socket's events with shared/'s schemas. Given the same module as the
 * REST answers, the bundle would build those schemas with the first scripts (one module, one chunk); an id of its
 * own (a query, ending in `.ts` so it is still compiled as TypeScript) makes a second instance of each shared
 * module it imports, which lives in the socket's chunk and is built after the first charts.
 */
const OWN_SCHEMA_INSTANCE = new Map(
  [
    ['src/live/live-events.ts', 'live'],
    // The same for the REST answers read only once the socket is up (runtimes, identity).
    ['src/live/late-schemas.ts', 'late'],
  ].map(([file, name]) => [fileURLToPath(new URL(file ?? '', import.meta.url)), name]),
);

function ownSchemaInstances(): Plugin {
  return {
    name: 'own-schema-instances',
    // Before Vite's own resolver, which would answer first with the plain id.
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const name = importer && OWN_SCHEMA_INSTANCE.get(importer);
      if (!name || !source.includes('/shared/')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved ? { ...resolved, id: `${resolved.id}?${name}&lang.ts` } : null;
    },
  };
}

/** A module's own schema factories: top-level `const Label = (max: number) => …` (PascalCase, like schemas). */
const SCHEMA_CONST = /^(?:export )?const ([A-Z][a-z]\w*) = /gm;

/**
 * Every zod call, chains included (`z.number().min(0)` is an argument of the outer call), marked pure, and so is
 * every call of the module's own schema factories (`Label(200)`): a call the bundler cannot see into keeps its
 * arguments, and with them every schema they build, in the bundle and running at start.
 */
function markZodPure(code: string): string {
  const names = [...code.matchAll(SCHEMA_CONST)].map((m) => m[1]);
  let out = code.replace(/(?<![\w.$])z\./g, '/* @__PURE__ */ z.');
  for (const name of names) {
    out = out.replace(new RegExp(`(?<![\\w.$])${name}(?=\\(|\\.\\w+\\()`, 'g'), `/* @__PURE__ */ ${name}`);
  }
  return out;
}

/** web/src/lib/zod.ts: the dashboard's zod settings, which must run before any schema is built. */
const ZOD_CONFIG = fileURLToPath(new URL('src/lib/zod.ts', import.meta.url));

function pureSharedSchemas(): Plugin {
  return {
    name: 'pure-shared-schemas',
    transform(code, id) {
      if (!SHARED_TS.test(id)) return null;
      // A module of shared/ that builds schemas imports the settings first: as its dependency they run before
      // it in any chunk (an import from main.tsx ran after the chunk that holds zod and the schemas).
      const settings = /from ["']zod["']/.test(code) ? `import ${JSON.stringify(ZOD_CONFIG)};\n` : '';
      return { code: settings + markZodPure(code), map: null };
    },
  };
}

/**
 * uPlot builds two Intl objects when its module is evaluated (a number format for its default axis and legend
 * values, the browser's zone for `tzDate`), and a page's first Intl object costs tens of milliseconds (ICU sets
 * up its locale data): before the runtime page's first charts, which use neither (they format their own values).
 * Both are made on first use instead. The build fails if uPlot's source no longer has these lines.
 */
const UPLOT_JS = /[\\/]uplot[\\/]dist[\\/]uPlot\.esm\.js$/;
const UPLOT_LAZY_INTL: [string, string][] = [
  [
    "const numFormatter = new Intl.NumberFormat(domEnv ? nav.language : 'en-US');\nconst fmtNum = val => numFormatter.format(val);",
    "let numFormatter;\nconst fmtNum = val => (numFormatter ??= new Intl.NumberFormat(domEnv ? nav.language : 'en-US')).format(val);",
  ],
  [
    'const localTz = new Intl.DateTimeFormat().resolvedOptions().timeZone;',
    'let localTzName;\nconst localTz = () => (localTzName ??= new Intl.DateTimeFormat().resolvedOptions().timeZone);',
  ],
  ['else if (tz == localTz)', 'else if (tz == localTz())'],
];

function lazyUplotIntl(): Plugin {
  return {
    name: 'lazy-uplot-intl',
    transform(code, id) {
      if (!UPLOT_JS.test(id)) return null;
      let out = code;
      for (const [from, to] of UPLOT_LAZY_INTL) {
        if (!out.includes(from))
          throw new Error(`uPlot changed: "${from.split('\n')[0]}" not found (lazy-uplot-intl)`);
        out = out.replace(from, to);
      }
      return { code: out, map: null };
    },
  };
}

/**
 * zod's classic schemas each carry a `toJSONSchema` method and its converters (zod/v4/core/to-json-schema.js and
 * json-schema-processors.js, about a fifth of zod's code in the bundle). The dashboard never describes a schema,
 * it only parses: in its build both modules export functions that throw, under the names the real ones export
 * (read from their source, so a zod update cannot leave a name out). Parsing and error messages are untouched.
 */
const ZOD_JSON_SCHEMA = /[\\/]zod[\\/]v4[\\/]core[\\/](to-json-schema|json-schema-processors)\.js$/;

/** The names a module exports: `export function f`, `export const c`, `export { a as b }`. */
function exportedNames(code: string): string[] {
  const declared = [...code.matchAll(/^export (?:function|const|let|class) (\w+)/gm)].map((m) => m[1] ?? '');
  const listed = [...code.matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) =>
    (m[1] ?? '').split(',').map(
      (part) =>
        part
          .trim()
          .split(/\s+as\s+/)
          .pop() ?? '',
    ),
  );
  return [...new Set([...declared, ...listed].filter(Boolean))];
}

function noZodJsonSchema(): Plugin {
  return {
    name: 'no-zod-json-schema',
    apply: 'build',
    load(id) {
      if (!ZOD_JSON_SCHEMA.test(id)) return null;
      const names = exportedNames(readFileSync(id, 'utf8'));
      if (names.length === 0) throw new Error(`zod changed: no exports found in ${id} (no-zod-json-schema)`);
      return [
        'const left = () => {',
        "  throw new Error('JSON Schema output of zod is not in the dashboard build (web/vite.config.ts)');",
        '};',
        `export { ${names.map((n) => `left as ${n}`).join(', ')} };`,
      ].join('\n');
    },
  };
}

/**
 * The modules the entry imports statically (all run before the first render), in one file: each first script is a
 * module request through the browser's process, a compile task and an instantiation in a new renderer. Filled
 * once the module graph is built; the lazy chunks then import what they share with it from the entry.
 */
const firstScriptModules = new Set<string>();

function oneFirstScript(): Plugin {
  return {
    name: 'one-first-script',
    apply: 'build',
    buildEnd() {
      const entries = [...this.getModuleIds()].filter((id) => this.getModuleInfo(id)?.isEntry);
      const stack = [...entries];
      while (stack.length > 0) {
        const id = stack.pop() ?? '';
        if (firstScriptModules.has(id)) continue;
        firstScriptModules.add(id);
        stack.push(...(this.getModuleInfo(id)?.importedIds ?? []));
      }
    },
  };
}

/**
 * web/src/boot.ts, bundled on its own (esbuild, an IIFE of about 1 KB) and inlined at the top of index.html's
 * head, so the runtime page's fetches start while the HTML is parsed. The hub's CSP allows it by its sha256
 * (server/http/inline-scripts.ts reads the built index.html).
 */
const MAX_BOOT_BYTES = 4096;

function inlineBoot(): Plugin {
  const entry = fileURLToPath(new URL('src/boot.ts', import.meta.url));
  return {
    name: 'inline-boot',
    transformIndexHtml: {
      order: 'pre',
      async handler(html) {
        const out = await build({
          entryPoints: [entry],
          bundle: true,
          format: 'iife',
          minify: true,
          target: 'es2022',
          write: false,
        });
        const code = out.outputFiles[0]?.text.trim() ?? '';
        // It runs before anything else on the page: a module of its graph that pulls in zod or preact would
        // make every page slower, so the build refuses it.
        if (code.length > MAX_BOOT_BYTES) {
          throw new Error(
            `web/src/boot.ts bundles to ${code.length} bytes (max ${MAX_BOOT_BYTES}): keep its imports small`,
          );
        }
        // After the <meta charset> (which must come in the first 1024 bytes) and before any stylesheet (a
        // classic script after one waits for it).
        return html.replace('</title>', `</title>\n    <script>${code}</script>`);
      },
    },
  };
}

/**
 * The dashboard's files compressed once, when it is built: beside each text file of web/dist a `.br` (brotli,
 * quality 11) and a `.gz` (gzip, level 9), which the hub sends as they are to a browser that accepts them
 * (`preCompressed` in server/http/server.ts). No compression work per request, and the smallest answers either
 * format makes. A file under 1 KB, or one compression does not shrink, keeps only its plain form.
 */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);
const MIN_COMPRESSED_BYTES = 1024;
const ENCODERS: [string, (data: Buffer) => Buffer][] = [
  [
    'br',
    (data) =>
      brotliCompressSync(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      }),
  ],
  ['gz', (data) => gzipSync(data, { level: 9 })],
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function precompress(): Plugin {
  return {
    name: 'precompress',
    apply: 'build',
    writeBundle(options) {
      for (const file of options.dir ? filesUnder(options.dir) : []) {
        if (!COMPRESSIBLE.has(extname(file))) continue;
        const data = readFileSync(file);
        if (data.length < MIN_COMPRESSED_BYTES) continue;
        for (const [ext, encode] of ENCODERS) {
          const packed = encode(data);
          if (packed.length < data.length) writeFileSync(`${file}.${ext}`, packed);
        }
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [
    ownSchemaInstances(),
    pureSharedSchemas(),
    lazyUplotIntl(),
    noZodJsonSchema(),
    inlineBoot(),
    oneFirstScript(),
    precompress(),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    rolldownOptions: {
      output: { codeSplitting: { groups: [{ name: 'index', test: (id) => firstScriptModules.has(id) }] } },
    },
  },
  server: {
    proxy: {
      '/api': hub,
      '/socket.io': { target: hub, ws: true },
    },
  },
});
