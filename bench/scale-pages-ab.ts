/**
 * Interleaved A/B of the workspace's default rows on a database kept by scale-keep.ts (issue 19): `base` (an
 * unpacked earlier tree whose usageByDay answers the whole window folded to 7,000 rows) against this tree's first
 * page (usagePage), calls alternating, each on its own connection in a REPEATABLE READ transaction as the route
 * reads it. Prints wall p50 / p90 / max and the mean CPU of each Postgres backend (from /proc: the steadier figure
 * on a loaded machine), then this tree's walk of every page (pages, rows, largest page) with the same figures, and
 * with `explain` the first page's plans.
 *
 *   npx tsx bench/scale-pages-ab.ts /tmp/<name>.json <base dir> <calls> [explain]
 */
import { readFileSync } from 'node:fs';
import { historyWindow } from '../server/http/history-window';
import * as current from '../server/store';
import { explaining } from './scale-explain';

const [file, baseDir, callsArg = '10', explain] = process.argv.slice(2);
const kept = JSON.parse(readFileSync(file!, 'utf8')) as { url: string; workspaceId: string };
const base = (await import(`${baseDir}/server/store/index.ts`)) as typeof current;
const VIEWS = [
  { label: 'workspace 30 d UTC, default rows', days: 30, tz: 'UTC' },
  { label: 'workspace 365 d America/Los_Angeles, default rows', days: 365, tz: 'America/Los_Angeles' },
];

const options = { statementTimeoutMs: 120_000, lockTimeoutMs: 10_000 };
const dbs = {
  base: base.openPostgres(kept.url, 1, options),
  current: current.openPostgres(kept.url, 1, options),
};
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const at = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil(p * xs.length) - 1] ?? 0;
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** One read in a REPEATABLE READ, READ ONLY transaction (as readAtSnapshot), timed in wall and backend CPU. */
async function timed<T>(db: current.Database, read: (tx: current.Sql) => Promise<T>) {
  return db.transaction(async (tx) => {
    await tx.exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL work_mem = '16MB'`);
    const [{ pid }] = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [
      { pid: number },
    ];
    const t = performance.now();
    const c = cpuMs(pid);
    const value = await read(tx);
    return { value, ms: performance.now() - t, cpu: cpuMs(pid) - c };
  });
}

const walk = async (tx: current.Sql, w: current.HistoryWindow) => {
  let before: string | undefined;
  let pages = 0;
  let rows = 0;
  let maxBytes = 0;
  do {
    const page = await current.usagePage(tx, kept.workspaceId, null, w, before);
    pages++;
    rows += page.rows.length;
    maxBytes = Math.max(maxBytes, JSON.stringify(page.rows).length);
    before = page.next;
  } while (before !== undefined);
  return { pages, rows, maxBytes };
};

const f = (t: { ms: number[]; cpu: number[] }) =>
  `${[0.5, 0.9, 1].map((p) => at(t.ms, p).toFixed(1)).join(' / ')} ms (${(t.cpu.reduce((a, b) => a + b, 0) / t.cpu.length).toFixed(1)} ms)`;
try {
  process.stdout.write(
    `load average ${load()}\n| view | calls | base (whole window, folded) | this tree (first page) |\n`,
  );
  for (const v of VIEWS) {
    const w = historyWindow(v.days, v.tz);
    const t = {
      base: { ms: [] as number[], cpu: [] as number[] },
      current: { ms: [] as number[], cpu: [] as number[] },
    };
    const rows = { base: 0, current: 0 };
    for (let i = 0; i < Number(callsArg); i++) {
      for (const name of i % 2 === 0 ? (['base', 'current'] as const) : (['current', 'base'] as const)) {
        const r = await timed(dbs[name], async (tx) =>
          name === 'base'
            ? base.usageByDay(tx, kept.workspaceId, null, w)
            : (await current.usagePage(tx, kept.workspaceId, null, w)).rows,
        );
        t[name].ms.push(r.ms);
        t[name].cpu.push(r.cpu);
        rows[name] = r.value.length;
      }
    }
    process.stdout.write(
      `| ${v.label} | ${callsArg} | ${f(t.base)}, ${rows.base} rows | ${f(t.current)}, ${rows.current} rows |\n`,
    );
    const walks = { ms: [] as number[], cpu: [] as number[] };
    let shape = '';
    for (let i = 0; i < Math.min(3, Number(callsArg)); i++) {
      const r = await timed(dbs.current, (tx) => walk(tx, w));
      walks.ms.push(r.ms);
      walks.cpu.push(r.cpu);
      shape = `${r.value.pages} pages, ${r.value.rows} rows, largest ${(r.value.maxBytes / 1024).toFixed(0)} KB`;
    }
    process.stdout.write(`| ${v.label}: every page | ${walks.ms.length} | | ${f(walks)}, ${shape} |\n`);
    if (explain) {
      const lines: string[] = [];
      await dbs.current.exec(`SET work_mem = '${current.VIEW_WORK_MEM}'`);
      await current.usagePage(explaining(dbs.current, lines), kept.workspaceId, null, w);
      await dbs.current.exec('RESET work_mem');
      process.stdout.write(`\n#### ${v.label}: first page\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n\n`);
    }
  }
  process.stdout.write(`load average ${load()}\n`);
} finally {
  await dbs.base.close();
  await dbs.current.close();
}
