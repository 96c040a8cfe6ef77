import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AlertWebhookBody, BudgetAlert } from '../../shared';
import { startTestHub, type TestHub, uniqueRedisPrefix } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId, eventually } from '../helpers/sockets';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const FAST = { pollMs: 200, reconcileGraceMs: 1_000 };

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

describe('budget alerts on a two-node cluster', () => {
  let a: TestHub;
  let b: TestHub;
  let receiver: WebhookReceiver;
  const runtimes: { hub: TestHub; id: string }[] = [];
  const member = (path: string, options: Parameters<typeof rest>[1] = {}) =>
    rest(`${a.url}${path}`, { token: a.memberToken, ...options });
  const alertsOf = async (id: string) =>
    z.array(BudgetAlert).parse((await member(`/api/budgets/${id}/alerts`)).body);
  const createBudget = async (name: string, amount: number, path: string, thresholds = [50, 80, 100]) => {
    const res = await member('/api/budgets', {
      body: {
        name,
        scope: { kind: 'workspace' },
        period: 'month',
        amount_usd: amount,
        thresholds,
        webhook_url: `${receiver.url}${path}`,
      },
    });
    expect(res.status).toBe(200);
    return res.body.id as string;
  };
  /** Spends `total` dollars in `n` events spread over both nodes and every runtime, all at once. */
  const spend = async (prefix: string, n: number, each: number) => {
    await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const rt = runtimes[i % runtimes.length]!;
        return rest(`${rt.hub.url}/api/daemon/usage`, {
          token: a.daemonToken,
          body: { runtime_id: rt.id, events: [event(`${prefix}-${i}`, each)] },
        }).then((res) => expect(res.status).toBe(200));
      }),
    );
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    const redisPrefix = uniqueRedisPrefix();
    const config = { BUDGET_WEBHOOK_TIMEOUT_MS: 1_000 };
    a = await startTestHub({ redisPrefix, config, budgets: FAST });
    b = await startTestHub({ databaseUrl: a.databaseUrl, redisPrefix, config, budgets: FAST });
    for (const hub of [a, a, b, b]) {
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
  });
  afterAll(async () => {
    await b?.stop();
    await a?.destroy();
    await receiver?.close();
  });

  it('POSTs each threshold exactly once under concurrent usage on both nodes', async () => {
    const id = await createBudget('once', 10, '/once');
    await new Promise((r) => setTimeout(r, 2 * FAST.pollMs));
    await spend('once', 120, 0.1); // $12: past 50%, 80% and 100% of $10
    const mine = () => receiver.received.filter((r) => r.path === '/once');
    await eventually(() => expect(mine()).toHaveLength(3), 10_000);
    // Both nodes keep polling: nothing more may arrive.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(mine()).toHaveLength(3);
    const bodies = mine().map((r) => AlertWebhookBody.strict().parse(r.body));
    expect(bodies.map((body) => body.threshold).sort((x, y) => x - y)).toEqual([50, 80, 100]);
    for (const [i, r] of mine().entries()) {
      expect(r.headers['idempotency-key']).toBe(bodies[i]!.alert_id);
      expect(r.headers['content-type']).toBe('application/json');
      expect(bodies[i]!.budget).toMatchObject({ id, name: 'once', amount_usd: 10 });
      expect(bodies[i]!.state.budget_id).toBe(id);
    }
    const log = await alertsOf(id);
    expect(log.map((l) => [l.threshold, l.status, l.attempts, l.last_status])).toEqual([
      [100, 'sent', 1, 200],
      [80, 'sent', 1, 200],
      [50, 'sent', 1, 200],
    ]);
    expect(new Set(log.map((l) => l.id))).toEqual(new Set(bodies.map((body) => body.alert_id)));
    // The spend is exact across both nodes.
    const state = (await member(`/api/budgets/${id}/state`)).body;
    expect(state.spent_usd).toBeCloseTo(12, 9);
    const metrics = (await rest(`${a.url}/metrics`)).text + (await rest(`${b.url}/metrics`)).text;
    expect(metrics).toMatch(/hub_budget_alerts_total\{result="sent"\} \d+/);
    expect(metrics).toMatch(/hub_budgets_evaluated_total \d+/);
  });

  it('retries a failed delivery with backoff and records the failure in the log', async () => {
    receiver.answer((req) => ({
      status:
        req.path === '/flaky' && receiver.received.filter((r) => r.path === '/flaky').length === 1
          ? 500
          : 200,
    }));
    const id = await createBudget('flaky', 1, '/flaky', [100]);
    await spend('flaky', 1, 1);
    await eventually(
      async () =>
        expect((await alertsOf(id))[0]).toMatchObject({
          status: 'pending',
          attempts: 1,
          last_status: 500,
          last_error: 'HTTP 500',
        }),
      5_000,
    );
    await eventually(
      async () =>
        expect((await alertsOf(id))[0]).toMatchObject({ status: 'sent', attempts: 2, last_status: 200 }),
      12_000,
    );
    const sends = receiver.received.filter((r) => r.path === '/flaky');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(3_900);
    expect(sends[0]!.headers['idempotency-key']).toBe(sends[1]!.headers['idempotency-key']);
  });

  it('follows a redirect within the same origin but never to another host', async () => {
    receiver.answer((req) =>
      req.path === '/moved'
        ? { status: 307, location: '/landed' }
        : req.path === '/away'
          ? { status: 302, location: `http://localhost:9/stolen` }
          : { status: 200 },
    );
    const followed = await createBudget('moved', 1, '/moved', [100]);
    const refused = await createBudget('away', 1, '/away', [100]);
    await spend('redirects', 1, 1); // both budgets count the whole workspace
    await eventually(
      async () => expect((await alertsOf(followed))[0]).toMatchObject({ status: 'sent', last_status: 200 }),
      5_000,
    );
    await eventually(
      async () =>
        expect((await alertsOf(refused))[0]).toMatchObject({
          status: 'pending',
          attempts: 1,
          last_error: 'redirect to another host (localhost:9) refused',
        }),
      5_000,
    );
    expect(receiver.received.filter((r) => r.path === '/landed')).toHaveLength(1);
  });

  it('gives up a send that outlasts its timeout and says so', async () => {
    receiver.answer((req) => (req.path === '/slow' ? { delayMs: 3_000 } : { status: 200 }));
    const id = await createBudget('slow', 1, '/slow', [100]);
    await spend('slow', 1, 1);
    await eventually(
      async () =>
        expect((await alertsOf(id))[0]).toMatchObject({
          status: 'pending',
          attempts: 1,
          last_error: 'timed out',
          last_status: null,
        }),
      6_000,
    );
    expect(receiver.received.filter((r) => r.path === '/slow')).toHaveLength(1);
  });
});
