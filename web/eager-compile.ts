/**
 * V8 compiles a function the first time it is called, on the page's main thread, unless the function is a
 * parenthesised function expression (`(function …)`, its "likely called" heuristic), which it compiles with the
 * script around it: for a module, on a background thread while the module streams in. The runtime page's charts
 * call about 130 of uPlot's functions for the first time in the task that draws them, so their compilation sat in
 * that task (issue 15). This rewrites the named function declarations the build lists as
 * `var name = (function name(…) {…});`, moved to the top of the scope they were declared in, so they are still
 * defined before anything in that scope runs (as a hoisted declaration is), and compiled with their script.
 *
 * Only the functions listed, not the whole file: compiling all of a file eagerly (V8's file-level hint) cost
 * more than it saved (BENCHMARKS.md, session 6). An inner function is compiled with its script only if every
 * function around it is listed too (uPlot's are inside `uPlot`). A name not found is skipped: a changed uPlot
 * loses the gain, not correctness. Only declarations directly in a function's body or the module's top level,
 * never exported ones, and never one inside a block.
 */
import MagicString from 'magic-string';
import { parseSync } from 'rolldown/experimental';
import type { Plugin } from 'vite';

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const isNode = (v: unknown): v is Node =>
  typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (const v of Object.values(n)) {
    if (Array.isArray(v)) for (const x of v) isNode(x) && out.push(x);
    else if (isNode(v)) out.push(v);
  }
  return out;
}

/** The statements of a scope a declaration is hoisted in: the module's, or a function's body. */
function scopeStatements(n: Node): Node[] | null {
  if (n.type === 'Program') return n.body as Node[];
  if (
    (n.type === 'FunctionDeclaration' ||
      n.type === 'FunctionExpression' ||
      n.type === 'ArrowFunctionExpression') &&
    isNode(n.body) &&
    n.body.type === 'BlockStatement'
  )
    return n.body.body as Node[];
  return null;
}

/** Where hoisted code goes in a scope: after its directives ("use strict") and imports. */
function scopeStart(n: Node, statements: Node[]): number {
  let at = n.type === 'Program' ? n.start : (n.body as Node).start + 1;
  for (const s of statements) {
    if (
      s.type === 'ImportDeclaration' ||
      (s.type === 'ExpressionStatement' && typeof s.directive === 'string')
    )
      at = s.end;
    else break;
  }
  return at;
}

export interface EagerResult {
  code: string;
  map: ReturnType<MagicString['generateMap']>;
  /** The names rewritten (each once per declaration). */
  wrapped: string[];
}

export function eagerCompile(code: string, file: string, names: ReadonlySet<string>): EagerResult {
  const { program, errors } = parseSync(file, code);
  if (errors.length > 0) throw new Error(`eager-compile: ${file} does not parse: ${errors[0]?.message}`);
  const s = new MagicString(code);
  const wrapped: string[] = [];
  const visit = (n: Node) => {
    const statements = scopeStatements(n);
    if (statements) {
      const at = scopeStart(n, statements);
      for (const st of statements) {
        const id = st.id as Node | null | undefined;
        const name = st.type === 'FunctionDeclaration' && id ? String(id.name) : '';
        if (!name || !names.has(name) || st.start < at) continue;
        s.prependRight(st.start, `var ${name} = (`);
        s.appendLeft(st.end, ');\n');
        s.move(st.start, st.end, at);
        wrapped.push(name);
      }
    }
    for (const c of children(n)) visit(c);
  };
  visit(program as unknown as Node);
  return { code: s.toString(), map: s.generateMap({ hires: true, source: file }), wrapped };
}

/**
 * uPlot's functions the runtime page calls before `charts-drawn` (V8's `--log-function-events` of a new-tab load,
 * issue 15; `uPlot` itself first, which holds most of the others).
 */
export const UPLOT_EAGER = new Set(
  [
    'uPlot',
    '_commit _drawAcc _init _setScale _setSize _sync accScale addClass assign autoPadSide autoScaleX axesCalc',
    'bandFillClipDirs bars cacheStrokeFill calcAxesRects calcPlotRect calcSize clamp clipGaps closestIdx commit',
    'convergeSize copy cursorMove doFill doStroke drawAxesGrid drawOrthoLines drawPath drawSeries elTrans fastIsObj',
    'fillStroke filtBtn0 filtTarg findColWidth findIncr fire fmtDate fnOrSelf genIncrs genTimeStuffs getHPos',
    'getIncrSpace getMinMax getOuterIdxs getPos getVPos guessDec ifNull incrOffset incrRound incrRoundUp initAxis',
    'initCursorPt initScale initSeries initValToPct isFn isObj linear makeIndexOfs numAxisSplits',
    'numIntDigits on onMouse orient paddingCalc placeDiv placeTag points ptDia pxRatioFont pxRoundGen rect remClass',
    'resetYSeries roundDec seriesFillTo setCtxStyle setData setDefault setDefaults setFontStyle',
    'setLegend setPxRatio setScale setScales setStylePx slice3 strokeFill syncRect timeAxisSplits timeAxisStamps',
    'timeAxisVals timeSeriesStamp timeSeriesVal updateCursor',
  ].flatMap((line) => line.split(' ')),
);

/** The build's plugin: uPlot's listed functions compiled with its script. */
export function eagerUplot(file: RegExp): Plugin {
  return {
    name: 'eager-uplot',
    transform(code, id) {
      if (!file.test(id)) return null;
      const out = eagerCompile(code, id, UPLOT_EAGER);
      const missing = [...UPLOT_EAGER].filter((n) => !out.wrapped.includes(n));
      if (missing.length > 0)
        throw new Error(`uPlot changed: no function declaration named ${missing.join(', ')} (eager-uplot)`);
      return { code: out.code, map: out.map };
    },
  };
}
