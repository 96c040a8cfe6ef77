#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`, which `prepare` runs after `npm ci` and before a pack).
// Only in a checkout — no build yet, or RUNTIME_HUB_FROM_SOURCE=1 (the tests, the bench's baseline) — does it
// compile the TypeScript at run time with tsx, a dev dependency.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/server/main.js', import.meta.url);
if (process.env.RUNTIME_HUB_FROM_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../server/cli/main.ts');
}
