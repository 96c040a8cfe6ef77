import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDaemon } from '../../../server/daemon/daemon';
import { silentLogger } from '../../../server/daemon/log';
import { claudeAssistant, claudeUser, tempDir, writeLines } from '../../fixtures/daemon/builders';
import { type FakeHub, startFakeHub, TOKEN } from './fake-hub';

const FIXTURES = join(import.meta.dirname, '../../fixtures/daemon');
const hubs: FakeHub[] = [];
afterEach(async () => {
  while (hubs.length) await hubs.pop()?.close();
});
async function hub(port?: number) {
  const h = await startFakeHub({ port });
  hubs.push(h);
  return h;
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
});

describe('runDaemon --once', () => {
  it('scans, reports and returns once every event and task is acknowledged', async () => {
    const h = await hub();
    const r = await runDaemon({ ...base(h.url, join(tempDir(), 's.json')), once: true });
    expect(r).toMatchObject({ ok: true, sent: { events: 7, tasks: 3 }, pending: { events: 0, tasks: 0 } });
    expect(h.events.size).toBe(7);
    // The last hello carries the final scan counters as runtime metadata.
    const last = h.hellos.at(-1);
    expect(
      last?.runtimes.map((x) => [x.provider, (x.metadata?.scan as { events?: number } | undefined)?.events]),
    ).toEqual([
      ['claude', 3],
      ['codex', 4],
    ]);
    expect(last?.runtimes[0]?.name).toMatch(/^claude@/);
    expect([...h.tasks.values()].every((t) => t.status === 'completed')).toBe(true);
  });

  it('reports lifetime scan counters in the runtime metadata across restarts, and this run’s in its result', async () => {
    const h = await hub();
    const state = join(tempDir(), 's.json');
    await runDaemon({ ...base(h.url, state), once: true });
    const again = await runDaemon({ ...base(h.url, state), once: true });
    expect(again.scan.claude).toMatchObject({ lines: 0, events: 0 });
    const scan = (x: { metadata?: Record<string, unknown> } | undefined) => x?.metadata?.scan;
    expect(scan(h.hellos.at(-1)?.runtimes[0])).toMatchObject({
      files: 2,
      lines: 11,
      events: 3,
      duplicates: 3,
    });
  });

  it('fails when the hub stays unreachable, keeps everything in the state file, and delivers it on the next run', async () => {
    const probe = await startFakeHub();
    const port = probe.port;
    await probe.close();
    const state = join(tempDir(), 's.json');
    const down = await runDaemon({ ...base(`http://127.0.0.1:${port}`, state), once: true, ackWaitMs: 800 });
    expect(down.ok).toBe(false);
    expect(down.pending.events).toBe(7);
    expect(JSON.parse(readFileSync(state, 'utf8')).outbox.events.claude).toHaveLength(3);
    const h = await hub(port);
    const up = await runDaemon({ ...base(h.url, state), once: true });
    expect(up).toMatchObject({ ok: true, sent: { events: 7 } });
    expect(up.scan.claude?.lines).toBe(0); // nothing read again: it came from the outbox
    expect(h.events.size).toBe(7);
  });

  it('stops at once with an error when the hub refuses the token', async () => {
    const h = await hub();
    const started = Date.now();
    const r = await runDaemon({ ...base(h.url, join(tempDir(), 's.json')), token: 'nope', once: true });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/refused the daemon token/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('succeeds with nothing to do when there are no logs', async () => {
    const h = await hub();
    const dir = tempDir();
    const r = await runDaemon({
      ...base(h.url, join(dir, 's.json')),
      claudeDir: join(dir, 'none'),
      codexDir: join(dir, 'none'),
      once: true,
    });
    expect(r).toMatchObject({ ok: true, sent: { events: 0 } });
    expect(h.hellos).toHaveLength(0);
  });
});

describe('runDaemon following the logs', () => {
  it('delivers a new line within seconds and completes the session after its quiet period', async () => {
    const h = await hub();
    const dir = tempDir();
    const S = '12345678-1234-4234-8234-123456789012';
    const file = join(dir, 'claude/projects/p', `${S}.jsonl`);
    const now = () => new Date().toISOString();
    writeLines(file, [claudeUser(S, now())]);
    const stop = new AbortController();
    const running = runDaemon({
      ...base(h.url, join(dir, 's.json')),
      claudeDir: join(dir, 'claude'),
      codexDir: join(dir, 'none'),
      once: false,
      pollMs: 200,
      quietMs: 1500,
      signal: stop.signal,
    });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const written = Date.now();
      appendFileSync(
        file,
        `${claudeAssistant({ messageId: 'msg_live', requestId: 'req_live', sessionId: S, ts: now(), usage: { input: 1, output: 2 } })}\n`,
      );
      while (!h.events.has('msg_live:req_live') && Date.now() - written < 5000)
        await new Promise((r) => setTimeout(r, 20));
      expect(Date.now() - written).toBeLessThan(3000);
      expect(h.tasks.get(S)?.status).toBe('running');
      for (let i = 0; i < 100 && h.tasks.get(S)?.status !== 'completed'; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(h.tasks.get(S)?.status).toBe('completed');
    } finally {
      stop.abort();
    }
    expect((await running).ok).toBe(true);
  });
});
