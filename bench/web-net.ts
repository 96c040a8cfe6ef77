/**
 * Where the time of a new-tab load's requests goes, per request: the browser's view (CDP Network events: when the
 * renderer asked, the network service's request start, connection set-up, send, headers, body) and the hub's own
 * (accept, request parsed, headers written, last byte handed to the kernel: bench/web-net-probe.mjs, loaded into
 * the hub), on one clock: Chromium's TimeTicks and Node's process.hrtime are both CLOCK_MONOTONIC on Linux.
 * Times are ms after the page's navigation start (CDP Performance metric NavigationStart). No trace is taken.
 *
 * `npx tsx bench/web-net.ts [loads=7] [--all] [--hub <cli>]` (`--all`: every load's table, not only the median
 * one's; `--hub`: another built tree's `bin/runtime-hub.js`, for a base's split)
 */
import { readFileSync, rmSync } from 'node:fs';
import { median, pollPage } from './scenarios/web';
import { withWebSession } from './web-session';

interface HubRecord {
  kind: 'accept' | 'request' | 'loop' | 'connect' | 'query';
  text?: string;
  end?: number;
  connected?: number;
  remote?: number;
  at?: number;
  port?: number;
  url?: string;
  start?: number;
  writeHead?: number;
  firstWrite?: number;
  finish?: number;
  writes?: number;
  n?: number;
  max?: number;
  ae?: string;
  status?: number;
  length?: string;
}

interface Req {
  url: string;
  willSend?: number;
  timing?: Record<string, number>;
  connectionId?: number;
  reused?: boolean;
  firstData?: number;
  finished?: number;
  protocol?: string;
}

const short = (u: string) => u.replace(/^https?:\/\/[^/]+\/api\/runtimes\/[^/]+/, '').slice(0, 48);

async function main(): Promise<void> {
  const loads = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 7);
  const all = process.argv.includes('--all');
  const log = `/tmp/web-net-${process.pid}.jsonl`;
  rmSync(log, { force: true });
  const hubAt = process.argv.indexOf('--hub');
  try {
    await withWebSession(
      async ({ url, runtimeId, signedIn: context }) => {
        const rows: { charts: number; lines: string[] }[] = [];
        const keyRows = new Map<string, number[]>();
        for (let i = -1; i < loads; i++) {
          const page = await context.newPage();
          const cdp = await context.newCDPSession(page);
          const reqs = new Map<string, Req>();
          const get = (id: string): Req => {
            const r = reqs.get(id) ?? { url: '' };
            reqs.set(id, r);
            return r;
          };
          cdp.on('Network.requestWillBeSent', (e) => {
            const r = get(e.requestId);
            r.url = e.request.url;
            r.willSend = e.timestamp * 1000;
          });
          cdp.on('Network.responseReceived', (e) => {
            const r = get(e.requestId);
            r.timing = e.response.timing as unknown as Record<string, number>;
            r.connectionId = e.response.connectionId;
            r.reused = e.response.connectionReused;
            r.protocol = e.response.protocol;
          });
          cdp.on('Network.dataReceived', (e) => {
            const r = get(e.requestId);
            r.firstData ??= e.timestamp * 1000;
          });
          cdp.on('Network.loadingFinished', (e) => {
            get(e.requestId).finished = e.timestamp * 1000;
          });
          await cdp.send('Network.enable');
          await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
          const tag = `n=${i}`;
          await page.goto(`${url}/?${tag}#/runtime/${runtimeId}?days=90`, { waitUntil: 'commit' });
          const marks = await pollPage(
            page,
            (_: null) => {
              const m = performance.getEntriesByName('charts-drawn')[0];
              if (!m) return false;
              const out: Record<string, number> = { chartsDrawn: m.startTime };
              for (const name of ['app-rendered'])
                out[name] = performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN;
              return out;
            },
            null,
            tag,
          );
          const { metrics } = await cdp.send('Performance.getMetrics');
          const nav = (metrics.find((m) => m.name === 'NavigationStart')?.value ?? 0) * 1000;
          await new Promise((r) => setTimeout(r, 300));
          await cdp.detach();
          await page.close();
          await new Promise((r) => setTimeout(r, 150));
          const hubRecs = readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as HubRecord);
          rmSync(log, { force: true });
          const t = (x: number | undefined) =>
            x === undefined ? '     -' : (x - nav).toFixed(1).padStart(6);
          const lines: string[] = [];
          lines.push(
            `load ${i}: charts ${marks.chartsDrawn?.toFixed(0)} app-rendered ${marks['app-rendered']?.toFixed(0)}`,
          );
          lines.push(
            '  request                                          rdr-ask net-start conn(s–e)        send   hdrs   data  done | hub: accept start  head  write finish n conn',
          );
          const hubReqs = hubRecs.filter((h) => h.kind === 'request');
          const accepts = hubRecs.filter((h) => h.kind === 'accept');
          for (const r of [...reqs.values()].sort((a, b) => (a.willSend ?? 0) - (b.willSend ?? 0))) {
            if (!/^http/.test(r.url)) continue;
            const tm = r.timing;
            const base = tm?.requestTime !== undefined ? tm.requestTime * 1000 : undefined;
            const rel = (k: string) => (tm && base !== undefined && tm[k]! >= 0 ? base + tm[k]! : undefined);
            const path = r.url.replace(/^https?:\/\/[^/]+/, '');
            const h = hubReqs.find((x) => x.url === path && (x.start ?? 0) >= (r.willSend ?? 0) - 5);
            const acc = h ? accepts.find((a) => a.port === h.port) : undefined;
            lines.push(
              `  ${short(r.url).padEnd(48)} ${t(r.willSend)} ${t(base)} ${t(rel('connectStart'))}–${t(rel('connectEnd'))} ${t(rel('sendStart'))} ${t(rel('receiveHeadersEnd'))} ${t(r.firstData)} ${t(r.finished)} | ${t(acc?.at)} ${t(h?.start)} ${t(h?.writeHead)} ${t(h?.firstWrite)} ${t(h?.finish)} ${h?.n ?? '-'} ${r.connectionId ?? '-'}${r.reused ? 'r' : ''} ${h?.port ?? ''} ${h?.status ?? ''} ${h?.length ?? ''}`,
            );
            const key = /\/usage\?(?!.*group_by)/.test(path)
              ? 'usage'
              : /group_by=runtime/.test(path)
                ? 'daily'
                : /\/activity\?/.test(path)
                  ? 'activity'
                  : /\/assets\/index-.*\.js/.test(path)
                    ? 'entry'
                    : /\?n=/.test(path)
                      ? 'document'
                      : '';
            if (key && !keyRows.has(`${key}:${i}`)) {
              keyRows.set(`${key}:${i}`, [1]);
              const put = (k: string, v: number | undefined) => {
                if (v === undefined || i < 0) return;
                const arr = keyRows.get(`${key} ${k}`) ?? [];
                arr.push(v - nav);
                keyRows.set(`${key} ${k}`, arr);
              };
              put('1 renderer asks', r.willSend);
              put('2 network start', base);
              put('3 connect start', rel('connectStart'));
              put('4 connect end', rel('connectEnd'));
              put('5 send start', rel('sendStart'));
              put('6 hub accept', acc?.at);
              put('7 hub request', h?.start);
              put('8 hub first write', h?.firstWrite);
              put('9 hub finish', h?.finish);
              put('a headers in', rel('receiveHeadersEnd'));
              put('b first data', r.firstData);
              put('c finished', r.finished);
              const stage = (k: string, a: number | undefined, b: number | undefined) => {
                if (a === undefined || b === undefined || i < 0) return;
                const arr = keyRows.get(`${key} ~${k}`) ?? [];
                arr.push(b - a);
                keyRows.set(`${key} ~${k}`, arr);
              };
              stage('A ask→net', r.willSend, base);
              stage('B net→send', base, rel('sendStart'));
              stage('C send→hub', rel('sendStart'), h?.start);
              stage('D hub', h?.start, h?.finish);
              stage('E hub→hdrs', h?.finish, rel('receiveHeadersEnd'));
              stage('F hdrs→renderer', rel('receiveHeadersEnd'), r.firstData);
            }
          }
          const busy = hubRecs.filter(
            (h) => h.kind === 'loop' && (h.at ?? 0) - nav < 250 && (h.max ?? 0) > 3,
          );
          lines.push(
            `  hub loop delay > 3 ms: ${busy.map((b) => `${((b.at ?? 0) - nav).toFixed(0)}:${b.max?.toFixed(1)}`).join(' ')}`,
          );
          lines.push(
            `  hub's outgoing connections: ${hubRecs
              .filter((h) => h.kind === 'connect')
              .map((c) => `${t(c.at)}–${t(c.connected)} :${c.remote}`)
              .join(' ')}`,
          );
          lines.push(
            `  hub's queries: ${hubRecs
              .filter(
                (h) =>
                  h.kind === 'query' &&
                  (h.start ?? 0) - nav < (marks.chartsDrawn ?? 400) &&
                  (h.start ?? 0) > nav,
              )
              .map((q) => `${t(q.start)}–${t(q.end)} ${q.text}`)
              .join('\n                 ')}`,
          );
          lines.push(
            `  hub requests in window: ${hubReqs
              .filter((x) => (x.start ?? 0) - nav < 300)
              .map((x) => `${t(x.start)}–${t(x.finish)} ${short(x.url ?? '')}`)
              .join('\n                          ')}`,
          );
          if (i >= 0) rows.push({ charts: marks.chartsDrawn ?? 0, lines });
          if (all) console.log(lines.join('\n'));
        }
        rows.sort((a, b) => a.charts - b.charts);
        const mid = rows[Math.floor((rows.length - 1) / 2)];
        if (!all && mid) console.log(mid.lines.join('\n'));
        console.log(
          `\nmedians of ${rows.length} loads, ms after navigation start; charts ${rows.map((r) => r.charts.toFixed(0)).join(' ')}`,
        );
        for (const [k, v] of [...keyRows].filter(([k]) => k.includes(' ')).sort())
          console.log(
            `  ${k.padEnd(28)} ${median(v).toFixed(1).padStart(7)}  (${v.map((x) => x.toFixed(0)).join(' ')})`,
          );
      },
      {
        env: { WEB_NET_LOG: log },
        nodeArgs: ['--import', './bench/web-net-probe.mjs'],
        script: hubAt >= 0 ? process.argv[hubAt + 1] : undefined,
      },
    );
  } finally {
    // The hub's last lines, flushed as it stopped.
    rmSync(log, { force: true });
  }
}

await main();
