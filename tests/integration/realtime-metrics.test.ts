/**
 * GET /metrics after known traffic on a fresh node: connection gauges, ingest outcomes by code, batch histograms
 * and the fan-out counter hold exactly what that traffic implies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, call, callOk, connect, eventually, hello } from '../helpers/sockets';

const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
const events = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    ts: hourAgo,
    provider: 'claude',
    model: 'claude-opus-4-1',
    input_tokens: 1,
    output_tokens: 1,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
  }));

/** Samples of the Prometheus text format: `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('metrics', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let dashboard: ClientSocket;
  const scrape = async () => {
    const res = await fetch(`${hub.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return parse(await res.text());
  };

  beforeAll(async () => {
    hub = await startTestHub();
    dashboard = await connect(hub.url, '/dashboard', hub.memberToken);
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
  });
  afterAll(async () => {
    daemon?.close();
    dashboard?.close();
    await hub?.destroy();
  });

  it('counts open connections per namespace', async () => {
    const m = await scrape();
    expect(m.get('hub_socket_connections{namespace="/daemon"}')).toBe(1);
    expect(m.get('hub_socket_connections{namespace="/dashboard"}')).toBe(1);
  });

  it('reports ingest outcomes by code, batch histograms and fan-out after known traffic', async () => {
    const { claude: runtimeId } = await hello(daemon, ['claude', 'codex']);
    // Sequential calls: each is committed alone, so every commit is one observation.
    for (const [prefix, n] of [
      ['a', 4],
      ['b', 2],
      ['c', 1],
    ] as const) {
      await callOk(daemon, 'usage', { runtime_id: runtimeId, events: events(prefix, n) });
    }
    await callOk(daemon, 'task', {
      runtime_id: runtimeId,
      tasks: [
        { id: 't1', status: 'running', created_at: hourAgo },
        { id: 't2', status: 'queued', created_at: hourAgo },
      ],
    });
    const refused = [
      await call(daemon, 'usage', { runtime_id: runtimeId, events: [] }),
      await call(daemon, 'usage', {
        runtime_id: '00000000-0000-4000-8000-000000000000',
        events: events('x', 1),
      }),
      await call(daemon, 'usage', { runtime_id: runtimeId, events: events('y'.repeat(1_100_000), 1) }),
    ];
    expect(refused.map((a) => (a.ok ? 'ok' : a.error.code))).toEqual([
      'invalid_payload',
      'not_found',
      'too_large',
    ]);

    const m = await scrape();
    expect(m.get('hub_ingest_events_total{kind="hello",code="ok"}')).toBe(2);
    expect(m.get('hub_ingest_events_total{kind="usage",code="ok"}')).toBe(7);
    expect(m.get('hub_ingest_events_total{kind="task",code="ok"}')).toBe(2);
    expect(m.get('hub_ingest_events_total{kind="usage",code="invalid_payload"}')).toBe(1);
    expect(m.get('hub_ingest_events_total{kind="usage",code="not_found"}')).toBe(1);
    expect(m.get('hub_ingest_events_total{kind="usage",code="too_large"}')).toBe(1);

    expect(m.get('hub_ingest_batch_items_count')).toBe(4);
    expect(m.get('hub_ingest_batch_items_sum')).toBe(9);
    expect(m.get('hub_ingest_batch_items_bucket{le="1"}')).toBe(1);
    expect(m.get('hub_ingest_batch_items_bucket{le="5"}')).toBe(4);
    expect(m.get('hub_ingest_commit_seconds_count')).toBe(4);
    expect(m.get('hub_ingest_commit_seconds_sum')).toBeGreaterThan(0);
    expect(m.get('hub_ingest_commit_seconds_sum')).toBeLessThan(30);
    expect(m.get('hub_ingest_queue_items')).toBe(0);

    expect(m.get('hub_fanout_messages_total{event="runtime"}')).toBe(2);
    expect(m.get('hub_fanout_messages_total{event="usage"}')).toBe(3);
    expect(m.get('hub_fanout_messages_total{event="task"}')).toBe(2);
  });

  it('drops the connection gauge and counts the offline pushes when the daemon leaves', async () => {
    daemon.disconnect();
    await eventually(async () => {
      const m = await scrape();
      return (
        m.get('hub_socket_connections{namespace="/daemon"}') === 0 &&
        m.get('hub_fanout_messages_total{event="runtime"}') === 4
      );
    });
    expect((await scrape()).get('hub_socket_connections{namespace="/dashboard"}')).toBe(1);
  });
});
