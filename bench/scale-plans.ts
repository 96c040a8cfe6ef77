/**
 * `npx tsx bench/scale-plans.ts <result.json> [label]`: the query plans a scale run kept (`EXPLAIN (ANALYZE,
 * BUFFERS)` of each history view at each size) as Markdown on stdout — a summary table (time, buffers read,
 * temp blocks spilled, the largest scan) and every plan in full — for BENCHMARKS.md and bench/plans/.
 */
import { readFileSync } from 'node:fs';
import type { BenchResult } from './measured';

const [file, label = ''] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/scale-plans.ts <result.json> [label]\n');
  process.exit(2);
}
const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
const steps = result.measured.scale?.steps ?? [];

/** The first match of `re` in the plan (the top node's figures come first). */
const first = (plan: string, re: RegExp) => re.exec(plan)?.slice(1) ?? [];

const out: string[] = [];
out.push(
  `| ${label ? `${label}: ` : ''}view | events | execution | shared read / hit | temp written | largest scan |`,
);
out.push('| --- | --- | --- | --- | --- | --- |');
for (const step of steps) {
  for (const { view, plan } of step.plans) {
    const [ms] = first(plan, /Execution Time: ([\d.]+) ms/);
    const [hit, read] = first(plan, /Buffers: shared hit=(\d+)(?: read=(\d+))?/);
    const [temp] = first(plan, /temp read=\d+ written=(\d+)/);
    let largest = '';
    let most = -1;
    for (const m of plan.matchAll(
      /(\w[\w ]*Scan)(?: using \w+)? on (\w+)[^\n]*actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)/g,
    )) {
      const rows = Number(m[3]) * Number(m[4]);
      if (rows > most) {
        most = rows;
        largest = `${m[1]} on ${m[2]}: ${rows.toLocaleString('en-US')} rows`;
      }
    }
    out.push(
      `| ${view} | ${(step.events / 1e6).toString()}M | ${ms ?? '?'} ms | ${read ?? 0} / ${hit ?? 0} | ${temp ?? 0} | ${largest} |`,
    );
  }
}
out.push('');
for (const step of steps) {
  for (const { view, plan } of step.plans) {
    out.push(
      `#### ${label ? `${label}, ` : ''}${view} at ${(step.events / 1e6).toString()}M events`,
      '',
      '```',
      plan,
      '```',
      '',
    );
  }
}
process.stdout.write(`${out.join('\n')}\n`);
