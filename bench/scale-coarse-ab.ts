/**
 * A/B of the history views on a database kept by scale-keep.ts: each view read from the coarse rollups (viewSource,
 * what the hub reads) and from the quarter-hour rollup alone (fineSource: what main read for every view but the
 * workspace's model view), calls alternating on one connection; answers compared (they must be equal). Prints
 * the median and the largest time of each, and writes the coarse plans (EXPLAIN ANALYZE, BUFFERS) to `plans`.
 *
 *   npx tsx bench/scale-coarse-ab.ts /tmp/<name>.json <calls> [plans.md|-] [label substring]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { historyWindow } from '../server/http/history-window';
import {
  fineSource,
  openPostgres,
  type Sql,
  usageByDay,
  usageByGroup,
  type ViewSource,
  viewSource,
} from '../server/store';
import type { GroupBy } from '../shared';
import { explaining } from './scale-explain';

const [file, callsArg = '10', plansFile, match] = process.argv.slice(2);
const kept = JSON.parse(readFileSync(file!, 'utf8')) as {
  url: string;
  workspaceId: string;
  busyRuntimeId: string;
};
const calls = Number(callsArg);

interface View {
  label: string;
  runtime: boolean;
  days: number;
  tz: string;
  groupBy?: GroupBy;
  /** Fewer calls of the fine source (it takes seconds). */
  slow?: boolean;
}
const VIEWS: View[] = [
  { label: 'busy runtime 90 d Asia/Kolkata', runtime: true, days: 90, tz: 'Asia/Kolkata' },
  { label: 'busy runtime 90 d UTC', runtime: true, days: 90, tz: 'UTC' },
  { label: 'busy runtime 90 d Asia/Kathmandu', runtime: true, days: 90, tz: 'Asia/Kathmandu' },
  { label: 'busy runtime 365 d America/Los_Angeles', runtime: true, days: 365, tz: 'America/Los_Angeles' },
  {
    label: 'busy runtime 90 d Asia/Kolkata, group_by=model',
    runtime: true,
    days: 90,
    tz: 'Asia/Kolkata',
    groupBy: 'model',
  },
  { label: 'workspace 30 d UTC, default', runtime: false, days: 30, tz: 'UTC', slow: true },
  {
    label: 'workspace 30 d America/Los_Angeles, default',
    runtime: false,
    days: 30,
    tz: 'America/Los_Angeles',
    slow: true,
  },
  {
    label: 'workspace 30 d UTC, group_by=runtime',
    runtime: false,
    days: 30,
    tz: 'UTC',
    groupBy: 'runtime',
    slow: true,
  },
  { label: 'workspace 365 d UTC, default', runtime: false, days: 365, tz: 'UTC', slow: true },
  {
    label: 'workspace 365 d America/Los_Angeles, default',
    runtime: false,
    days: 365,
    tz: 'America/Los_Angeles',
    slow: true,
  },
];

const read = (sql: Sql, v: View, source: ViewSource) => {
  const w = historyWindow(v.days, v.tz);
  const rt = v.runtime ? kept.busyRuntimeId : null;
  return v.groupBy
    ? usageByGroup(sql, kept.workspaceId, rt, w, v.groupBy, {}, source)
    : usageByDay(sql, kept.workspaceId, rt, w, {}, source);
};

const db = openPostgres(kept.url, 1, { statementTimeoutMs: 120_000, lockTimeoutMs: 10_000 });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const plans: string[] = [];
try {
  process.stdout.write(
    `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
  );
  for (const v of VIEWS.filter((x) => !match || x.label.includes(match))) {
    const n = v.slow ? Math.max(2, Math.ceil(calls / 5)) : calls;
    const t = { coarse: [] as number[], fine: [] as number[] };
    let rows = 0;
    for (let i = 0; i < n; i++) {
      const answers: Record<string, string> = {};
      for (const [name, source] of (i % 2 === 0
        ? [
            ['coarse', viewSource],
            ['fine', fineSource],
          ]
        : [
            ['fine', fineSource],
            ['coarse', viewSource],
          ]) as [keyof typeof t, ViewSource][]) {
        const started = performance.now();
        const answer = await read(db, v, source);
        t[name].push(performance.now() - started);
        answers[name] = JSON.stringify(answer);
        rows = answer.length;
      }
      if (answers.coarse !== answers.fine) throw new Error(`${v.label}: the answers differ`);
    }
    process.stdout.write(
      `| ${v.label} | ${n} | ${rows} | ${median(t.fine).toFixed(1)} / ${Math.max(...t.fine).toFixed(1)} ms | ` +
        `${median(t.coarse).toFixed(1)} / ${Math.max(...t.coarse).toFixed(1)} ms |\n`,
    );
    if (plansFile && plansFile !== '-') {
      const lines: string[] = [];
      await read(explaining(db, lines), v, viewSource);
      plans.push(`## ${v.label}\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`);
    }
  }
  process.stdout.write(
    `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
  );
  if (plansFile && plansFile !== '-')
    writeFileSync(
      plansFile,
      `# Plans of the views read from the coarse rollups (${new Date().toISOString()})\n\n${plans.join('\n')}`,
    );
} finally {
  await db.close();
}
