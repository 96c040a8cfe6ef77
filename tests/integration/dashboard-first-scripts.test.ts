/**
 * What the dashboard's first scripts (the entry and its modulepreloads, all run before the first render) build
 * when they are evaluated. shared/ builds its zod schemas at module level and the build marks them pure so the
 * dashboard keeps only those it reads (web/vite.config.ts); a call the bundler could not see into (a schema
 * factory such as `Label(200)`, a method such as `Metadata.optional()`) used to keep the daemon's payload schemas
 * too: 203 schema objects built before the first render, then 62 for the REST answers of the first page. Those
 * answers are now read by web/src/live/rows.ts, held to their schemas by its test, so zod itself loads after the
 * first render: the price table's, the runtimes list's and the identity's schemas come with their first fetch,
 * once the socket is up, and the REST error body's with the first failed answer. The first scripts are one file
 * (web/vite.config.ts `oneFirstScript`), which imports nothing before it runs: zod absent from it, no zod schema is
 * built before the first render.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../e2e/support';

const DIST = join(ROOT, 'web/dist');

/** The scripts index.html loads before the app runs, entry first (one, since the entry holds them all). */
function firstScripts(): string[] {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  return [
    ...html.matchAll(/<(?:script type="module"|link rel="modulepreload")[^>]*(?:src|href)="\/([^"]+\.js)"/g),
  ].map((m) => m[1] ?? '');
}

describe("the dashboard's first scripts", () => {
  let code: string;
  beforeAll(() => {
    ensureBuilt();
    code = firstScripts()
      .map((f) => readFileSync(join(DIST, f), 'utf8'))
      .join('\n');
  });

  it('are one file that imports no other before it runs', () => {
    // Each first script was a module request, a compile task and an instantiation in a new renderer (7 before).
    expect(firstScripts()).toHaveLength(1);
    // Static imports in minified output: `from"./x.js"` or `import"./x.js"` (dynamic ones are `import("./x.js")`).
    expect(code.match(/(?:from|import)\s*["']\.\/[^"']+\.js["']/g) ?? []).toEqual([]);
  });

  it('hold none of the daemon payload schemas nor the price table', () => {
    // Messages of StoredText, Timestamp, Metadata and UsageEvent (shared/schemas.ts) and a price field.
    for (const text of [
      'must not contain NUL characters',
      'not a real instant',
      'metadata must not use __proto__',
      'must not exceed cache_write_tokens',
      'fast_multiplier',
    ]) {
      expect(code.includes(text), `first scripts contain "${text}"`).toBe(false);
    }
    // What the first page does read: the usage rows' cost source.
    expect(code.includes('`mixed`') || code.includes("'mixed'") || code.includes('"mixed"')).toBe(true);
  });

  it('hold no zod, so build no zod schema before the first render (203, then 62 before)', () => {
    // zod's schema objects keep their internals under `_zod`; with no import of its own, the first script cannot
    // reach zod before it has run.
    expect(code.includes('_zod')).toBe(false);
  });

  it("leave zod's JSON Schema output out of every chunk (the dashboard only parses)", () => {
    const chunks = readdirSync(join(DIST, 'assets')).filter((f) => f.endsWith('.js'));
    const all = chunks.map((f) => readFileSync(join(DIST, 'assets', f), 'utf8')).join('\n');
    // The converters name the JSON Schema dialects they write.
    expect(all.includes('json-schema.org')).toBe(false);
    // zod itself is there: its parse errors.
    expect(all.includes('Invalid input')).toBe(true);
  });
});
