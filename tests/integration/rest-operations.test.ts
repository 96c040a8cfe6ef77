import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId } from '../helpers/sockets';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
  // One accepted and one refused call, so the metrics have both series to show.
  const hello = await rest(`${hub.url}/api/daemon/hello`, {
    token: hub.daemonToken,
    body: {
      daemon_id: daemonId(),
      device_info: 'x',
      runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
    },
  });
  const event = {
    id: 'e1',
    ts: new Date().toISOString(),
    provider: 'claude',
    model: 'm',
    input_tokens: 1,
    output_tokens: 1,
    cache_read_tokens: 1,
    cache_write_tokens: 1,
  };
  const ok = await rest(`${hub.url}/api/daemon/usage`, {
    token: hub.daemonToken,
    body: { runtime_id: hello.body.runtimes[0].id, events: [event] },
  });
  expect(ok.status).toBe(200);
  await rest(`${hub.url}/api/daemon/usage`, { token: hub.daemonToken, body: {} });
});
afterAll(() => hub.destroy());

describe('operations', () => {
  it('answers healthz, readyz and metrics without a token', async () => {
    expect(await rest(`${hub.url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await rest(`${hub.url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ready' } });
    const metrics = await rest(`${hub.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/hub_ingest_events_total\{kind="usage",code="ok"\} \d+/);
    expect(metrics.text).toContain('hub_ingest_events_total{kind="usage",code="invalid_payload"}');
  });

  it('publishes an OpenAPI document of every route, generated from the schemas', async () => {
    const res = await rest(`${hub.url}/api/openapi.json`);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths).sort()).toEqual(
      [
        '/api/budgets',
        '/api/budgets/{id}',
        '/api/budgets/{id}/alerts',
        '/api/budgets/{id}/state',
        '/api/daemon/hello',
        '/api/daemon/runtimes/{id}/usage',
        '/api/daemon/tasks',
        '/api/daemon/usage',
        '/api/me',
        '/api/openapi.json',
        '/api/pricing',
        '/api/runtimes',
        '/api/runtimes/{id}',
        '/api/runtimes/{id}/activity',
        '/api/runtimes/{id}/usage',
        '/api/usage',
        '/healthz',
        '/metrics',
        '/readyz',
      ].sort(),
    );
    const usage = res.body.paths['/api/runtimes/{id}/usage'].get;
    expect(usage.parameters.map((p: { name: string }) => p.name)).toEqual([
      'id',
      'days',
      'tz',
      'format',
      'group_by',
      'project',
      'user',
      'session',
      'before',
    ]);
    const event = res.body.paths['/api/daemon/usage'].post.requestBody.content['application/json'].schema;
    expect(event.properties.events.items.required).toContain('cache_write_tokens');
  });

  it('answers unknown API paths with a JSON 404', async () => {
    expect(await rest(`${hub.url}/api/nope`, { token: hub.memberToken })).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
  });
});
