/**
 * Regression tests for a daemon that said less than the truth (issue 13's daemon items, issue 11 item 6): each
 * test is named after the defect it pins.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { runDaemon } from '../../../server/daemon/daemon';
import { silentLogger } from '../../../server/daemon/log';
import type { UsagePayload } from '../../../shared/schemas';
import { tempDir } from '../../fixtures/daemon/builders';
import { type FakeHub, startFakeHub, TOKEN } from './fake-hub';

const ROOT = join(import.meta.dirname, '../../..');
const FIXTURES = join(ROOT, 'tests/fixtures/daemon');

const hubs: FakeHub[] = [];
const servers: Server[] = [];
afterEach(async () => {
  while (hubs.length) await hubs.pop()?.close();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});
async function hub(opts: { authDelayMs?: number } = {}) {
  const h = await startFakeHub(opts);
  hubs.push(h);
  return h;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = await startFakeHub();
  await probe.close();
  return probe.port;
}

/** A plain HTTP server answering every request with `status` (a proxy in front of a hub that is down). */
async function answering(status: number): Promise<string> {
  const s = createServer((_req, res) => res.writeHead(status).end('bad gateway'));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const base = (url: string, state: string) => ({
  url,
  token: TOKEN,
  claudeDir: join(FIXTURES, 'claude'),
  codexDir: join(FIXTURES, 'codex'),
  statePath: state,
  log: silentLogger(),
  env: {},
  reconnectDelayMs: 50,
  once: true,
});

/** Runs `runtime-hub daemon` as a user would, answering its exit code, stdout and how long it took. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin/runtime-hub.js'), 'daemon', ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', RUNTIME_HUB_FROM_SOURCE: '1' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  // A hanging daemon is the defect pinned here: it is killed, not left behind, once the test has its answer.
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, ms: Date.now() - started });
    }),
  );
}

/** A logger whose lines the test can read. */
function recordingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('the daemon never lies about what reached the hub', () => {
  it('--once with a refused token exits at once with code 3 instead of printing its result and hanging ~60 s', async () => {
    // The real hub answers the handshake after a database lookup, so the scan is done and the acks awaited.
    const h = await hub({ authDelayMs: 300 });
    const state = join(tempDir(), 's.json');
    const r = await cli([
      '--url',
      h.url,
      '--token',
      'not-the-token',
      '--claude-dir',
      join(FIXTURES, 'claude'),
      '--codex-dir',
      join(FIXTURES, 'codex'),
      '--state',
      state,
      '--once',
    ]);
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(15_000);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ ok: false, failure: 'unauthorized' });
    expect(result.error).toBe(`the hub at ${h.url} refused the daemon token (unauthorized)`);
    // What was read is kept for a run with the right token.
    expect(result.pending).toEqual({ events: 7, tasks: 3 });
  }, 30_000);

  it('warns, naming the folders it looked in, when it finds no Claude Code or Codex logs (it said ok with no word)', async () => {
    const h = await hub();
    const dir = tempDir();
    const { log, lines } = recordingLogger();
    const r = await runDaemon({
      ...base(h.url, join(dir, 's.json')),
      claudeDir: join(dir, 'claude'),
      codexDir: join(dir, 'codex'),
      log,
    });
    const warning = `no Claude Code or Codex logs found; looked in ${join(dir, 'claude/projects')}, ${join(dir, 'codex/sessions')}, ${join(dir, 'codex/archived_sessions')}`;
    expect(r.warnings).toEqual([warning]);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([warning]);
    // The hub was reached (its handshake took the token), so the run itself succeeded.
    expect(r).toMatchObject({ ok: true, sent: { events: 0, tasks: 0 } });
  });

  it('names the URL and the reason (ECONNREFUSED) when the hub is down, not just "websocket error"', async () => {
    const port = await closedPort();
    const r = await runDaemon({
      ...base(`http://127.0.0.1:${port}`, join(tempDir(), 's.json')),
      ackWaitMs: 800,
    });
    expect(r).toMatchObject({ ok: false, failure: 'unreachable', pending: { events: 7, tasks: 3 } });
    expect(r.error).toBe(
      `cannot reach the hub at http://127.0.0.1:${port}/daemon: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('names the URL and the reason when a name does not resolve, TLS fails, or a proxy answers an HTTP error', async () => {
    const state = () => join(tempDir(), 's.json');
    const dns = await runDaemon({ ...base('http://hub.invalid:3000', state()), ackWaitMs: 800 });
    expect(dns.error).toMatch(
      /^cannot reach the hub at http:\/\/hub\.invalid:3000\/daemon: getaddrinfo (ENOTFOUND|EAI_AGAIN) hub\.invalid$/,
    );
    const plain = await answering(502);
    const tls = await runDaemon({ ...base(`https://${plain}`, state()), ackWaitMs: 800 });
    expect(tls.error).toMatch(
      new RegExp(`^cannot reach the hub at https://${plain}/daemon: .*(SSL|TLS|ssl|tls)`),
    );
    const proxy = await runDaemon({ ...base(`http://${plain}`, state()), ackWaitMs: 800 });
    expect(proxy.error).toBe(
      `cannot reach the hub at http://${plain}/daemon: Unexpected server response: 502`,
    );
    for (const r of [dns, tls, proxy]) expect(r).toMatchObject({ ok: false, failure: 'unreachable' });
  });

  it('never reports ok: true when the hub was never reached, even with nothing to send', async () => {
    const port = await closedPort();
    const dir = tempDir();
    const r = await runDaemon({
      ...base(`http://127.0.0.1:${port}`, join(dir, 's.json')),
      claudeDir: join(dir, 'none'),
      codexDir: join(dir, 'none'),
      ackWaitMs: 800,
    });
    expect(r).toMatchObject({ ok: false, failure: 'unreachable', pending: { events: 0, tasks: 0 } });
    expect(r.error).toContain(`http://127.0.0.1:${port}/daemon`);
  });
});

describe('an item the hub refuses is kept aside, counted and reported (issue 11 item 6)', () => {
  // One of the seven fixture events, refused as the hub refused events whose hour's rollup had overflowed.
  const REFUSED_ID = 'msg_01B:req_01B';
  const POISON = (p: UsagePayload) => p.events.some((e) => e.id === REFUSED_ID);

  it('keeps an invalid_payload item in the state file, counts it and reports it, instead of dropping it silently', async () => {
    const h = await hub();
    h.policy = (call, payload) =>
      call === 'usage' && POISON(payload as UsagePayload) ? 'invalid_payload' : undefined;
    const state = join(tempDir(), 's.json');
    const { log, lines } = recordingLogger();
    const r = await runDaemon({ ...base(h.url, state), log });
    expect(r).toMatchObject({
      ok: false,
      failure: 'unacknowledged',
      error: 'the hub refused 1 event and 0 tasks; kept aside in the state file',
      sent: { events: 6, tasks: 3 },
      dropped: { events: 1, tasks: 0 },
      pending: { events: 0, tasks: 0 },
      refused: [
        {
          kind: 'usage',
          provider: 'claude',
          id: REFUSED_ID,
          code: 'invalid_payload',
          message: 'invalid_payload',
        },
      ],
    });
    expect(h.events.size).toBe(6);
    expect(lines.some((l) => l.level === 40 && /refused a usage item; kept aside/.test(l.msg))).toBe(true);
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    expect(saved.refused).toHaveLength(1);
    expect(saved.refused[0]).toMatchObject({
      provider: 'claude',
      kind: 'usage',
      code: 'invalid_payload',
      item: { id: REFUSED_ID, provider: 'claude', output_tokens: 88, cache_read_tokens: 16200 },
    });
    expect(saved.counters.claude.refused).toBe(1);
    expect(saved.counters.codex.refused).toBe(0);
    // The runtime metadata the hub shows carries the count too.
    const claude = h.hellos.at(-1)?.runtimes.find((x) => x.provider === 'claude');
    expect(claude?.metadata?.scan).toMatchObject({ refused: 1 });

    // The next run has nothing new: it succeeds, and the item stays aside, still counted.
    const again = await runDaemon(base(h.url, state));
    expect(again).toMatchObject({ ok: true, refused: [], sent: { events: 0 } });
    expect(JSON.parse(readFileSync(state, 'utf8')).refused).toHaveLength(1);
    const later = h.hellos.at(-1)?.runtimes.find((x) => x.provider === 'claude');
    expect(later?.metadata?.scan).toMatchObject({ refused: 1 });

    // Once the hub takes it (its rollup fixed, say), --retry-refused sends it; nothing was lost.
    h.policy = () => undefined;
    const retried = await runDaemon({ ...base(h.url, state), retryRefused: true });
    expect(retried).toMatchObject({ ok: true, sent: { events: 1 }, refused: [] });
    expect(h.events.get(REFUSED_ID)).toMatchObject({ output_tokens: 88, cache_read_tokens: 16200 });
    expect(h.events.size).toBe(7);
    expect(JSON.parse(readFileSync(state, 'utf8')).refused).toEqual([]);
  });

  it('loads a state file written before refused items were kept (no refused list, counters without refused)', async () => {
    const h = await hub();
    const state = join(tempDir(), 's.json');
    await runDaemon(base(h.url, state));
    const old = JSON.parse(readFileSync(state, 'utf8'));
    delete old.refused;
    for (const c of Object.values(old.counters) as { refused?: number }[]) delete c.refused;
    writeFileSync(state, JSON.stringify(old));
    const r = await runDaemon(base(h.url, state));
    expect(r).toMatchObject({ ok: true, daemon_id: old.daemon_id, sent: { events: 0 } });
    expect(r.scan.claude?.lines).toBe(0); // offsets kept: nothing read again
    expect(h.hellos.at(-1)?.runtimes[0]?.metadata?.scan).toMatchObject({ events: 3, refused: 0 });
  });
});
