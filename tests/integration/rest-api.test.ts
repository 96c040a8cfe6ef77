import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { revokeToken } from '../../server/store';
import { ActivityRow, Runtime, UsageRow } from '../../shared';
import { startTestHub, type TestHub, type TestWorkspace } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId } from '../helpers/sockets';

const today = new Date().toISOString().slice(0, 10);
const hourAgo = new Date(Date.now() - 3_600_000).toISOString();

function usageEvent(id: string, n: number, model = 'claude-sonnet-4-5-20250929') {
  return {
    id,
    ts: hourAgo,
    provider: 'claude',
    model,
    input_tokens: n,
    output_tokens: 2 * n,
    cache_read_tokens: 10 * n,
    cache_write_tokens: 0,
  };
}

describe('REST API', () => {
  let hub: TestHub;
  let other: TestWorkspace;
  let runtimeId: string;
  let otherRuntimeId: string;
  const count = async (table: string) =>
    (await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  const helloBody = (provider = 'claude') => ({
    daemon_id: daemonId(),
    device_info: 'laptop (linux x64)',
    runtimes: [
      { provider, name: `${provider}@laptop`, runtime_mode: 'local', metadata: { scan: { files: 3 } } },
    ],
  });

  beforeAll(async () => {
    hub = await startTestHub();
    other = await hub.newWorkspace('other');
    const hello = await rest(`${hub.url}/api/daemon/hello`, { token: hub.daemonToken, body: helloBody() });
    runtimeId = hello.body.runtimes[0].id;
    const otherHello = await rest(`${hub.url}/api/daemon/hello`, {
      token: other.daemonToken,
      body: helloBody(),
    });
    otherRuntimeId = otherHello.body.runtimes[0].id;
  });
  afterAll(() => hub.destroy());

  describe('daemon fallback', () => {
    it('registers runtimes on hello and answers the contract Runtime shape', async () => {
      const body = helloBody('codex');
      const res = await rest(`${hub.url}/api/daemon/hello`, { token: hub.daemonToken, body });
      expect(res.status).toBe(200);
      const runtimes = z
        .object({ runtimes: z.array(Runtime) })
        .strict()
        .parse(res.body).runtimes;
      expect(runtimes).toHaveLength(1);
      expect(runtimes[0]).toMatchObject({
        workspace_id: hub.workspaceId,
        daemon_id: body.daemon_id,
        name: 'codex@laptop',
        runtime_mode: 'local',
        provider: 'codex',
        status: 'online',
        device_info: 'laptop (linux x64)',
        metadata: { scan: { files: 3 } },
      });
      expect(Object.keys(runtimes[0]!).sort()).toEqual(
        [
          'created_at',
          'daemon_id',
          'device_info',
          'id',
          'last_seen_at',
          'metadata',
          'name',
          'provider',
          'runtime_mode',
          'status',
          'updated_at',
          'workspace_id',
        ].sort(),
      );
    });

    it('accepts usage events and counts a re-sent event once', async () => {
      const first = await rest(`${hub.url}/api/daemon/usage`, {
        token: hub.daemonToken,
        body: { runtime_id: runtimeId, events: [usageEvent('msg_1:req_1', 5), usageEvent('msg_2:req_2', 7)] },
      });
      expect(first).toMatchObject({ status: 200, body: { accepted: 2 } });
      const again = await rest(`${hub.url}/api/daemon/usage`, {
        token: hub.daemonToken,
        body: { runtime_id: runtimeId, events: [usageEvent('msg_1:req_1', 5)] },
      });
      expect(again.body).toEqual({ accepted: 1 });
      expect(await count('usage_events')).toBe(2);
    });

    it('accepts tasks', async () => {
      const res = await rest(`${hub.url}/api/daemon/tasks`, {
        token: hub.daemonToken,
        body: {
          runtime_id: runtimeId,
          tasks: [
            { id: 't1', status: 'running', created_at: hourAgo, started_at: hourAgo },
            { id: 't2', status: 'completed', created_at: hourAgo },
          ],
        },
      });
      expect(res).toMatchObject({ status: 200, body: { accepted: 2 } });
    });

    it('accepts the older daily-totals format', async () => {
      const res = await rest(`${hub.url}/api/daemon/runtimes/${runtimeId}/usage`, {
        token: hub.daemonToken,
        body: {
          entries: [
            {
              date: today,
              provider: 'claude',
              model: 'mystery-model',
              input_tokens: 1000,
              output_tokens: 0,
              cache_read_tokens: 0,
              cache_write_tokens: 0,
            },
          ],
        },
      });
      expect(res).toMatchObject({ status: 200, body: { status: 'ok', accepted: 1 } });
    });

    it.each([
      [
        'a usage call with an unknown key',
        '/api/daemon/usage',
        (rt: string) => ({ runtime_id: rt, events: [{ ...usageEvent('u', 1), extra: 1 }] }),
      ],
      [
        'a negative count',
        '/api/daemon/usage',
        (rt: string) => ({ runtime_id: rt, events: [{ ...usageEvent('u', 1), input_tokens: -1 }] }),
      ],
      [
        'a fractional count',
        '/api/daemon/usage',
        (rt: string) => ({ runtime_id: rt, events: [{ ...usageEvent('u', 1), output_tokens: 1.5 }] }),
      ],
      [
        'an impossible date',
        '/api/daemon/usage',
        (rt: string) => ({ runtime_id: rt, events: [{ ...usageEvent('u', 1), ts: '2026-02-30T00:00:00Z' }] }),
      ],
      [
        'a timestamp without offset',
        '/api/daemon/usage',
        (rt: string) => ({ runtime_id: rt, events: [{ ...usageEvent('u', 1), ts: '2026-01-01T00:00:00' }] }),
      ],
      ['an empty event list', '/api/daemon/usage', (rt: string) => ({ runtime_id: rt, events: [] })],
      [
        'a task with an unknown status',
        '/api/daemon/tasks',
        (rt: string) => ({ runtime_id: rt, tasks: [{ id: 'x', status: 'done', created_at: hourAgo }] }),
      ],
      [
        'a hello without runtimes',
        '/api/daemon/hello',
        () => ({ daemon_id: daemonId(), device_info: '', runtimes: [] }),
      ],
      [
        'a daily total with a bad date',
        (rt: string) => `/api/daemon/runtimes/${rt}/usage`,
        () => ({
          entries: [
            {
              date: '2026-13-01',
              provider: 'p',
              model: 'm',
              input_tokens: 1,
              output_tokens: 1,
              cache_read_tokens: 1,
              cache_write_tokens: 1,
            },
          ],
        }),
      ],
    ] as const)('refuses %s with 400 and writes nothing', async (_name, path, body) => {
      const before = [
        await count('usage_events'),
        await count('tasks'),
        await count('runtimes'),
        await count('usage_daily_totals'),
      ];
      const url = typeof path === 'function' ? path(runtimeId) : path;
      const res = await rest(`${hub.url}${url}`, { token: hub.daemonToken, body: body(runtimeId) });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_payload', error: expect.any(String) });
      const after = [
        await count('usage_events'),
        await count('tasks'),
        await count('runtimes'),
        await count('usage_daily_totals'),
      ];
      expect(after).toEqual(before);
    });

    it('refuses malformed JSON and a prototype-pollution body with 400', async () => {
      const bad = await rest(`${hub.url}/api/daemon/usage`, {
        token: hub.daemonToken,
        rawBody: '{"runtime_id":',
      });
      expect(bad).toMatchObject({ status: 400, body: { code: 'invalid_payload' } });
      const proto = await rest(`${hub.url}/api/daemon/usage`, {
        token: hub.daemonToken,
        rawBody: `{"runtime_id":"${runtimeId}","events":[],"__proto__":{"polluted":true}}`,
      });
      expect(proto).toMatchObject({ status: 400, body: { code: 'invalid_payload' } });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('refuses a body over the size limit with 413', async () => {
      const res = await rest(`${hub.url}/api/daemon/usage`, {
        token: hub.daemonToken,
        rawBody: JSON.stringify({
          runtime_id: runtimeId,
          events: [usageEvent('big', 1)],
          pad: 'x'.repeat(2_000_000),
        }),
      });
      expect(res).toMatchObject({ status: 413, body: { code: 'too_large' } });
    });

    it("answers 404 for another workspace's runtime and writes nothing", async () => {
      const before = await count('usage_events');
      const res = await rest(`${hub.url}/api/daemon/usage`, {
        token: hub.daemonToken,
        body: { runtime_id: otherRuntimeId, events: [usageEvent('steal', 1)] },
      });
      expect(res).toMatchObject({ status: 404, body: { code: 'not_found' } });
      const daily = await rest(`${hub.url}/api/daemon/runtimes/${otherRuntimeId}/usage`, {
        token: hub.daemonToken,
        body: {
          entries: [
            {
              date: today,
              provider: 'p',
              model: 'm',
              input_tokens: 1,
              output_tokens: 1,
              cache_read_tokens: 1,
              cache_write_tokens: 1,
            },
          ],
        },
      });
      expect(daily.status).toBe(404);
      expect(await count('usage_events')).toBe(before);
    });

    it('refuses daemon routes with a member token, no token, or a garbage token', async () => {
      for (const token of [hub.memberToken, undefined, 'rh_d_nope']) {
        const res = await rest(`${hub.url}/api/daemon/hello`, { token, body: helloBody() });
        expect(res).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
      }
    });
  });

  describe('history for members', () => {
    it('lists the runtimes of the workspace only', async () => {
      const res = await rest(`${hub.url}/api/runtimes`, { token: hub.memberToken });
      expect(res.status).toBe(200);
      const runtimes = z.array(Runtime).parse(res.body);
      expect(runtimes.map((r) => r.workspace_id)).toEqual(runtimes.map(() => hub.workspaceId));
      expect(runtimes.map((r) => r.id)).toContain(runtimeId);
      expect(runtimes.map((r) => r.id)).not.toContain(otherRuntimeId);
    });

    it('returns one runtime, and 404 for another workspace or an unknown id', async () => {
      expect((await rest(`${hub.url}/api/runtimes/${runtimeId}`, { token: hub.memberToken })).body.id).toBe(
        runtimeId,
      );
      for (const id of [otherRuntimeId, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        for (const suffix of ['', '/usage', '/activity']) {
          const res = await rest(`${hub.url}/api/runtimes/${id}${suffix}`, { token: hub.memberToken });
          expect(res).toMatchObject({ status: 404, body: { code: 'not_found', error: expect.any(String) } });
        }
      }
    });

    it("regression: activity of another workspace's runtime with an empty zone is 404, not 400 (the runtime is looked at first)", async () => {
      const res = await rest(`${hub.url}/api/runtimes/${otherRuntimeId}/activity?tz`, {
        token: hub.memberToken,
      });
      expect(res).toMatchObject({ status: 404, body: { code: 'not_found' } });
      const own = await rest(`${hub.url}/api/runtimes/${runtimeId}/activity?tz`, { token: hub.memberToken });
      expect(own).toMatchObject({ status: 400, body: { code: 'invalid_payload' } });
    });

    it('serves usage rows per day × provider × model with cost, exactly', async () => {
      const res = await rest(`${hub.url}/api/runtimes/${runtimeId}/usage?days=7&tz=UTC`, {
        token: hub.memberToken,
      });
      expect(res.status).toBe(200);
      const rows = z.array(UsageRow.strict()).parse(res.body);
      const hourAgoDate = hourAgo.slice(0, 10);
      const sonnet = rows.find((r) => r.model === 'claude-sonnet-4-5-20250929')!;
      expect(sonnet).toEqual({
        runtime_id: runtimeId,
        date: hourAgoDate,
        provider: 'claude',
        model: 'claude-sonnet-4-5-20250929',
        input_tokens: 12,
        output_tokens: 24,
        cache_read_tokens: 120,
        cache_write_tokens: 0,
        // 12 × $3 + 24 × $15 + 120 × $0.30 per million
        cost_usd: 0.000432,
        cost_source: 'table',
        unpriced_tokens: 0,
      });
      expect(rows.find((r) => r.model === 'mystery-model')).toMatchObject({
        date: today,
        input_tokens: 1000,
        cost_usd: null,
        cost_source: 'unknown',
        unpriced_tokens: 1000,
      });
    });

    it('serves the same rows as CSV with a header line', async () => {
      const res = await rest(`${hub.url}/api/runtimes/${runtimeId}/usage?days=7&format=csv`, {
        token: hub.memberToken,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/csv');
      const lines = res.text.trim().split('\r\n');
      expect(lines[0]).toBe(
        'runtime_id,date,provider,model,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd',
      );
      expect(lines).toContain(
        `${runtimeId},${hourAgo.slice(0, 10)},claude,claude-sonnet-4-5-20250929,12,24,120,0,0.000432`,
      );
      expect(lines).toContain(`${runtimeId},${today},claude,mystery-model,1000,0,0,0,`);
    });

    it('serves exactly 24 activity rows by local hour', async () => {
      const res = await rest(`${hub.url}/api/runtimes/${runtimeId}/activity?days=7&tz=UTC`, {
        token: hub.memberToken,
      });
      const rows = z.array(ActivityRow.strict()).parse(res.body);
      expect(rows.map((r) => r.hour)).toEqual(Array.from({ length: 24 }, (_, h) => h));
      const hour = new Date(hourAgo).getUTCHours();
      expect(rows[hour]!.count).toBe(2);
      expect(rows.reduce((s, r) => s + r.count, 0)).toBe(2);
    });

    it('serves workspace usage with runtime ids, without other workspaces', async () => {
      const res = await rest(`${hub.url}/api/usage?days=7`, { token: hub.memberToken });
      const rows = z.array(UsageRow).parse(res.body);
      expect(new Set(rows.map((r) => r.runtime_id))).toEqual(new Set([runtimeId]));
    });

    it.each([
      'days=0',
      'days=366',
      'days=abc',
      'days=7.5',
      'days=-1',
      'tz=Mars%2FOlympus',
      'tz=',
      'format=xml',
    ])('refuses %s with 400', async (query) => {
      for (const path of [
        `/api/runtimes/${runtimeId}/usage`,
        `/api/runtimes/${runtimeId}/activity`,
        '/api/usage',
      ]) {
        if (query.startsWith('format') && path.endsWith('activity')) continue;
        const res = await rest(`${hub.url}${path}?${query}`, { token: hub.memberToken });
        expect(res).toMatchObject({ status: 400, body: { code: 'invalid_payload' } });
      }
    });

    it('refuses member routes without a token, with a daemon token, or with a revoked token', async () => {
      const extra = await hub.newWorkspace('revoked');
      expect((await rest(`${hub.url}/api/runtimes`, { token: extra.memberToken })).status).toBe(200);
      await revokeToken(hub.db, extra.memberTokenId);
      for (const token of [undefined, hub.daemonToken, extra.memberToken, 'Bearer']) {
        for (const path of ['/api/runtimes', `/api/runtimes/${runtimeId}/usage`, '/api/usage', '/api/me']) {
          const res = await rest(`${hub.url}${path}`, { token });
          expect(res).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
        }
      }
    });

    it('tells a member who they are and the prices in force', async () => {
      const me = await rest(`${hub.url}/api/me`, { token: hub.memberToken });
      expect(me.body).toMatchObject({
        workspace: { id: hub.workspaceId, name: 'test' },
        token: { role: 'member' },
      });
      const prices = await rest(`${hub.url}/api/pricing`, { token: hub.memberToken });
      expect(prices.body['claude-opus-4-5']).toEqual({
        input: 5,
        output: 25,
        cache_read: 0.5,
        cache_write: 6.25,
        cache_write_1h: 10,
      });
    });
  });
});
