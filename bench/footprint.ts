/**
 * `npm run bench:footprint`: the package's footprint, compiled against run-time-compiled (tsx), in one run, with
 * the targets of issue 13. Prints a Markdown table (the BENCHMARKS.md rows) and writes the figures as JSON to
 * bench/results/footprint-<time>.json. Light: a few processes, a minute or two.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropAllBenchDatabases } from './database';
import { guardChildren, ROOT, stopAll } from './processes';
import { type FootprintResult, runFootprints } from './scenarios/footprint';

const ROWS: { label: string; target: string; value: (r: FootprintResult) => string }[] = [
  {
    label: "bare `node -e ''` (the floor; a gauge of the load)",
    target: '',
    value: (r) => `${r.bareNodeMs.toFixed(0)} ms`,
  },
  {
    label: '`daemon --help` (median of 5)',
    target: '≤ 300 ms',
    value: (r) => `${r.daemonHelpMs.toFixed(0)} ms`,
  },
  { label: 'idle daemon RSS', target: '≤ 60 MB', value: (r) => `${r.daemonIdleRssMb.toFixed(0)} MB` },
  {
    label: 'idle daemon CPU',
    target: '~0',
    value: (r) => `${(r.daemonIdleCpu * 100).toFixed(1)} % of a core`,
  },
  {
    label: 'hub idle RSS, embedded',
    target: '≤ 200 MB',
    value: (r) => `${r.hubEmbeddedIdleRssMb.toFixed(0)} MB`,
  },
  {
    label: 'hub idle RSS, Postgres',
    target: '≤ 120 MB',
    value: (r) => `${r.hubPostgresIdleRssMb.toFixed(0)} MB`,
  },
  {
    label: 'cold start to /readyz, Postgres',
    target: '≤ 2 s',
    value: (r) => `${(r.coldStartPostgresMs / 1000).toFixed(2)} s`,
  },
];

guardChildren(async () => {
  await stopAll();
  await dropAllBenchDatabases();
});
try {
  const results = await runFootprints();
  const compiled = results.find((r) => r.variant === 'compiled')!;
  const tsx = results.find((r) => r.variant === 'tsx')!;
  const table = [
    '| footprint | target | before: tsx at run time | after: compiled |',
    '| --- | --- | --- | --- |',
    ...ROWS.map((row) => `| ${row.label} | ${row.target} | ${row.value(tsx)} | ${row.value(compiled)} |`),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `footprint-${new Date().toISOString().replaceAll(':', '-')}.json`),
    `${JSON.stringify(results, null, 2)}\n`,
  );
} finally {
  await stopAll();
  await dropAllBenchDatabases();
}
