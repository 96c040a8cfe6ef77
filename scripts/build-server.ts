/**
 * `npm run build:server` (part of `npm run build`): compiles the hub, the daemon and the CLI to JavaScript in
 * dist/server, so the published `bin` runs with no TypeScript loader. `npm run build` also builds the dashboard;
 * `prepare` runs it after `npm ci`/`npm install` in a checkout and before `npm pack`/`npm publish`.
 *
 * One bundle with code splitting rather than a file-per-file tsc emit: the sources import without extensions,
 * which Node's ESM loader refuses, and each command's dynamic import becomes its own chunk, so `daemon --help`
 * loads the daemon and not the hub. Dependencies stay external (installed beside the package), except the few the
 * daemon loads (BUNDLED): Node keeps every loaded module file's source and code apart, and zod, socket.io-client
 * and pino as hundreds of files cost an idle daemon 10–20 MB more than the same code bundled once.
 *
 * dist/server is two folders below the package root on purpose: the code finds package.json and web/dist as
 * `../../` of its own module URL, as it does from server/<folder>/ in the checkout; migrations are copied beside
 * the chunks because migrate.ts reads `./migrations/`.
 */
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/server`;

/**
 * Bundled into the chunks: what the daemon loads, pure JavaScript with no files of its own to find at run time.
 * (Bundling the hub's dependencies too was measured: no gain beside PGlite's WebAssembly memory, more risk.)
 */
const BUNDLED = new Set(['zod', 'socket.io-client', 'pino', 'env-paths']);
const { dependencies } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  dependencies: Record<string, string>;
};
/** ws's optional native speed-ups: loaded in a try, absent here. */
const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate'];

rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  entryPoints: [`${root}server/cli/main.ts`],
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  external: [...Object.keys(dependencies).filter((name) => !BUNDLED.has(name)), ...OPTIONAL_NATIVE],
  // The bundled CommonJS (debug, ws) calls require() on Node's own modules, which an ES module does not have.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
cpSync(`${root}server/store/migrations`, `${outdir}/migrations`, { recursive: true });
if (!readdirSync(`${outdir}/migrations`).some((f) => f.endsWith('.sql')))
  throw new Error('build: no migrations copied to dist/server/migrations');
