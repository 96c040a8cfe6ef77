import { spawn } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonResult, runDaemon } from '../../server/daemon/daemon';
import { silentLogger } from '../../server/daemon/log';
import type { Runtime, UsageRow } from '../../shared/schemas';
import { claudeAssistant, tempDir } from '../fixtures/daemon/builders';
import { type Expected, generateTree } from '../fixtures/daemon/generate';
import { startTestHub, type TestHub } from '../helpers/hub';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy';

type Totals = Record<string, [number, number, number, number]>;

async function get<T>(hub: { url: string }, token: string, path: string): Promise<T> {
  const res = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The hub's own view: every runtime of the daemon, usage over 365 days, summed by provider and model. */
async function hubTotals(hub: { url: string }, memberToken: string, daemonId: string): Promise<Totals> {
  const runtimes = (await get<Runtime[]>(hub, memberToken, '/api/runtimes')).filter(
    (r) => r.daemon_id === daemonId,
  );
  const totals: Totals = {};
  for (const rt of runtimes) {
    for (const row of await get<UsageRow[]>(hub, memberToken, `/api/runtimes/${rt.id}/usage?days=365`)) {
      const key = `${row.provider}|${row.model}`;
      const t = totals[key] ?? [0, 0, 0, 0];
      totals[key] = [
        t[0] + row.input_tokens,
        t[1] + row.output_tokens,
        t[2] + row.cache_read_tokens,
        t[3] + row.cache_write_tokens,
      ];
    }
  }
  return totals;
}

function merge(...all: Totals[]): Totals {
  const out: Totals = {};
  for (const t of all)
    for (const [k, v] of Object.entries(t)) {
      const cur = out[k] ?? [0, 0, 0, 0];
      out[k] = cur.map((x, i) => x + (v[i] ?? 0)) as [number, number, number, number];
    }
  return out;
}

const sorted = (t: Totals) => Object.fromEntries(Object.entries(t).sort(([a], [b]) => (a < b ? -1 : 1)));

async function ingestedEvents(hub: { url: string }): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('hub_ingest_events_total{') && line.includes('kind="usage"'))
      n += Number(line.split(' ')[1]);
  return n;
}

const daemonOptions = (hub: { url: string; daemonToken: string }, root: string, statePath: string) => ({
  url: hub.url,
  token: hub.daemonToken,
  claudeDir: join(root, 'claude'),
  codexDir: join(root, 'codex'),
  statePath,
  log: silentLogger(),
  env: {},
  reconnectDelayMs: 100,
  ackWaitMs: 20_000,
});

describe('the daemon against a real hub', () => {
  let hub: TestHub;
  let root: string;
  let expected: Expected;
  let first: DaemonResult;
  const statePath = () => join(root, 'state', 'daemon.json');

  beforeAll(async () => {
    root = tempDir('rh-daemon-int-');
    expected = await generateTree({ root, targetBytes: 1_500_000, days: 20, padding: 300, seed: 7 });
    hub = await startTestHub();
  }, 60_000);

  afterAll(async () => {
    await hub?.destroy();
  });

  it('reports exact totals with --once: the hub’s usage view equals the totals of the logs', async () => {
    first = await runDaemon({ ...daemonOptions(hub, root, statePath()), once: true });
    expect(first.ok).toBe(true);
    expect(first.sent.events).toBeGreaterThan(0);
    expect(first.pending).toEqual({ events: 0, tasks: 0 });
    expect(Object.keys(first.runtimes).sort()).toEqual(['claude', 'codex']);
    expect(sorted(await hubTotals(hub, hub.memberToken, first.daemon_id))).toEqual(sorted(expected.byModel));
    const runtimes = await get<Runtime[]>(hub, hub.memberToken, '/api/runtimes');
    const claude = runtimes.find((r) => r.id === first.runtimes.claude);
    expect(claude?.metadata).toMatchObject({ scan: { events: expected.events.claude } });
  }, 60_000);

  it('sends nothing again when restarted on the same state', async () => {
    const before = await ingestedEvents(hub);
    const again = await runDaemon({ ...daemonOptions(hub, root, statePath()), once: true });
    expect(again.ok).toBe(true);
    expect(again.daemon_id).toBe(first.daemon_id);
    expect(again.sent.events).toBe(0);
    expect(again.scan.claude?.lines).toBe(0);
    expect(await ingestedEvents(hub)).toBe(before);
    expect(sorted(await hubTotals(hub, hub.memberToken, first.daemon_id))).toEqual(sorted(expected.byModel));
  }, 60_000);

  it('exits at once with code 3 on a refused token with --once (it printed its result, then hung ~60 s)', async () => {
    const fixtures = join(import.meta.dirname, '../fixtures/daemon');
    const started = Date.now();
    // A member token where a daemon token belongs: the mistake a user makes.
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, '../../bin/runtime-hub.js'),
        'daemon',
        '--url',
        hub.url,
        '--token',
        hub.memberToken,
        '--claude-dir',
        join(fixtures, 'claude'),
        '--codex-dir',
        join(fixtures, 'codex'),
        '--state',
        join(tempDir('rh-daemon-refused-'), 's.json'),
        '--once',
      ],
      {
        env: { ...process.env, LOG_LEVEL: 'silent', RUNTIME_HUB_FROM_SOURCE: '1' },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let stdout = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    clearTimeout(killer);
    expect(code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: false,
      failure: 'unauthorized',
      error: `the hub at ${hub.url} refused the daemon token (unauthorized)`,
    });
  }, 60_000);

  it('re-sends everything after the state file is lost, as the same daemon, without changing any total', async () => {
    rmSync(statePath());
    const rerun = await runDaemon({ ...daemonOptions(hub, root, statePath()), once: true });
    expect(rerun.ok).toBe(true);
    expect(rerun.daemon_id).toBe(first.daemon_id);
    expect(rerun.runtimes).toEqual(first.runtimes);
    expect(rerun.sent.events).toBeGreaterThan(0);
    expect(sorted(await hubTotals(hub, hub.memberToken, first.daemon_id))).toEqual(sorted(expected.byModel));
  }, 60_000);

  it('keeps exact totals across a hub outage: stopped mid-run and started again on the same database', async () => {
    const dir = tempDir('rh-daemon-outage-');
    const a = await generateTree({ root: dir, targetBytes: 3_000_000, days: 5, padding: 50, seed: 11 });
    const node = await startTestHub();
    let second: TestHub | undefined;
    const stop = new AbortController();
    const running = runDaemon({
      ...daemonOptions(node, dir, join(dir, 'state.json')),
      once: false,
      pollMs: 200,
      signal: stop.signal,
    });
    try {
      const until = async (hubNow: { url: string }, want: Totals) => {
        let got: Totals = {};
        for (let i = 0; i < 150; i++) {
          got = await hubTotals(hubNow, node.memberToken, await daemonIdOf(hubNow)).catch(() => ({}));
          if (JSON.stringify(sorted(got)) === JSON.stringify(sorted(want))) return got;
          await new Promise((r) => setTimeout(r, 200));
        }
        return got;
      };
      const daemonIdOf = async (hubNow: { url: string }): Promise<string> =>
        (await get<Runtime[]>(hubNow, node.memberToken, '/api/runtimes'))[0]?.daemon_id ?? 'none';
      // Stop the hub as soon as the first usage is committed, with the rest of the first scan still in flight.
      for (let i = 0; i < 500 && (await ingestedEvents(node)) === 0; i++)
        await new Promise((r) => setTimeout(r, 5));
      await node.stop();
      // Written while the hub is down: new sessions and a new turn in an existing one.
      const b = await generateTree({ root: dir, targetBytes: 200_000, days: 5, padding: 200, seed: 12 });
      const session = '99999999-8888-4777-8666-555555555555';
      appendFileSync(
        join(dir, 'claude/projects/-home-dev-p1', `${session}.jsonl`),
        `${claudeAssistant({
          messageId: 'msg_outage',
          requestId: 'req_outage',
          sessionId: session,
          ts: new Date(Date.now() - 60_000).toISOString(),
          model: 'claude-opus-4-5-20251101',
          usage: { input: 7, output: 77, cacheRead: 777, cacheWrite: 7777 },
        })}\n`,
      );
      await new Promise((r) => setTimeout(r, 1000));
      second = await startTestHub({ databaseUrl: node.databaseUrl, config: { PORT: node.port } });
      const want = merge(a.byModel, b.byModel, { 'claude|claude-opus-4-5-20251101': [7, 77, 777, 7777] });
      expect(sorted(await until(second, want))).toEqual(sorted(want));
    } finally {
      stop.abort();
      const result = await running;
      expect(result.ok).toBe(true);
      await second?.stop();
      await node.destroy();
    }
  }, 90_000);

  it('keeps exact totals when the network to the hub is cut mid-delivery and acks are lost', async () => {
    const dir = tempDir('rh-daemon-cut-');
    const a = await generateTree({ root: dir, targetBytes: 3_000_000, days: 5, padding: 50, seed: 21 });
    const node = await startTestHub();
    const proxy = await startTcpProxy('127.0.0.1', node.port);
    const stop = new AbortController();
    const running = runDaemon({
      ...daemonOptions(
        { url: throughProxy(node.url, proxy), daemonToken: node.daemonToken },
        dir,
        join(dir, 's.json'),
      ),
      once: false,
      pollMs: 200,
      timeoutMs: 2000,
      signal: stop.signal,
    });
    try {
      for (let i = 0; i < 500 && (await ingestedEvents(node)) === 0; i++)
        await new Promise((r) => setTimeout(r, 2));
      proxy.cut();
      await new Promise((r) => setTimeout(r, 1500));
      proxy.restore();
      let got: Totals = {};
      for (let i = 0; i < 150; i++) {
        const runtimes = await get<Runtime[]>(node, node.memberToken, '/api/runtimes');
        got = await hubTotals(node, node.memberToken, runtimes[0]?.daemon_id ?? 'none');
        if (JSON.stringify(sorted(got)) === JSON.stringify(sorted(a.byModel))) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(sorted(got)).toEqual(sorted(a.byModel));
    } finally {
      stop.abort();
      expect((await running).ok).toBe(true);
      await proxy.close();
      await node.destroy();
    }
  }, 90_000);
});
