/**
 * Interleaved A/B of the history views between two trees of the store on a database kept by scale-keep.ts: `base`
 * (an unpacked earlier commit, e.g. `git archive <commit> server shared | tar -x -C /tmp/base`, node_modules linked)
 * and this tree, calls alternating on one connection each, answers compared (they must be equal row for row).
 * Prints the median, p90 and largest wall time of each, the mean CPU time of its Postgres backend (from /proc: the
 * steadier figure on a loaded machine), and their ratio and the load average; with `explain`, this tree's plans.
 *
 *   npx tsx bench/scale-default-ab.ts /tmp/<name>.json <base dir> <calls> [label substring] [explain]
 *
 * The workspace's default rows are paged since session 6 (a base before it answers another shape): their A/B is
 * bench/scale-pages-ab.ts; the `default first page` views here read usagePage on both sides.
 *
 * SCALE_AB_OPEN_HOUR=1: a base from before migration 013 reads the runtime levels' tables, which now hold only the
 * hours before their watermark: its answers miss the hours from the watermark on, so they are not compared.
 * SCALE_AB_BASE_URL=<url>: the base reads that database instead — a copy of the kept one as the base's own
 * migrations left it (`CREATE DATABASE <copy> TEMPLATE <kept>` before this tree migrates the kept one), so each side
 * reads its own schema and the answers are compared. This tree's side first rolls its runtime levels to the current
 * hour, as a hub does each minute (a kept database's watermark stays where its migration put it).
 */
import { readFileSync } from 'node:fs';
import { historyWindow } from '../server/http/history-window';
import * as current from '../server/store';
import type { GroupBy } from '../shared';
import { explaining } from './scale-explain';

const [file, baseDir, callsArg = '10', match = '', explain] = process.argv.slice(2);
const kept = JSON.parse(readFileSync(file!, 'utf8')) as {
  url: string;
  workspaceId: string;
  busyRuntimeId: string;
};
const base = (await import(`${baseDir}/server/store/index.ts`)) as typeof current;

interface View {
  label: string;
  runtime: boolean;
  days: number;
  tz: string;
  groupBy?: GroupBy;
  /** The workspace's default shape, its first page (usagePage). */
  page?: boolean;
}
const VIEWS: View[] = [
  { label: 'workspace 30 d UTC, default first page', runtime: false, days: 30, tz: 'UTC', page: true },
  {
    label: 'workspace 90 d America/Los_Angeles, default first page',
    runtime: false,
    days: 90,
    tz: 'America/Los_Angeles',
    page: true,
  },
  { label: 'busy runtime 90 d Asia/Kolkata', runtime: true, days: 90, tz: 'Asia/Kolkata' },
  { label: 'busy runtime 90 d Asia/Kathmandu', runtime: true, days: 90, tz: 'Asia/Kathmandu' },
  { label: 'busy runtime 90 d UTC', runtime: true, days: 90, tz: 'UTC' },
  { label: 'workspace 30 d UTC, group_by=model', runtime: false, days: 30, tz: 'UTC', groupBy: 'model' },
  {
    label: 'workspace 365 d America/Los_Angeles, group_by=model',
    runtime: false,
    days: 365,
    tz: 'America/Los_Angeles',
    groupBy: 'model',
  },
];

type Store = typeof current;
const read = (store: Store, sql: current.Sql, v: View) => {
  const w = historyWindow(v.days, v.tz);
  const rt = v.runtime ? kept.busyRuntimeId : null;
  if (v.page) return store.usagePage(sql, kept.workspaceId, rt, w).then((p) => p.rows);
  return v.groupBy
    ? store.usageByGroup(sql, kept.workspaceId, rt, w, v.groupBy)
    : store.usageByDay(sql, kept.workspaceId, rt, w);
};

const options = { statementTimeoutMs: 120_000, lockTimeoutMs: 10_000 };
const baseUrl = process.env.SCALE_AB_BASE_URL;
const dbs = {
  base: base.openPostgres(baseUrl ?? kept.url, 1, options),
  current: current.openPostgres(kept.url, 1, options),
};
const stores = { base, current };
/**
 * CPU time (ms) the connection's backend has used so far: the first field of /proc/<pid>/schedstat, in nanoseconds
 * (utime + stime of /proc/<pid>/stat count 10 ms ticks: a third of a 30 ms page).
 */
const backendPid = async (sql: current.Database) =>
  (await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
const cpuMs = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
const at = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil(p * xs.length) - 1] ?? 0;
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
try {
  if (baseUrl) await current.rollRuntimeLevels(dbs.current, new Date());
  // The route's work memory (it reads a page in a snapshot transaction that sets it): the plan of a page's grouping
  // (a hash or a sort) depends on it.
  for (const db of Object.values(dbs)) await db.exec(`SET work_mem = '${current.VIEW_WORK_MEM}'`);
  process.stdout.write(
    `load average ${load()}\n| view | calls | rows | base p50 / p90 / max (CPU mean, median) | this tree p50 / p90 / max (CPU mean, median) | CPU ratio (mean, median) |\n`,
  );
  for (const v of VIEWS.filter((x) => x.label.includes(match))) {
    const t = { base: [] as number[], current: [] as number[] };
    const cpu = { base: [] as number[], current: [] as number[] };
    let rows = 0;
    for (let i = 0; i < Number(callsArg); i++) {
      const answers: Partial<Record<keyof typeof t, string>> = {};
      const order: (keyof typeof t)[] = i % 2 === 0 ? ['base', 'current'] : ['current', 'base'];
      for (const name of order) {
        // The pool may have opened a new connection since the last call.
        const pid = await backendPid(dbs[name]);
        const started = performance.now();
        const cpuBefore = cpuMs(pid);
        const answer = await read(stores[name], dbs[name], v);
        t[name].push(performance.now() - started);
        cpu[name].push(cpuMs(pid) - cpuBefore);
        answers[name] = JSON.stringify(answer);
        rows = answer.length;
      }
      if (!process.env.SCALE_AB_OPEN_HOUR && answers.base !== answers.current)
        throw new Error(`${v.label}: the answers differ`);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const f = (name: keyof typeof t) =>
      `${[0.5, 0.9, 1].map((p) => at(t[name], p).toFixed(1)).join(' / ')} ms (${mean(cpu[name]).toFixed(2)}, ${at(cpu[name], 0.5).toFixed(2)} ms)`;
    const ratio = `${(mean(cpu.current) / mean(cpu.base)).toFixed(3)}, ${(at(cpu.current, 0.5) / at(cpu.base, 0.5)).toFixed(3)}`;
    process.stdout.write(
      `| ${v.label} | ${callsArg} | ${rows} | ${f('base')} | ${f('current')} | ${ratio} |\n`,
    );
    if (explain) {
      const lines: string[] = [];
      // The view's own work memory (readView sets it only in a transaction of its own).
      await dbs.current.exec(`SET work_mem = '${current.VIEW_WORK_MEM}'`);
      await read(current, explaining(dbs.current, lines), v);
      await dbs.current.exec('RESET work_mem');
      process.stdout.write(`\n#### ${v.label}\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n\n`);
    }
  }
  process.stdout.write(`load average ${load()}\n`);
} finally {
  await dbs.base.close();
  await dbs.current.close();
}
