/**
 * The OTLP receiver's limits and presence, each on a hub configured for it: body and inflated size, a full write
 * queue, the REST rate limit, and telemetry runtimes going offline after PRESENCE_TIMEOUT_MS of quiet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureJson, postExport, runtimesOf } from '../fixtures/otlp/load';
import { startTestHub, type TestHub } from '../helpers/hub';
import { eventually } from '../helpers/sockets';

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const claudeLogs = fixtureJson('claude-logs', yesterday);
const codexLogs = fixtureJson('codex-logs', yesterday);

describe('OTLP ingest limits and presence', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({
      config: {
        MAX_PAYLOAD_BYTES: 65_536,
        INGEST_MAX_QUEUE: 2,
        PRESENCE_TIMEOUT_MS: 800,
        PRESENCE_HEARTBEAT_MS: 200,
        PRESENCE_SWEEP_MS: 200,
      },
    });
  });
  afterAll(() => hub.destroy());

  it('refuses a body over MAX_PAYLOAD_BYTES and a zip bomb with 413', async () => {
    const big = Buffer.alloc(70_000, 0x20);
    expect((await postExport(hub.url, 'logs', big, { token: hub.daemonToken })).status).toBe(413);
    // 2 MiB of spaces gzip to about 2 KiB; inflated they pass MAX_PAYLOAD_BYTES × 16.
    const bomb = await postExport(hub.url, 'logs', Buffer.alloc(2 * 1_048_576, 0x20), {
      token: hub.daemonToken,
      gzip: true,
    });
    expect(bomb).toMatchObject({
      status: 413,
      json: { code: 11, message: 'decompressed body is larger than 1048576 bytes' },
    });
  });

  it('answers 503 with Retry-After when the hub is behind on writes', async () => {
    // Three usage events do not fit in a write queue of two.
    const res = await postExport(hub.url, 'logs', claudeLogs, { token: hub.daemonToken });
    expect(res).toMatchObject({ status: 503, json: { code: 14 } });
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('keeps a telemetry runtime online while exports arrive and takes it offline after PRESENCE_TIMEOUT_MS of quiet', async () => {
    const ws = await hub.newWorkspace('presence');
    expect((await postExport(hub.url, 'logs', codexLogs, { token: ws.daemonToken })).status).toBe(200);
    const online = await runtimesOf(hub, ws.memberToken);
    expect(online.map((r) => [r.name, r.status])).toEqual([['codex@ci-runner-7', 'online']]);
    await eventually(async () => {
      const [runtime] = await runtimesOf(hub, ws.memberToken);
      expect(runtime!.status).toBe('offline');
      return true;
    });
    // The next export brings it back online (the same runtime, not a new one).
    expect((await postExport(hub.url, 'logs', codexLogs, { token: ws.daemonToken })).status).toBe(200);
    const revived = await runtimesOf(hub, ws.memberToken);
    expect(revived.map((r) => [r.id, r.status])).toEqual([[online[0]!.id, 'online']]);
  });
});

describe('OTLP ingest rate limit', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ config: { REST_RATE_PER_MIN: 2 } });
  });
  afterAll(() => hub.destroy());

  it('answers 429 with Retry-After and a google.rpc.Status past REST_RATE_PER_MIN, so exporters back off', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        await postExport(hub.url, 'traces', fixtureJson('codex-traces'), { token: hub.daemonToken }),
      );
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(statuses[2]).toMatchObject({ json: { code: 8, message: 'too many requests' } });
    // The limiter's own answer: the seconds until its one-minute window reopens.
    expect(Number(statuses[2]!.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(Number(statuses[2]!.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });
});
