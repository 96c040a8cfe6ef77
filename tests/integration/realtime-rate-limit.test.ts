/**
 * The per-connection call rate: beyond it a call is answered `rate_limited` and nothing of it is written; other
 * connections keep their own allowance, and the limited one gets its allowance back over time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../shared';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, call, connect, eventually, hello } from '../helpers/sockets';

const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
const usageEvent = (id: string) => ({
  id,
  ts: hourAgo,
  provider: 'claude',
  model: 'claude-haiku-4-5',
  input_tokens: 10,
  output_tokens: 1,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

describe('rate limit', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let neighbour: ClientSocket;
  let runtimeId: string;

  const storedIds = async () =>
    (await hub.db.query<{ id: string }>('SELECT id FROM usage_events')).map((r) => r.id).sort();

  beforeAll(async () => {
    hub = await startTestHub({ config: { DAEMON_RATE_PER_S: 5 } });
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    neighbour = await connect(hub.url, '/daemon', hub.daemonToken);
    runtimeId = (await hello(daemon)).claude!;
  });
  afterAll(async () => {
    daemon?.close();
    neighbour?.close();
    await hub?.destroy();
  });

  it('answers rate_limited beyond 5 calls per second and writes nothing of those calls', async () => {
    const acks: Ack<unknown>[] = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent(`burst-${i}`)] }),
      ),
    );
    const accepted = acks.flatMap((a, i) => (a.ok ? [`burst-${i}`] : []));
    const limited = acks.filter((a) => !a.ok);

    // A burst of two seconds' worth (10) minus the hello, plus whatever refilled while the burst arrived.
    expect(accepted.length).toBeGreaterThanOrEqual(9);
    expect(accepted.length).toBeLessThan(15);
    expect(limited).toHaveLength(30 - accepted.length);
    for (const ack of limited) {
      expect(ack).toEqual({
        ok: false,
        error: { code: 'rate_limited', message: 'too many calls on this connection; slow down' },
      });
    }
    expect(await storedIds()).toEqual(accepted.sort());
    expect(daemon.connected).toBe(true);
  });

  it("gives each connection its own allowance: a neighbour's call is not limited", async () => {
    expect(
      await call(neighbour, 'usage', { runtime_id: runtimeId, events: [usageEvent('neighbour')] }),
    ).toEqual({ ok: true, data: { accepted: 1 } });
  });

  it('accepts calls again on the limited connection once its allowance has refilled', async () => {
    await eventually(
      async () => (await call(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent('later')] })).ok,
      5_000,
      250,
    );
    expect(await storedIds()).toContain('later');
  });
});
