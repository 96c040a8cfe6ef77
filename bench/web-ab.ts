/**
 * A/B of dashboard builds on one hub, for weighing a change on a busy machine: each built `web/dist` folder
 * given is served by a small front (its files; /api and /socket.io, WebSocket included, passed to the hub; the
 * hub's own security headers on every answer, so the page runs under the same CSP, its script-src naming the
 * build's own inline script), and the runtime page's
 * 90-day `charts-drawn` is read on fresh pages, the builds taking turns load by load. Prints the median of each.
 *
 * Beside the wall-clock time, the CPU the browser's processes spent on each load (until the mark; Linux ticks of
 * 10 ms): unlike the wall clock it hardly depends on how busy the machine is.
 *
 * `npx tsx bench/web-ab.ts <dist-a> <dist-b> [...] [--loads 15] [--kept]` (`--kept`: each build's loads in one tab
 * kept open, the next address typed in, instead of a new tab per load); a folder written `dist+cache` serves its
 * assets with the hub's cache policy (server/http/dashboard-cache.ts), without it they are revalidated each load.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { IMMUTABLE } from '../server/http/dashboard-cache';
import { inlineScriptHashes } from '../server/http/inline-scripts';
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

/** When the page's charts were drawn, once they are. */
function chartsDrawn(_: null): number | false {
  return performance.getEntriesByName('charts-drawn')[0]?.startTime ?? false;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** A front for `dist` before the hub at `hubPort`, answering with the hub's security `headers`. */
function front(
  dist: string,
  cache: boolean,
  hubPort: number,
  headers: Record<string, string>,
): Promise<Server> {
  // The hub allows the inline script of its own web/dist by hash; this build's may differ.
  const hashes = inlineScriptHashes(readFileSync(join(dist, 'index.html'), 'utf8'));
  const own = { ...headers };
  const csp = headers['content-security-policy'];
  if (csp)
    own['content-security-policy'] = csp.replace(
      /script-src [^;]*/,
      ["script-src 'self'", ...hashes].join(' '),
    );
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (/^\/(api|socket\.io)(\/|$)/.test(path)) {
      const up = request(
        { port: hubPort, host: '127.0.0.1', path: req.url, method: req.method, headers: req.headers },
        (hub) => {
          res.writeHead(hub.statusCode ?? 502, hub.headers);
          hub.pipe(res);
        },
      );
      req.pipe(up);
      return;
    }
    let file = normalize(join(dist, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dist) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      file = join(dist, 'index.html');
    }
    const cacheControl = cache && /\/assets\//.test(file) ? IMMUTABLE : 'no-cache';
    res.writeHead(200, {
      ...own,
      'cache-control': cacheControl,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    });
    res.end(readFileSync(file));
  });
  server.on('upgrade', (req, socket, head) => {
    const hub = connect(hubPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      hub.write(`${lines.join('\r\n')}\r\n\r\n`);
      hub.write(head);
      hub.pipe(socket);
      socket.pipe(hub);
    });
    hub.on('error', () => socket.destroy());
    socket.on('error', () => hub.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** CPU seconds so far of each Chromium process started by this one (the browser and all its children). */
function chromiumCpu(): Map<number, number> {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p))
      if (p === process.pid) return true;
    return false;
  };
  const cpu = new Map<number, number>();
  for (const pid of parent.keys()) {
    if (!ours(pid)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const used = cmd.includes('chrom') ? cpuSeconds(pid) : null;
    if (used !== null) cpu.set(pid, used);
  }
  return cpu;
}

function cpuSince(before: Map<number, number>): number {
  let ms = 0;
  for (const [pid, s] of chromiumCpu()) ms += (s - (before.get(pid) ?? 0)) * 1000;
  return ms;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { loads: { type: 'string', default: '15' }, kept: { type: 'boolean', default: false } },
  });
  const builds = positionals.map((arg) => ({
    name: arg,
    dist: normalize(`${arg.replace(/\+cache$/, '')}/`),
    cache: arg.endsWith('+cache'),
  }));
  const loads = Number(values.loads);
  const database = await createBenchDatabase();
  const db = openPostgres(database.url, 2);
  try {
    const ws = await prepareWorkspace(db);
    const runtimeId = await seedRuntimeHistory(db, ws.workspaceId, 90);
    const hub = await startHub({ databaseUrl: database.url, env: { REST_RATE_PER_MIN: '100000000' } });
    const own = await fetch(`${hub.url}/`);
    const headers: Record<string, string> = {};
    for (const name of [
      'content-security-policy',
      'cross-origin-resource-policy',
      'cross-origin-opener-policy',
    ]) {
      const v = own.headers.get(name);
      if (v) headers[name] = v;
    }
    const fronts = await Promise.all(builds.map((b) => front(b.dist, b.cache, hub.port, headers)));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BENCH_CHROMIUM_ARGS });
    try {
      const contexts = await Promise.all(
        fronts.map(async (f) => {
          const url = `http://127.0.0.1:${(f.address() as { port: number }).port}`;
          const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
          const page = await context.newPage();
          await page.goto(`${url}/#token=${encodeURIComponent(ws.memberToken)}`);
          await page.waitForFunction(() => localStorage.length > 0);
          await page.close();
          // --kept: one tab per build kept open, the next address typed in (a full navigation each load).
          const kept = values.kept ? await context.newPage() : null;
          return { url, context, kept, samples: [] as number[], cpu: [] as number[] };
        }),
      );
      for (let i = 0; i < loads; i++) {
        for (const c of contexts) {
          const page = c.kept ?? (await c.context.newPage());
          const before = chromiumCpu();
          const tag = `n=${i}`;
          await page.goto(`${c.url}/?${tag}#/runtime/${runtimeId}?days=90`, { waitUntil: 'commit' });
          c.samples.push(await pollPage(page, chartsDrawn, null, tag));
          c.cpu.push(cpuSince(before));
          if (!c.kept) await page.close();
        }
      }
      contexts.forEach((c, i) => {
        const sorted = [...c.samples].sort((a, b) => a - b).map((v) => v.toFixed(0));
        console.log(
          `${builds[i]?.name}: median ${median(c.samples).toFixed(0)} ms, Chromium CPU ${median(c.cpu).toFixed(0)} ms  (${sorted.join(' ')})`,
        );
      });
    } finally {
      await browser.close();
      for (const f of fronts) f.close();
      await hub.child.stop();
    }
  } finally {
    await db.close();
    await dropAllBenchDatabases();
    await stopAll();
  }
}

await main();
