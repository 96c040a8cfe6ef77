import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, uniqueRedisPrefix } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId, eventually } from '../helpers/sockets';

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

describe('a budget created while both nodes commit usage', () => {
  let a: TestHub;
  let b: TestHub;

  beforeAll(async () => {
    const redisPrefix = uniqueRedisPrefix();
    // Node B sees budget changes up to 1.5 s late: the window the recompute after the grace period must close.
    a = await startTestHub({ redisPrefix, budgets: { pollMs: 200, reconcileGraceMs: 3_000 } });
    b = await startTestHub({
      databaseUrl: a.databaseUrl,
      redisPrefix,
      budgets: { pollMs: 1_500, reconcileGraceMs: 3_000 },
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.destroy();
  });

  it('ends exact to the cent once its period was recomputed after the grace period', async () => {
    const runtimes: { hub: TestHub; id: string }[] = [];
    for (const hub of [a, b, a, b]) {
      const hello = await rest(`${hub.url}/api/daemon/hello`, {
        token: a.daemonToken,
        body: {
          daemon_id: daemonId(),
          device_info: 't',
          runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
        },
      });
      runtimes.push({ hub, id: hello.body.runtimes[0].id });
    }
    let sent = 0;
    let n = 0;
    let running = true;
    const load = Promise.all(
      runtimes.map(async (rt) => {
        while (running) {
          const cost = ((n++ % 13) + 1) / 100;
          const res = await rest(`${rt.hub.url}/api/daemon/usage`, {
            token: a.daemonToken,
            body: { runtime_id: rt.id, events: [event(`u${n}`, cost)] },
          });
          expect(res.status).toBe(200);
          sent += cost;
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 700));
    const created = await rest(`${a.url}/api/budgets`, {
      token: a.memberToken,
      body: { name: 'mid-load', scope: { kind: 'workspace' }, period: 'month', amount_usd: 1e6 },
    });
    await new Promise((r) => setTimeout(r, 2_500));
    running = false;
    await load;
    const id = created.body.id as string;
    await eventually(
      async () =>
        expect(
          (await rest(`${b.url}/api/budgets/${id}/state`, { token: a.memberToken })).body.spent_usd,
        ).toBeCloseTo(sent, 9),
      8_000,
      200,
    );
    expect(n).toBeGreaterThan(20);
  });
});
