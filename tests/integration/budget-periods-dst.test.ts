import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodStartDate } from '../../shared';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId, eventually } from '../helpers/sockets';

/** Events every half hour (at :10 and :40) from 2026-10-23 to 2026-11-03 UTC: across both DST ends of 2026. */
function events() {
  const out = [];
  for (
    let t = Date.parse('2026-10-23T00:10:00Z'), i = 0;
    t < Date.parse('2026-11-03T00:00:00Z');
    t += 1_800_000, i++
  )
    out.push({
      id: `e${i}`,
      ts: new Date(t).toISOString(),
      provider: 'claude',
      model: 'claude-sonnet-4-5',
      input_tokens: 1,
      output_tokens: 1,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost_usd: (i % 7) + 1,
    });
  return out;
}

const BUDGETS = [
  { period: 'day', tz: 'Europe/Paris' }, // DST ends 2026-10-25: a 25-hour day
  { period: 'day', tz: 'America/New_York' }, // DST ends 2026-11-01
  { period: 'week', tz: 'Europe/Paris' },
  { period: 'day', tz: 'Asia/Kolkata' }, // +05:30: every local midnight splits a UTC hour (not a quarter)
  { period: 'week', tz: 'America/New_York' },
] as const;

describe('budget periods across DST changes', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ budgets: { pollMs: 100, reconcileGraceMs: 60_000 } });
  });
  afterAll(() => hub.destroy());

  it('counts every period exactly as the usage views count its days, in each zone', async () => {
    const ids: string[] = [];
    for (const b of BUDGETS) {
      const res = await rest(`${hub.url}/api/budgets`, {
        token: hub.memberToken,
        body: { name: `${b.period} ${b.tz}`, scope: { kind: 'workspace' }, amount_usd: 1e6, ...b },
      });
      ids.push(res.body.id);
    }
    // Track periods from October on (as if the budgets had existed then) and let the hub see the change.
    await hub.db.query(
      `UPDATE budgets SET tracked_from = '2026-10-01', revision = nextval('budget_revision') WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    await new Promise((r) => setTimeout(r, 400));
    const hello = await rest(`${hub.url}/api/daemon/hello`, {
      token: hub.daemonToken,
      body: {
        daemon_id: daemonId(),
        device_info: 't',
        runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
      },
    });
    const runtimeId = hello.body.runtimes[0].id;
    const all = events();
    for (let i = 0; i < all.length; i += 100) {
      const res = await rest(`${hub.url}/api/daemon/usage`, {
        token: hub.daemonToken,
        body: { runtime_id: runtimeId, events: all.slice(i, i + 100) },
      });
      expect([res.status, res.body]).toEqual([200, { accepted: all.slice(i, i + 100).length }]);
    }
    const spentOf = async (id: string) =>
      new Map(
        (
          await hub.db.query<{ p: string; spent: number }>(
            `SELECT to_char(period_start, 'YYYY-MM-DD') AS p, spent_usd::float8 AS spent FROM budget_periods
             WHERE budget_id = $1 AND period_start < '2026-11-10' AND spent_usd <> 0`,
            [id],
          )
        ).map((r) => [r.p, r.spent]),
      );
    for (const [i, b] of BUDGETS.entries()) {
      const rows = (await rest(`${hub.url}/api/usage?days=60&tz=${b.tz}`, { token: hub.memberToken }))
        .body as {
        date: string;
        cost_usd: number;
      }[];
      const expected = new Map<string, number>();
      for (const r of rows) {
        const p = periodStartDate(r.date, b.period);
        expected.set(p, (expected.get(p) ?? 0) + r.cost_usd);
      }
      await eventually(async () => expect([b, await spentOf(ids[i]!)]).toEqual([b, expected]), 5_000);
    }
    // The 25-hour day in Paris holds 50 half-hour events, the 23-hour neighbours are not affected.
    const paris = await spentOf(ids[0]!);
    const nyc = await spentOf(ids[1]!);
    const eventsIn = (from: string, to: string) =>
      all.filter((e) => e.ts >= from && e.ts < to).reduce((s, e) => s + e.cost_usd, 0);
    expect(paris.get('2026-10-25')).toBe(eventsIn('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z'));
    expect(nyc.get('2026-11-01')).toBe(eventsIn('2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z'));
  });

  it('accepts a commit of several models in the first quarter-hour of a Kolkata day (regression: when deltas were hourly, such an hour straddled two periods and the commit was refused invalid_payload, one period row upserted twice)', async () => {
    const hello = await rest(`${hub.url}/api/daemon/hello`, {
      token: hub.daemonToken,
      body: {
        daemon_id: daemonId(),
        device_info: 't',
        runtimes: [{ provider: 'claude', name: 'd', runtime_mode: 'local' }],
      },
    });
    const at = (model: string, id: string) => ({
      id,
      ts: '2026-11-20T18:35:00Z', // 00:05 on the 21st in Kolkata; its UTC hour began on the 20th there
      provider: 'claude',
      model,
      input_tokens: 1,
      output_tokens: 1,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost_usd: 1,
    });
    const res = await rest(`${hub.url}/api/daemon/usage`, {
      token: hub.daemonToken,
      body: {
        runtime_id: hello.body.runtimes[0].id,
        events: [at('m1', 's1'), at('m2', 's2'), at('m3', 's3')],
      },
    });
    expect([res.status, res.body]).toEqual([200, { accepted: 3 }]);
  });
});
