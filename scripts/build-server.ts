/**
 * `npm run build:server` (part of `npm run build`): compiles the hub, the daemon and the CLI to JavaScript in
 * dist/server, so the published `bin` runs with no TypeScript loader. `npm run build` also builds the dashboard;
 * `prepare` runs it after `npm ci`/`npm install` in a checkout and before `npm pack`/`npm publish`.
 *
 * One bundle with code splitting rather than a file-per-file tsc emit: the sources import without extensions,
 * which Node's ESM loader refuses, and each command's dynamic import becomes its own chunk, so `daemon --help`
 * loads the daemon and not the hub. Dependencies stay external (installed beside the package).
 *
 * dist/server is two folders below the package root on purpose: the code finds package.json and web/dist as
 * `../../` of its own module URL, as it does from server/<folder>/ in the checkout; migrations are copied beside
 * the chunks because migrate.ts reads `./migrations/`.
 */
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/server`;

rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  entryPoints: [`${root}server/cli/main.ts`],
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  packages: 'external',
  logLevel: 'warning',
});
cpSync(`${root}server/store/migrations`, `${outdir}/migrations`, { recursive: true });
if (!readdirSync(`${outdir}/migrations`).some((f) => f.endsWith('.sql')))
  throw new Error('build: no migrations copied to dist/server/migrations');
