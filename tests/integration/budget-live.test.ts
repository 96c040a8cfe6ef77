import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetState } from '../../shared';
import { startTestHub, type TestHub, uniqueRedisPrefix } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { type ClientSocket, collect, connect, daemonId, eventually } from '../helpers/sockets';

const event = (id: string, cost: number) => ({
  id,
  ts: new Date().toISOString(),
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 1,
  output_tokens: 1,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: cost,
});

describe('live budget state', () => {
  let a: TestHub;
  let b: TestHub;
  let dashboard: ClientSocket;
  let otherDashboard: ClientSocket;

  beforeAll(async () => {
    const redisPrefix = uniqueRedisPrefix();
    a = await startTestHub({ redisPrefix, budgets: { pollMs: 100, reconcileGraceMs: 1_000 } });
    b = await startTestHub({
      databaseUrl: a.databaseUrl,
      redisPrefix,
      budgets: { pollMs: 100, reconcileGraceMs: 1_000 },
    });
    dashboard = await connect(b.url, '/dashboard', a.memberToken);
    const other = await a.newWorkspace('other');
    otherDashboard = await connect(b.url, '/dashboard', other.memberToken);
  });
  afterAll(async () => {
    dashboard?.close();
    otherDashboard?.close();
    await b?.stop();
    await a?.destroy();
  });

  it("pushes the budget's state to its workspace's dashboards on every node, at most once a second, ending exact", async () => {
    const pushed = collect<BudgetState>(dashboard, 'budget');
    const leaked = collect<BudgetState>(otherDashboard, 'budget');
    const created = await rest(`${a.url}/api/budgets`, {
      token: a.memberToken,
      body: { name: 'live', scope: { kind: 'workspace' }, period: 'day', amount_usd: 2 },
    });
    const id = created.body.id as string;
    await eventually(() => expect(pushed.at(-1)).toMatchObject({ budget_id: id, spent_usd: 0 }), 3_000);
    const hello = await rest(`${a.url}/api/daemon/hello`, {
      token: a.daemonToken,
      body: {
        daemon_id: daemonId(),
        device_info: 't',
        runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
      },
    });
    const runtimeId = hello.body.runtimes[0].id;
    const before = pushed.length;
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      const res = await rest(`${a.url}/api/daemon/usage`, {
        token: a.daemonToken,
        body: { runtime_id: runtimeId, events: [event(`l${i}`, 0.125)] },
      });
      expect(res.status).toBe(200);
    }
    await eventually(() => expect(pushed.at(-1)).toMatchObject({ spent_usd: 1.25, crossed: [50] }), 3_000);
    const elapsed = Date.now() - started;
    const mine = pushed.slice(before).map((s) => BudgetState.strict().parse(s));
    // Trailing throttle: one push per started second at most (plus the first).
    expect(mine.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1_000) + 1);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    const state = (await rest(`${b.url}/api/budgets/${id}/state`, { token: a.memberToken })).body;
    // The projection moves with the clock; the rest is the same state.
    const { projected_usd: _p, projected_cross_at: _c, ...stable } = state;
    expect(mine.at(-1)).toMatchObject(stable);
    expect(leaked).toEqual([]);
  });
});
