/**
 * A/B of hub builds as a new tab sees them: two hubs (each a built tree's CLI, serving its own web/dist) on one
 * seeded database, one Chromium, a signed-in off-the-record context per hub, the runtime's 90-day page loaded in a
 * new tab at each hub in turn, the order swapped every round. Per load: `charts-drawn` (the page's mark), when
 * the last of the page's three first history answers had arrived (its resource timing, the network side), and
 * the hub's CPU. Prints the medians and the per-round differences (B − A).
 *
 * `npx tsx bench/web-net-ab.ts <cli-a> <cli-b> [--loads 15]` (a CLI: `bin/runtime-hub.js` of a built tree; a copy
 * of a base build, `cp -r dist bin package.json web/dist` beside a `node_modules` link, serves as A)
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import {
  createBenchDatabase,
  dropAllBenchDatabases,
  openPostgres,
  prepareWorkspace,
  seedRuntimeHistory,
} from './database';
import { startHub } from './hub';
import { cpuSeconds, stopAll } from './processes';
import { CHROMIUM, median, pollPage } from './scenarios/web';
import { BENCH_CHROMIUM_ARGS } from './web-chromium';

interface Sample {
  charts: number;
  answers: number;
  hubCpu: number;
}

/** The mark, and when the last of the first three history answers ended (before the socket's refetch). */
function readLoad(_: null): { charts: number; answers: number } | false {
  const mark = performance.getEntriesByName('charts-drawn')[0];
  if (!mark) return false;
  const first = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
    .filter((r) => /\/(usage|activity)\?/.test(r.name))
    .slice(0, 3);
  return { charts: mark.startTime, answers: Math.max(...first.map((r) => r.responseEnd)) };
}

/**
 * `--node N`: the page's three first requests (as a browser sends them: together, accepting br) from Node, N
 * rounds, the hubs in turn; the hubs' CPU over all rounds (process counters) and the median time to the last byte.
 */
async function nodeRounds(
  sides: { hub: { url: string; child: { pid: number } } }[],
  runtimeId: string,
  token: string,
  rounds: number,
): Promise<void> {
  const paths = [
    `/api/runtimes/${runtimeId}/usage?days=90&tz=UTC`,
    `/api/runtimes/${runtimeId}/usage?days=182&tz=UTC&group_by=runtime`,
    `/api/runtimes/${runtimeId}/activity?days=90&tz=UTC`,
  ];
  const headers = { Authorization: `Bearer ${token}`, 'Accept-Encoding': 'gzip, deflate, br, zstd' };
  const stats = sides.map(() => ({ cpu: 0, last: [] as number[], bytes: 0 }));
  for (let i = -5; i < rounds; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const side = sides[k];
      const stat = stats[k];
      if (!side || !stat) continue;
      const cpu0 = cpuSeconds(side.hub.child.pid) ?? 0;
      const t0 = performance.now();
      const sizes = await Promise.all(
        paths.map(async (p) => {
          const r = await fetch(`${side.hub.url}${p}`, { headers });
          await r.arrayBuffer();
          return Number(r.headers.get('content-length') ?? 0);
        }),
      );
      const ms = performance.now() - t0;
      if (i < 0) continue;
      stat.cpu += ((cpuSeconds(side.hub.child.pid) ?? 0) - cpu0) * 1000;
      stat.last.push(ms);
      stat.bytes = sizes.reduce((a, b) => a + b, 0);
    }
  }
  const [sa, sb] = stats;
  if (sa && sb) {
    const diffs = sa.last.map((v, j) => (sb.last[j] ?? v) - v);
    const lower = diffs.filter((d) => d < 0).length;
    console.log(
      `last byte, per-round difference B − A: median ${median(diffs).toFixed(1)} ms; B lower in ${lower} of ${diffs.length} rounds`,
    );
  }
  stats.forEach((s, k) => {
    console.log(
      `${'AB'[k]}: hub CPU ${(s.cpu / rounds).toFixed(2)} ms per page's three answers, last byte median ${median(s.last).toFixed(1)} ms, ${s.bytes} bytes sent`,
    );
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { loads: { type: 'string', default: '15' }, node: { type: 'string', default: '0' } },
  });
  const loads = Number(values.loads);
  const database = await createBenchDatabase();
  const db = openPostgres(database.url, 2);
  try {
    const ws = await prepareWorkspace(db);
    const runtimeId = await seedRuntimeHistory(db, ws.workspaceId, 90);
    const hubs = [];
    for (const [i, script] of positionals.entries())
      hubs.push(
        await startHub({
          databaseUrl: database.url,
          env: { REST_RATE_PER_MIN: '100000000' },
          script,
          name: `hub-${'AB'[i]}`,
        }),
      );
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BENCH_CHROMIUM_ARGS });
    try {
      const sides = await Promise.all(
        hubs.map(async (hub) => {
          const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
          const page = await context.newPage();
          await page.goto(`${hub.url}/#token=${encodeURIComponent(ws.memberToken)}`);
          await page.waitForFunction(() => localStorage.length > 0);
          await page.close();
          return { hub, context, samples: [] as Sample[] };
        }),
      );
      const rounds = Number(values.node);
      if (rounds > 0) {
        await nodeRounds(sides, runtimeId, ws.memberToken, rounds);
        return;
      }
      for (let i = -1; i < loads; i++) {
        const order = i % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) {
          const page = await side.context.newPage();
          const cpu0 = cpuSeconds(side.hub.child.pid) ?? 0;
          const tag = `n=${i}`;
          await page.goto(`${side.hub.url}/?${tag}#/runtime/${runtimeId}?days=90`, { waitUntil: 'commit' });
          const s = await pollPage(page, readLoad, null, tag);
          const hubCpu = ((cpuSeconds(side.hub.child.pid) ?? 0) - cpu0) * 1000;
          await page.close();
          if (i >= 0) side.samples.push({ ...s, hubCpu });
        }
      }
      const names = positionals;
      sides.forEach((side, k) => {
        const m = (f: (s: Sample) => number) => median(side.samples.map(f)).toFixed(0);
        console.log(
          `${'AB'[k]} ${names[k]}: charts ${m((s) => s.charts)} ms, answers in ${m((s) => s.answers)} ms, hub CPU ${m((s) => s.hubCpu)} ms  (charts ${side.samples.map((s) => s.charts.toFixed(0)).join(' ')})`,
        );
      });
      const [a, b] = sides;
      if (a && b) {
        const d = (f: (s: Sample) => number) =>
          median(a.samples.map((s, j) => f(b.samples[j] ?? s) - f(s))).toFixed(1);
        console.log(
          `median of the per-round differences B − A: charts ${d((s) => s.charts)} ms, answers ${d((s) => s.answers)} ms`,
        );
      }
    } finally {
      await browser.close();
      for (const h of hubs) await h.child.stop();
    }
  } finally {
    await db.close();
    await dropAllBenchDatabases();
    await stopAll();
  }
}

await main();
