/**
 * The build's rewrite of uPlot's functions into parenthesised expressions (web/eager-compile.ts), so V8 compiles
 * them with the script instead of in the task that draws the charts (issue 15): the code must behave as before.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseSync } from 'rolldown/experimental';
import { describe, expect, it } from 'vitest';
import { eagerCompile, UPLOT_EAGER } from '../../../web/eager-compile';

/** Runs a script that leaves its answer in `result`. */
const run = (code: string): unknown => new Function(`let result; ${code}; return result;`)();

describe('functions compiled with their script (eager-compile)', () => {
  const source = `
    const early = a(2);
    function a(x) { return b(x) + c(); function b(y) { return y * 10; } function c() { return d(); function d() { return 1; } } }
    function untouched() { return 'u'; }
    if (early) { function inBlock() { return 'block'; } }
    result = [early, a(3), untouched(), a.name, typeof inBlock];
  `;

  it('keeps a listed function callable before its declaration, inner ones included, and names it as before', () => {
    const out = eagerCompile(source, 'probe.js', new Set(['a', 'b', 'c', 'd', 'inBlock']));
    expect(run(out.code)).toEqual(run(source));
    expect(run(out.code)).toEqual([21, 31, 'u', 'a', 'function']);
    expect(out.wrapped.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('parenthesises exactly the listed declarations of a scope, and leaves blocks and exports alone', () => {
    const out = eagerCompile(
      `"use strict";\nexport function e() {}\nfunction a() { function b() {} }\nfunction z() {}\n`,
      'm.js',
      new Set(['a', 'b', 'e']),
    );
    expect(out.code.startsWith('"use strict";var a = (function a() {var b = (function b() {});')).toBe(true);
    expect(out.code).toContain('export function e() {}');
    expect(out.code).toContain('\nfunction z() {}');
    expect(out.wrapped).toEqual(['a', 'b']);
  });

  it('finds every listed function in the uPlot the dashboard is built with, and its output still parses', () => {
    const require = createRequire(import.meta.url);
    const file = require.resolve('uplot/dist/uPlot.esm.js');
    const out = eagerCompile(readFileSync(file, 'utf8'), file, UPLOT_EAGER);
    expect([...UPLOT_EAGER].filter((n) => !out.wrapped.includes(n))).toEqual([]);
    expect(parseSync('uPlot.esm.js', out.code).errors).toEqual([]);
    // The plot itself comes first: its inner functions are compiled with the script only inside a compiled one.
    expect(out.code).toMatch(/^var uPlot = \(function uPlot\(/m);
  });
});
