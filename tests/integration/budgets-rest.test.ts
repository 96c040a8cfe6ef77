import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scheduleAllReconciles } from '../../server/store';
import { Budget, BudgetAlert, BudgetState } from '../../shared';
import { startTestHub, type TestHub, type TestWorkspace } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId, eventually } from '../helpers/sockets';

const hello = (provider = 'claude') => ({
  daemon_id: daemonId(),
  device_info: 'test',
  runtimes: [{ provider, name: `${provider}@test`, runtime_mode: 'local' }],
});

/** An event whose cost the agent reported itself, so the expected spend is exact by construction. */
const event = (id: string, cost: number, model = 'claude-sonnet-4-5', tokens = 10) => ({
  id,
  ts: new Date().toISOString(),
  provider: 'claude',
  model,
  input_tokens: tokens,
  output_tokens: 10,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: cost,
});

describe('budgets over REST', () => {
  let hub: TestHub;
  let other: TestWorkspace;
  let runtimeId: string;
  let otherRuntimeId: string;
  const api = (path: string, options: Parameters<typeof rest>[1] = {}) =>
    rest(`${hub.url}${path}`, { token: hub.memberToken, ...options });
  const usage = async (events: unknown[]) => {
    const res = await rest(`${hub.url}/api/daemon/usage`, {
      token: hub.daemonToken,
      body: { runtime_id: runtimeId, events },
    });
    expect(res.status).toBe(200);
  };
  const state = async (id: string) => BudgetState.parse((await api(`/api/budgets/${id}/state`)).body);

  beforeAll(async () => {
    hub = await startTestHub({ budgets: { pollMs: 200, reconcileGraceMs: 60_000 } });
    other = await hub.newWorkspace('other');
    runtimeId = (await rest(`${hub.url}/api/daemon/hello`, { token: hub.daemonToken, body: hello() })).body
      .runtimes[0].id;
    otherRuntimeId = (await rest(`${hub.url}/api/daemon/hello`, { token: other.daemonToken, body: hello() }))
      .body.runtimes[0].id;
  });
  afterAll(() => hub.destroy());

  it('creates, lists, reads, changes and deletes a budget in the contract shape', async () => {
    const created = await api('/api/budgets', {
      body: {
        name: 'team',
        scope: { kind: 'workspace' },
        period: 'month',
        tz: 'europe/paris',
        amount_usd: 250,
      },
    });
    expect(created.status).toBe(200);
    const budget = Budget.strict().parse(created.body);
    expect(budget).toEqual({
      id: budget.id,
      name: 'team',
      scope: { kind: 'workspace' },
      period: 'month',
      tz: 'Europe/Paris',
      amount_usd: 250,
      thresholds: [50, 80, 100],
    });
    expect((await api('/api/budgets')).body).toEqual([budget]);
    expect((await api(`/api/budgets/${budget.id.toUpperCase()}`)).body).toEqual(budget);

    const patched = await api(`/api/budgets/${budget.id}`, {
      method: 'PATCH',
      body: { amount_usd: 300, thresholds: [90], webhook_url: 'http://127.0.0.1:9/hook' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({
      ...budget,
      amount_usd: 300,
      thresholds: [90],
      webhook_url: 'http://127.0.0.1:9/hook',
    });
    const unhooked = await api(`/api/budgets/${budget.id}`, { method: 'PATCH', body: { webhook_url: null } });
    expect(unhooked.body).toEqual({ ...budget, amount_usd: 300, thresholds: [90] });

    const deleted = await api(`/api/budgets/${budget.id}`, { method: 'DELETE' });
    expect(deleted.body).toEqual({ id: budget.id, deleted: true });
    expect((await api(`/api/budgets/${budget.id}`)).status).toBe(404);
    expect((await api('/api/budgets')).body).toEqual([]);
  });

  it.each([
    [{ name: 'x', scope: { kind: 'workspace' }, period: 'month', amount_usd: -1 }, 'amount_usd'],
    [{ name: 'x', scope: { kind: 'workspace' }, period: 'month', amount_usd: 5, tz: 'Nowhere/Land' }, 'tz'],
    [{ name: 'x', scope: { kind: 'model' }, period: 'day', amount_usd: 5 }, 'scope.value'],
    [
      {
        name: 'x',
        scope: { kind: 'workspace' },
        period: 'day',
        amount_usd: 5,
        webhook_url: 'file:///etc/passwd',
      },
      'webhook_url',
    ],
    [
      { name: 'x', scope: { kind: 'workspace' }, period: 'day', amount_usd: 5, thresholds: [0] },
      'thresholds.0',
    ],
  ])('answers 400 naming the field for %j and writes nothing', async (body, field) => {
    const res = await api('/api/budgets', { body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_payload' });
    expect(res.body.error.startsWith(`${field}:`)).toBe(true);
    expect((await hub.db.query('SELECT 1 FROM budgets WHERE name = $1', ['x'])).length).toBe(0);
  });

  it("refuses a runtime budget on another workspace's runtime with 400 and hides other workspaces' budgets (404)", async () => {
    const refused = await api('/api/budgets', {
      body: { name: 'rt', scope: { kind: 'runtime', value: otherRuntimeId }, period: 'day', amount_usd: 5 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/^scope\.value:/);
    const theirs = await rest(`${hub.url}/api/budgets`, {
      token: other.memberToken,
      body: { name: 'theirs', scope: { kind: 'workspace' }, period: 'day', amount_usd: 5 },
    });
    const id = theirs.body.id as string;
    for (const [method, path] of [
      ['GET', `/api/budgets/${id}`],
      ['GET', `/api/budgets/${id}/state`],
      ['GET', `/api/budgets/${id}/alerts`],
      ['PATCH', `/api/budgets/${id}`],
      ['DELETE', `/api/budgets/${id}`],
    ] as const) {
      const res = await api(path, { method, ...(method === 'PATCH' ? { body: { amount_usd: 1 } } : {}) });
      expect([method, res.status, res.body.code]).toEqual([method, 404, 'not_found']);
    }
    expect((await api('/api/budgets/not-a-uuid')).status).toBe(404);
    expect((await rest(`${hub.url}/api/budgets`, { token: hub.daemonToken })).status).toBe(401);
  });

  it('counts usage, corrections and daily totals exactly, crossing each threshold once', async () => {
    const model = 'claude-sonnet-4-5';
    const res = await api('/api/budgets', {
      body: { name: 'm', scope: { kind: 'model', value: model }, period: 'month', amount_usd: 1 },
    });
    const id = res.body.id as string;
    expect(await state(id)).toMatchObject({ spent_usd: 0, crossed: [] });

    await usage([event('a', 0.25, model), event('b', 0.2, model), event('c', 5, 'some-other-model')]);
    expect((await state(id)).spent_usd).toBe(0.45);
    // A larger snapshot of an event replaces it: only the difference counts.
    await usage([event('b', 0.35, model, 20)]);
    expect(await state(id)).toMatchObject({ spent_usd: 0.6, crossed: [50] });
    // Daily totals count on their date at list price (sonnet input: $3 per million); a replaced total counts
    // its difference, downwards too.
    const today = new Date().toISOString().slice(0, 10);
    const totals = (input: number) =>
      rest(`${hub.url}/api/daemon/runtimes/${runtimeId}/usage`, {
        token: hub.daemonToken,
        body: {
          entries: [
            {
              date: today,
              provider: 'claude',
              model,
              input_tokens: input,
              output_tokens: 0,
              cache_read_tokens: 0,
              cache_write_tokens: 0,
            },
          ],
        },
      });
    expect((await totals(100_000)).status).toBe(200);
    expect(await state(id)).toMatchObject({ spent_usd: 0.9, crossed: [50, 80] });
    expect((await totals(50_000)).status).toBe(200);
    expect((await state(id)).spent_usd).toBe(0.75);
    await usage([event('d', 0.3, model)]);
    const after = await state(id);
    expect(after).toMatchObject({ spent_usd: 1.05, crossed: [50, 80, 100] });

    // Exact against the usage view: the budget's spend is the view's cost of this model this month.
    const rows = (await api('/api/usage?days=31&tz=UTC')).body as {
      date: string;
      model: string;
      cost_usd: number | null;
    }[];
    const viewCost = rows
      .filter((r) => r.model === model && r.date >= `${today.slice(0, 8)}01`)
      .reduce((sum, r) => sum + (r.cost_usd ?? 0), 0);
    expect(after.spent_usd).toBeCloseTo(viewCost, 9);

    const alerts = z.array(BudgetAlert).parse((await api(`/api/budgets/${id}/alerts`)).body);
    expect(alerts.map((a) => [a.threshold, a.status, a.attempts])).toEqual([
      [100, 'no_webhook', 0],
      [80, 'no_webhook', 0],
      [50, 'no_webhook', 0],
    ]);
    // Spend going down and up again does not fire a threshold twice.
    expect((await totals(0)).status).toBe(200);
    expect((await totals(100_000)).status).toBe(200);
    expect((await api(`/api/budgets/${id}/alerts`)).body).toHaveLength(3);
    expect((await state(id)).crossed).toEqual([50, 80, 100]);
  });

  it('counts the spend of the current period that happened before the budget was created', async () => {
    const model = 'budget-model-b';
    await usage([event('b1', 1.5, model), event('b2', 0.25, model)]);
    const id = (
      await api('/api/budgets', {
        body: { name: 'late', scope: { kind: 'model', value: model }, period: 'day', amount_usd: 1 },
      })
    ).body.id as string;
    const s = await state(id);
    expect(s.spent_usd).toBe(1.75);
    expect(s.crossed).toEqual([50, 80, 100]);
    expect(s.projected_usd).toBeGreaterThanOrEqual(1.75);
  });

  it('follows stored costs rewritten outside usage commits (reprice) once its periods are recomputed', async () => {
    const model = 'budget-model-c';
    const id = (
      await api('/api/budgets', {
        body: { name: 'repriced', scope: { kind: 'model', value: model }, period: 'month', amount_usd: 100 },
      })
    ).body.id as string;
    await usage([event('c1', 2, model)]);
    expect((await state(id)).spent_usd).toBe(2);
    // What `runtime-hub reprice` does to the rollup, then what it asks of the hubs.
    await hub.db.query(`UPDATE usage_quarter SET cost_usd = cost_usd * 3 WHERE model = $1`, [model]);
    expect(await scheduleAllReconciles(hub.db)).toBeGreaterThan(0);
    await eventually(async () => expect((await state(id)).spent_usd).toBe(6), 5_000);
  });

  it('documents the budget routes in the OpenAPI document', async () => {
    const doc = (await rest(`${hub.url}/api/openapi.json`)).body;
    expect(Object.keys(doc.paths['/api/budgets'])).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/budgets/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(doc.paths['/api/budgets/{id}/state'].get).toBeDefined();
    expect(doc.paths['/api/budgets/{id}/alerts'].get).toBeDefined();
  });
});
