/**
 * The import graph, checked: prints which module folders each folder imports, then fails on an arrow that runs
 * against the data flow (socket/REST → ingest → store → ack → publish). `npm run check:imports`; part of `npm test`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCES = ['shared', 'server', 'web/src'];

interface Rule {
  from: string;
  /** Whether `from` may import this file (a path without extension, relative to the root) of module `to`. */
  allows: (to: string, file: string) => boolean;
  why: string;
}

const isServer = (m: string) => m === 'server' || m.startsWith('server/');
const RULES: Rule[] = [
  {
    from: 'server/realtime',
    allows: (to, file) => !['server/ingest', 'server/http'].includes(to) || file === 'server/ingest/changes',
    why: 'realtime implements the ingest port (ingest/changes.ts); it never calls ingest or http',
  },
  {
    from: 'server/ingest',
    allows: (to) => to !== 'server/realtime' && to !== 'server/http',
    why: 'ingest reports committed changes through its own port, not to realtime or http',
  },
  { from: 'server/http', allows: (to) => to !== 'server/realtime', why: 'REST calls ingest, never realtime' },
  {
    from: 'server/store',
    allows: (to) => to === 'server/store' || to === 'shared',
    why: 'store depends only on the wire contract',
  },
  { from: 'shared', allows: (to) => to === 'shared', why: 'the wire contract depends on nothing of ours' },
  {
    from: 'server/otlp',
    allows: (to) => ['server/otlp', 'server/ingest', 'server/store', 'server', 'shared'].includes(to),
    why: 'OTLP ingest is a source like REST: it calls ingest (store for types), never http or realtime',
  },
  { from: 'web', allows: (to) => !isServer(to), why: 'the dashboard only knows the hub through shared/' },
];

/** `server/ingest/service.ts` → `server/ingest`; a file directly in `server/` → `server`; anything in web → `web`. */
function moduleOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'server' && parts.length > 2) return `server/${parts[1]}`;
  return parts[0]!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Our modules a file imports (`import`, `import type`, `export … from`, `import()`), as paths without extension. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const path = relative(ROOT, resolve(ROOT, dirname(file), spec));
      const isFolder = existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isDirectory();
      return isFolder ? `${path}/index` : path.replace(/\.(tsx?|js)$/, '');
    });
}

const graph = new Map<string, Set<string>>();
const violations: string[] = [];
for (const file of SOURCES.flatMap(sourceFiles)) {
  const from = moduleOf(file);
  const targets = graph.get(from) ?? new Set<string>();
  graph.set(from, targets);
  for (const imported of importsOf(file)) {
    const to = moduleOf(imported);
    if (to !== from) targets.add(to);
    if (to === 'server/otlp' && from !== to && file !== 'server/app.ts')
      violations.push(`${file} imports ${imported}: only app.ts mounts the OTLP receiver`);
    for (const rule of RULES) {
      if (rule.from === from && !rule.allows(to, imported))
        violations.push(`${file} imports ${imported}: ${rule.why}`);
    }
  }
}

console.log('Import graph (module folder → folders it imports):');
for (const [from, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`  ${from.padEnd(20)} → ${[...targets].sort().join(', ') || '(nothing)'}`);
}
if (violations.length > 0) {
  console.error(`\n${violations.length} import(s) against the data flow:`);
  for (const v of violations) console.error(`  ${v}`);
  process.exit(1);
}
console.log(`\nNo import runs against the data flow (${RULES.length} rules).`);
