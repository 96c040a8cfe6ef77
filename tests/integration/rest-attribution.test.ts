/**
 * REST history by project, user and session: `group_by` and the filters on both usage routes, their CSV, their
 * cache keys, their 400s, workspace isolation and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GroupedUsageRow, TOKEN_KINDS, type UsageEvent, UsageRow } from '../../shared';
import { intlLocalDate } from '../helpers/databases';
import { startTestHub, type TestHub, type TestWorkspace } from '../helpers/hub';
import { rest } from '../helpers/rest';

const HOUR = 3_600_000;
/** Now, rounded down to the quarter-hour minus a minute, so `ago(h)` never lands in the future. */
const BASE = Math.floor(Date.now() / (HOUR / 4)) * (HOUR / 4) - 60_000;
const ago = (hours: number) => new Date(BASE - hours * HOUR).toISOString();

const event = (id: string, hoursAgo: number, n: number, extra: Partial<UsageEvent> = {}): UsageEvent => ({
  id,
  ts: ago(hoursAgo),
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: n,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  ...extra,
});

/** Events of two projects, three users and a few sessions over three days, some without attribution. */
const EVENTS: UsageEvent[] = [
  event('a1', 1, 100, { project: 'web', user: 'ann', session_id: 's1' }),
  event('a2', 2.5, 200, { project: 'web', user: 'bob', session_id: 's2' }),
  event('a3', 5.25, 300, { project: 'api', user: 'ann', session_id: 's3' }),
  event('a4', 20, 400, { project: 'api', user: 'cy' }),
  event('a5', 30, 500, { user: 'ann' }),
  event('a6', 47.75, 600),
  event('a7', 49, 700, { project: 'web', session_id: 's4', model: 'mystery-model' }),
];

type Row = z.infer<typeof GroupedUsageRow>;

/** What a grouped view must answer, computed from the events alone. */
function expected(tz: string, key: (e: UsageEvent) => string, keep: (e: UsageEvent) => boolean = () => true) {
  const rows = new Map<string, number>();
  for (const e of EVENTS.filter(keep)) {
    const k = `${intlLocalDate(e.ts, tz)}|${key(e)}`;
    rows.set(k, (rows.get(k) ?? 0) + e.input_tokens);
  }
  return rows;
}
const got = (rows: Row[]) => new Map(rows.map((r) => [`${r.date}|${r.key}`, r.input_tokens]));

describe('REST usage by attribution', () => {
  let hub: TestHub;
  let other: TestWorkspace;
  let runtimeId: string;
  let foreignRuntimeId: string;

  const get = (path: string, token = hub.memberToken) => rest(`${hub.url}${path}`, { token });

  const register = async (daemonToken: string) => {
    const res = await rest(`${hub.url}/api/daemon/hello`, {
      token: daemonToken,
      body: {
        daemon_id: crypto.randomUUID(),
        device_info: 'box',
        runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
      },
    });
    expect(res.status).toBe(200);
    return res.body.runtimes[0].id as string;
  };

  beforeAll(async () => {
    hub = await startTestHub();
    other = await hub.newWorkspace('other');
    runtimeId = await register(hub.daemonToken);
    foreignRuntimeId = await register(other.daemonToken);
    const sent = await rest(`${hub.url}/api/daemon/usage`, {
      token: hub.daemonToken,
      body: { runtime_id: runtimeId, events: EVENTS },
    });
    expect(sent.body).toEqual({ accepted: EVENTS.length });
    const foreign = await rest(`${hub.url}/api/daemon/usage`, {
      token: other.daemonToken,
      body: {
        runtime_id: foreignRuntimeId,
        events: [event('x', 1, 9, { project: 'secret-repo', user: 'secret-user', session_id: 'secret-s' })],
      },
    });
    expect(foreign.status).toBe(200);
  });
  afterAll(() => hub?.destroy());

  for (const tz of ['UTC', 'Asia/Kolkata']) {
    it(`groups the workspace and one runtime by project, user and session in ${tz}`, async () => {
      const dims = {
        project: (e: UsageEvent) => e.project ?? '(none)',
        user: (e: UsageEvent) => e.user ?? '(none)',
        session: (e: UsageEvent) => e.session_id ?? '(none)',
        model: (e: UsageEvent) => e.model,
        runtime: () => runtimeId,
      };
      for (const [groupBy, key] of Object.entries(dims)) {
        for (const path of ['/api/usage', `/api/runtimes/${runtimeId}/usage`]) {
          const res = await get(`${path}?days=5&tz=${tz}&group_by=${groupBy}`);
          expect(res.status).toBe(200);
          const rows = z.array(GroupedUsageRow.strict()).parse(res.body);
          expect(got(rows), `${path} ${groupBy}`).toEqual(expected(tz, key));
        }
      }
    });
  }

  it('answers grouped rows with their cost, null where a token has no price', async () => {
    const res = await get('/api/usage?days=5&group_by=project');
    const rows = z.array(GroupedUsageRow.strict()).parse(res.body);
    const day = intlLocalDate(ago(1), 'UTC');
    const webToday = rows.find((r) => r.key === 'web' && r.date === day)!;
    const webFirst = intlLocalDate(ago(2.5), 'UTC') === day ? 300 : 100;
    expect(webToday).toEqual({
      date: day,
      key: 'web',
      input_tokens: webFirst,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost_usd: (webFirst * 3) / 1e6,
      unpriced_tokens: 0,
    });
    const mystery = rows.find((r) => r.date === intlLocalDate(ago(49), 'UTC') && r.key === 'web')!;
    expect(mystery.cost_usd).toBeNull();
    expect(mystery.unpriced_tokens).toBe(700);
  });

  it('narrows the default view and a grouped one by project, user and session', async () => {
    const cases: [string, (e: UsageEvent) => boolean][] = [
      ['project=web', (e) => e.project === 'web'],
      ['user=ann', (e) => e.user === 'ann'],
      ['session=s3', (e) => e.session_id === 's3'],
      ['project=api&user=ann', (e) => e.project === 'api' && e.user === 'ann'],
      ['project=(none)', (e) => e.project === undefined],
      ['project=nope', () => false],
    ];
    for (const [query, keep] of cases) {
      const plain = await get(`/api/usage?days=5&${query}`);
      const rows = z.array(UsageRow.strict()).parse(plain.body);
      const byModel = new Map<string, number>();
      for (const r of rows)
        byModel.set(`${r.date}|${r.model}`, (byModel.get(`${r.date}|${r.model}`) ?? 0) + r.input_tokens);
      expect(byModel, query).toEqual(expected('UTC', (e) => e.model, keep));
      const grouped = await get(`/api/usage?days=5&group_by=user&${query}`);
      expect(got(grouped.body), query).toEqual(expected('UTC', (e) => e.user ?? '(none)', keep));
    }
  });

  it('serves grouped rows as CSV with a date,key header', async () => {
    const json = await get('/api/usage?days=5&group_by=user');
    const res = await get('/api/usage?days=5&group_by=user&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe(
      'date,key,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd',
    );
    expect(lines.slice(1, -1)).toEqual(
      (json.body as Row[]).map((r) =>
        [r.date, r.key, ...TOKEN_KINDS.map((k) => r[k]), r.cost_usd === null ? '' : r.cost_usd].join(','),
      ),
    );
    expect(lines.at(-1)).toBe('');
  });

  it('answers a new write at once: the grouping and each filter are cached apart, under the usage version', async () => {
    const before = await get('/api/usage?days=5&group_by=project&project=late');
    expect(before.body).toEqual([]);
    const web = await get('/api/usage?days=5&group_by=project&project=web');
    expect((web.body as Row[]).every((r) => r.key === 'web')).toBe(true);
    await rest(`${hub.url}/api/daemon/usage`, {
      token: hub.daemonToken,
      body: { runtime_id: runtimeId, events: [event('late', 0, 42, { project: 'late' })] },
    });
    const after = await get('/api/usage?days=5&group_by=project&project=late');
    expect((after.body as Row[]).map((r) => [r.key, r.input_tokens])).toEqual([['late', 42]]);
    EVENTS.push(event('late', 0, 42, { project: 'late' }));
  });

  it('refuses a bad group_by, project, user or session with a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['group_by=team', 'group_by'],
      ['group_by=', 'group_by'],
      ['group_by=project&group_by=user', 'group_by'],
      ['project=', 'project'],
      [`project=${'p'.repeat(201)}`, 'project'],
      ['user=a&user=b', 'user'],
      ['session=%00', 'session'],
    ];
    for (const path of ['/api/usage', `/api/runtimes/${runtimeId}/usage`]) {
      for (const [query, field] of cases) {
        const res = await get(`${path}?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.body.code).toBe('invalid_payload');
        expect(res.body.error.startsWith(`${field}:`), `${query}: ${res.body.error}`).toBe(true);
      }
    }
  });

  it("never shows a workspace another workspace's project, user or session names", async () => {
    for (const groupBy of ['project', 'user', 'session', 'runtime']) {
      const mine = await get(`/api/usage?days=5&group_by=${groupBy}`);
      expect(mine.text).not.toContain('secret');
      expect(mine.text).not.toContain(foreignRuntimeId);
      const theirRuntime = await get(`/api/runtimes/${foreignRuntimeId}/usage?group_by=${groupBy}`);
      expect(theirRuntime.status).toBe(404);
    }
    expect((await get('/api/usage?project=secret-repo')).body).toEqual([]);
    const theirs = await get('/api/usage?days=5&group_by=project', other.memberToken);
    expect((theirs.body as Row[]).map((r) => r.key)).toEqual(['secret-repo']);
  });

  it('documents group_by and the filters of both usage routes in OpenAPI', async () => {
    const doc = (await get('/api/openapi.json')).body;
    for (const path of ['/api/usage', '/api/runtimes/{id}/usage']) {
      const op = doc.paths[path].get;
      const params = Object.fromEntries(
        op.parameters.map((p: { name: string; schema: unknown }) => [p.name, p.schema]),
      );
      expect(params.group_by).toMatchObject({ enum: ['project', 'user', 'session', 'model', 'runtime'] });
      for (const name of ['project', 'user', 'session']) {
        expect(params[name]).toMatchObject({ type: 'string', maxLength: 200 });
        expect(params[name].description).toContain('"(none)"');
      }
      expect(params.group_by.description).toContain('"other"');
      expect(op.summary).toContain('group_by');
      const schema = JSON.stringify(op.responses[200].content['application/json'].schema);
      expect(schema).toContain('"key"');
      expect(op.responses[200].content['text/csv']).toBeDefined();
    }
  });
});
