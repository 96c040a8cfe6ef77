/**
 * Scenario: `kill -9` of the hub node that is sending a budget alert. A budget on a two-node cluster under load
 * crosses three thresholds; the receiver holds the first alert's request open, the node that sent it (the one
 * holding its lease) is killed, and the survivor sends it again once the lease expired. Every threshold is
 * recorded once and delivered: the killed send is the only request seen twice on the wire, under one
 * Idempotency-Key, never while its lease was held. The spend equals what was sent.
 */
import { describe, expect, inject, it } from 'vitest';
import { type ChaosCluster, scenarioOnce, startCluster } from '../helpers/chaos-cluster';
import { DaemonFleet } from '../helpers/chaos-daemons';
import { sleep, until } from '../helpers/chaos-processes';
import { presence, printFigures } from '../helpers/chaos-verify';
import { rest } from '../helpers/rest';
import { type ClientSocket, connect, hello } from '../helpers/sockets';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const TIMEOUT_MS = 3_000;
/** leaseFor(TIMEOUT_MS) in server/budgets/delivery.ts. */
const LEASE_MS = 2 * TIMEOUT_MS + 5_000;
const MODEL = 'chaos-budget-model';
const EVENTS = 60;
const COST = 0.1;

describe('kill -9 of the node sending a budget alert', () => {
  let cluster: ChaosCluster;
  let receiver: WebhookReceiver | undefined;
  let fleet: DaemonFleet | undefined;
  const sockets: ClientSocket[] = [];
  let heldKey = '';
  let leasedByVictim: string[] = [];
  let alertRows: { id: string; threshold: number; status: string; attempts: number }[] = [];
  let spent = 0;
  let figures: Record<string, unknown> = {};

  scenarioOnce(
    () =>
      startCluster('budget-alert-kill', inject('chaosPgBase'), {
        hubEnv: { BUDGET_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) },
      }),
    (started) => {
      cluster = started;
      return runScenario();
    },
    async () => {
      for (const s of sockets) s.close();
      await fleet?.stop();
      await receiver?.close();
    },
  );

  async function runScenario() {
    const { workspaceId, memberToken, daemonToken } = cluster.workspace;
    // The first request on the wire is held open (a slow receiver) until its sender is gone; the rest answer 200.
    receiver = await startWebhookReceiver((_req, nth) =>
      nth === 1 ? { delayMs: 120_000 } : { status: 200 },
    );

    // One probe runtime per node: its presence owner names the node's id, which alert leases carry too.
    const nodeOf = new Map<string, (typeof cluster.hubs)[number]>();
    const probes: { hubUrl: string; runtimeId: string }[] = [];
    for (const hub of cluster.hubs) {
      const socket = await connect(hub.url, '/daemon', daemonToken);
      sockets.push(socket);
      const runtimeId = (await hello(socket, ['claude'])).claude!;
      probes.push({ hubUrl: hub.url, runtimeId });
      const node = (await presence(cluster.pg, workspaceId)).get(runtimeId)?.node;
      if (!node) throw new Error(`no presence owner for ${hub.name}`);
      nodeOf.set(node, hub);
    }

    fleet = new DaemonFleet({
      url: cluster.balancer.url,
      token: daemonToken,
      daemons: 4,
      eventsPerTick: 40,
      tickMs: 500,
    });
    fleet.start();
    const created = await rest(`${cluster.hubs[0].url}/api/budgets`, {
      token: memberToken,
      body: {
        name: 'chaos',
        scope: { kind: 'model', value: MODEL },
        period: 'month',
        amount_usd: EVENTS * COST,
        webhook_url: `${receiver.url}/alerts`,
      },
    });
    if (created.status !== 200) throw new Error(`budget not created: ${created.text}`);
    const budgetId = created.body.id as string;
    await sleep(2_500); // both nodes have loaded the budget

    // $6 of usage on both nodes at once: 50%, 80% and 100% of the budget.
    await Promise.all(
      Array.from({ length: EVENTS }, async (_, i) => {
        const probe = probes[i % probes.length]!;
        const res = await rest(`${probe.hubUrl}/api/daemon/usage`, {
          token: daemonToken,
          body: {
            runtime_id: probe.runtimeId,
            events: [
              {
                id: `budget-${i}`,
                ts: new Date().toISOString(),
                provider: 'claude',
                model: MODEL,
                input_tokens: 1,
                output_tokens: 1,
                cache_read_tokens: 0,
                cache_write_tokens: 0,
                cost_usd: COST,
              },
            ],
          },
        });
        if (res.status !== 200) throw new Error(`usage refused: ${res.text}`);
      }),
    );

    await until('the first alert request arrives', () => receiver!.received.length > 0, 20_000);
    const held = receiver.received[0]!;
    heldKey = String(held.headers['idempotency-key']);
    const [lease] = await cluster.pg.query<{ leased_by: string }>(
      'SELECT leased_by FROM budget_alerts WHERE id = $1',
      [heldKey],
    );
    const victim = nodeOf.get(lease?.leased_by ?? '');
    if (!victim) throw new Error(`alert ${heldKey} is not leased by a known node`);
    leasedByVictim = (
      await cluster.pg.query<{ id: string }>(
        'SELECT id FROM budget_alerts WHERE leased_by = $1 AND lease_until > now()',
        [lease!.leased_by],
      )
    ).map((r) => r.id);
    const killedAt = Date.now();
    victim.child.signal('SIGKILL');
    await victim.child.exited;

    await until(
      'every alert delivered',
      async () =>
        (
          await cluster.pg.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM budget_alerts WHERE budget_id = $1 AND status = 'sent'`,
            [budgetId],
          )
        )[0]!.n === 3,
      LEASE_MS + 20_000,
    );
    const redeliveredMs = Date.now() - killedAt;
    await sleep(3_000); // nothing else may arrive
    fleet.stopGenerating();

    alertRows = await cluster.pg.query(
      'SELECT id, threshold::float8 AS threshold, status, attempts FROM budget_alerts WHERE budget_id = $1 ORDER BY threshold',
      [budgetId],
    );
    const survivor = cluster.hubs.find((h) => h !== victim)!;
    spent = (await rest(`${survivor.url}/api/budgets/${budgetId}/state`, { token: memberToken })).body
      .spent_usd;
    const wire = receiver.received.map((r) => String(r.headers['idempotency-key']));
    const again = receiver.received.filter((r) => r.headers['idempotency-key'] === heldKey);
    figures = {
      victim: victim.name,
      thresholds: alertRows.map((a) => a.threshold),
      requests_on_wire: wire.length,
      distinct_keys: new Set(wire).size,
      resent_after_ms: again.length > 1 ? again[1]!.at - again[0]!.at : null,
      lease_ms: LEASE_MS,
      redelivered_within_ms: redeliveredMs,
      spent_usd: spent,
    };
    printFigures('budget-alert-kill', figures);
  }

  it('records each threshold once and delivers every one of them', () => {
    expect(alertRows.map((a) => [a.threshold, a.status])).toEqual([
      [50, 'sent'],
      [80, 'sent'],
      [100, 'sent'],
    ]);
    expect(new Set(receiver!.received.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set(alertRows.map((a) => a.id)),
    );
  });

  it('sends again only what the killed node held, under the same key, after its lease expired', () => {
    const byKey = new Map<string, number[]>();
    for (const r of receiver!.received) {
      const key = String(r.headers['idempotency-key']);
      byKey.set(key, [...(byKey.get(key) ?? []), r.at]);
    }
    expect(byKey.get(heldKey)).toHaveLength(2);
    const [first, second] = byKey.get(heldKey)!;
    // The lease began before the request reached the receiver: allow for that second.
    expect(second! - first!).toBeGreaterThanOrEqual(LEASE_MS - 1_000);
    for (const [key, times] of byKey)
      if (key !== heldKey) expect(times.length).toBeLessThanOrEqual(leasedByVictim.includes(key) ? 2 : 1);
  });

  it('counts the spend exactly across both nodes and the kill', () => {
    expect(spent).toBeCloseTo(EVENTS * COST, 9);
  });
});
